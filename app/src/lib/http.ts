import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, IRoute, NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, type ErrorCode } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

const OPERATIONS = new Set(['/livez', '/readyz', '/metrics']);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * What every request passes first, in one middleware because each Express layer costs CPU on the
 * hot paths: a request id (the caller's when well-formed), a count and a timing under the route
 * pattern (never the raw URL: ids would explode the label set), bounded in-flight work (past the
 * limit a fast 503 instead of a slow timeout; probes and scrapes are never shed), and while
 * draining, `Connection: close` so keep-alive clients reconnect elsewhere.
 */
export function requestFrame(metrics: Metrics, maxInFlight: number, lifecycle: { ready: boolean }): RequestHandler {
  let inFlight = 0;
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    if (!lifecycle.ready) res.setHeader('Connection', 'close');
    const started = process.hrtime.bigint();
    const operation = OPERATIONS.has(req.path);
    const shed = !operation && inFlight >= maxInFlight;
    const counted = !operation && !shed;
    if (counted) { inFlight++; metrics.inFlight.inc(); }
    res.once('close', () => {
      if (counted) { inFlight--; metrics.inFlight.dec(); }
      if (!res.writableFinished) return; // the client left before the answer: nothing was served
      const matched = req.route as IRoute | undefined; // Express types it as any
      const route = matched ? `${req.baseUrl}${matched.path}` : 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    if (!shed) return next();
    metrics.shed.inc();
    res.setHeader('Retry-After', '1');
    sendError(res, new AppError(503, 'OVERLOADED', 'the service is at capacity, retry shortly'));
  };
}

export const notFoundRoute: RequestHandler = (req, _res, next) =>
  next(new AppError(404, 'ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`));

// body-parser's own errors carry a `type`; each becomes a documented client error.
const BODY_ERRORS: Record<string, [number, ErrorCode, string]> = {
  'entity.parse.failed': [400, 'VALIDATION_ERROR', 'the body is not valid JSON'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'the body is larger than allowed'],
  'encoding.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'the content encoding is not supported'],
  'charset.unsupported': [415, 'UNSUPPORTED_MEDIA_TYPE', 'the charset is not supported'],
  'request.aborted': [400, 'REQUEST_ABORTED', 'the request was aborted'],
};

export function errorHandler(log: Logger, metrics: Metrics): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(err);
    const dependency = appError.details as { dependency?: string; kind?: string } | undefined;
    if (appError.status === 503 && dependency?.dependency) {
      metrics.unavailable.inc({ dependency: dependency.dependency, kind: dependency.kind ?? 'unreachable' });
    }
    if (!appError.isOperational) {
      log.error({ err, requestId: res.locals.requestId, method: req.method, path: req.path }, 'unexpected error');
    }
    if (res.headersSent) return res.end();
    if (appError.retryAfterSeconds) res.set('Retry-After', String(appError.retryAfterSeconds));
    sendError(res, appError);
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; expose?: boolean; message?: string };
  const known = e?.type ? BODY_ERRORS[e.type] : undefined;
  if (known) return new AppError(known[0], known[1], known[2]);
  if (e?.expose && e.status && e.status >= 400 && e.status < 500) {
    return new AppError(e.status, 'BAD_REQUEST', e.message ?? 'bad request');
  }
  return new AppError(500, 'INTERNAL_ERROR', 'internal error', undefined, false);
}

function sendError(res: Response, err: AppError) {
  sendJson(res, err.status, JSON.stringify({
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
  }));
}

/** Answers with a JSON text straight through Node: res.json and res.send add ETags, freshness
 *  checks and type lookups this API never uses, and they cost CPU on every request. */
export function sendJson(res: Response, status: number, json: string) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

/** The API's answer, `{"data": ...}`. */
export const sendData = (res: Response, status: number, data: unknown) => sendJson(res, status, JSON.stringify({ data }));

/** The same from data the read cache holds serialized already. */
export const sendCachedData = (res: Response, json: string) => sendJson(res, 200, `{"data":${json}}`);
