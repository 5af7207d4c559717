import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, IRoute, NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, type ErrorCode } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

const OPERATIONS = new Set(['/livez', '/readyz', '/metrics']);

/** Counts and times every request under its route pattern (never the raw URL: ids would explode
 *  the label set). */
export function observe(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const matched = req.route as IRoute | undefined; // Express types it as any
      const route = matched ? `${req.baseUrl}${matched.path}` : 'unmatched';
      stop({ method: req.method, route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

/** Bounded in-flight work: past the limit a request gets a fast 503 instead of a slow timeout. */
export function shedLoad(maxInFlight: number, metrics: Metrics): RequestHandler {
  let inFlight = 0;
  return (req, res, next) => {
    if (OPERATIONS.has(req.path)) return next();
    if (inFlight >= maxInFlight) {
      metrics.shed.inc();
      res.set('Retry-After', '1');
      return sendError(res, new AppError(503, 'OVERLOADED', 'the service is at capacity, retry shortly'));
    }
    inFlight++;
    metrics.inFlight.inc();
    res.on('close', () => { inFlight--; metrics.inFlight.dec(); });
    next();
  };
}

export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('X-Request-Id');
    const id = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    next();
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
  res.status(err.status).json({
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
  });
}
