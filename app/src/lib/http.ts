import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

const OPERATIONS = new Set(['/livez', '/readyz', '/metrics']);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyRequest { requestId: string }
}

/**
 * What every request passes first: a request id (the caller's when well-formed), a count and a
 * timing under the route pattern (never the raw URL: ids would explode the label set), bounded
 * in-flight work (past the limit a fast 503 instead of a slow timeout; probes and scrapes are never
 * shed), and while draining, `Connection: close` so keep-alive clients reconnect elsewhere.
 */
export function requestFrame(app: FastifyInstance, metrics: Metrics, maxInFlight: number, lifecycle: { ready: boolean }) {
  let inFlight = 0;
  app.decorateRequest('requestId', '');
  app.addHook('onRequest', (req, reply, done) => {
    const incoming = req.headers['x-request-id'];
    req.requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    reply.header('X-Request-Id', req.requestId);
    if (!lifecycle.ready) reply.header('Connection', 'close');
    const started = process.hrtime.bigint();
    const operation = OPERATIONS.has(req.routeOptions.url ?? '');
    const shed = !operation && inFlight >= maxInFlight;
    const counted = !operation && !shed;
    if (counted) { inFlight++; metrics.inFlight.inc(); }
    reply.raw.once('close', () => {
      if (counted) { inFlight--; metrics.inFlight.dec(); }
      if (!reply.raw.writableFinished) return; // the client left before the answer: nothing was served
      const route = req.routeOptions.url ?? 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
      metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    });
    if (!shed) return done();
    metrics.shed.inc();
    reply.header('Retry-After', '1');
    sendError(reply, new AppError(503, 'OVERLOADED', 'the service is at capacity, retry shortly'));
  });
}

// Fastify's errors for a body it could not read, by code, each as a documented error (a body cut
// short fails with Node's ECONNRESET).
const BODY_ERRORS: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'VALIDATION_ERROR', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'VALIDATION_ERROR', 'the body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'the body is larger than allowed'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'the content type is not supported; send application/json'],
  ECONNRESET: [400, 'REQUEST_ABORTED', 'the request was aborted'],
};

/** The one error handler: every failure becomes the API's error body; only the unexpected is a
 *  500, logged with the request id. */
export function errorHandling(app: FastifyInstance, log: Logger, metrics: Metrics) {
  app.setNotFoundHandler((req, reply) => {
    sendError(reply, new AppError(404, 'ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(err);
    const dependency = appError.details as { dependency?: string; kind?: string } | undefined;
    if (appError.status === 503 && dependency?.dependency) {
      metrics.unavailable.inc({ dependency: dependency.dependency, kind: dependency.kind ?? 'unreachable' });
    }
    if (!appError.isOperational) {
      log.error({ err, requestId: req.requestId, method: req.method, path: req.url }, 'unexpected error');
    }
    if (reply.sent) return;
    if (appError.retryAfterSeconds) reply.header('Retry-After', String(appError.retryAfterSeconds));
    sendError(reply, appError);
  });
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as Partial<FastifyError> | undefined;
  const known = e?.code ? BODY_ERRORS[e.code] : undefined;
  if (known) return new AppError(known[0], known[1], known[2]);
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode, 'BAD_REQUEST', e.message ?? 'bad request');
  }
  return new AppError(500, 'INTERNAL_ERROR', 'internal error', undefined, false);
}

function sendError(reply: FastifyReply, err: AppError) {
  return sendJson(reply, err.status, JSON.stringify({
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
  }));
}

/** Answers with a JSON text as it is (no serializer runs again). */
export const sendJson = (reply: FastifyReply, status: number, json: string) =>
  reply.code(status).header('Content-Type', 'application/json; charset=utf-8').send(json);

/** The API's answer, `{"data": ...}`. */
export const sendData = (reply: FastifyReply, status: number, data: unknown) => sendJson(reply, status, JSON.stringify({ data }));

/** The same from data the read cache holds serialized already. */
export const sendCachedData = (reply: FastifyReply, json: string) => sendJson(reply, 200, `{"data":${json}}`);

/** A request header as one string (`name` in lower case), as the API reads its own headers. */
export function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
