/** Every error code the API answers with (the README lists them; the OpenAPI document names, per
 *  route, those it can answer, and a test checks that each one appears there). */
export const ERROR_CODES = [
  'VALIDATION_ERROR', 'BAD_REQUEST', 'REQUEST_ABORTED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE',
  'TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'QUEUE_NOT_ACTIVE', 'USER_MISMATCH',
  'ROUTE_NOT_FOUND', 'USER_NOT_FOUND', 'CONCERT_NOT_FOUND', 'SCHEDULE_NOT_FOUND', 'SEAT_NOT_FOUND', 'RESERVATION_NOT_FOUND',
  'SEAT_NOT_AVAILABLE', 'RESERVATION_EXPIRED', 'ALREADY_PAID', 'INSUFFICIENT_BALANCE', 'REQUEST_IN_PROGRESS',
  'IDEMPOTENCY_KEY_REUSED', 'OVERLOADED', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    // Operational errors are expected outcomes (bad input, conflicts, a dependency down);
    // anything else is a bug and is logged with the request id.
    readonly isOperational = true,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

type Entity = 'user' | 'concert' | 'schedule' | 'seat' | 'reservation';

export const notFound = (what: Entity, id: unknown) =>
  new AppError(404, `${what.toUpperCase() as Uppercase<Entity>}_NOT_FOUND`, `${what} ${String(id)} does not exist`);

/** What a log line or a CLI's last words say about a failure of any kind. */
export const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const conflict = (code: ErrorCode, message: string) => new AppError(409, code, message);

/**
 * Why a dependency was unavailable, in words an operator acts on: PostgreSQL refused a new
 * connection (max_connections reached: a smaller pool or a pooler), the pool had no free
 * connection in time (the pool or the database too small for the load), or it could not be reached.
 */
export const UNAVAILABLE_KINDS = ['too_many_connections', 'pool_timeout', 'unreachable'] as const;
export type UnavailableKind = (typeof UNAVAILABLE_KINDS)[number];

export const unavailable = (dependency: string, cause?: unknown, kind: UnavailableKind = 'unreachable') =>
  new AppError(503, 'SERVICE_UNAVAILABLE', `${dependency} is unavailable, retry shortly`,
    cause instanceof Error ? { dependency, kind, reason: cause.message } : { dependency, kind }, true, 1);

const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
// EAI_AGAIN: a name that does not resolve yet, such as a headless Service before its pod is ready.
const NET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** Maps driver failures that mean "the database is down or saturated" to a 503. */
export function fromDatabaseError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; name?: string; message?: string };
  if (e?.code === '53300') return unavailable('postgresql', err, 'too_many_connections');
  if (e?.name === 'KnexTimeoutError') return unavailable('postgresql', err, 'pool_timeout');
  if ((e?.code && (PG_UNAVAILABLE.has(e.code) || NET_ERRORS.has(e.code)))
    || /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e?.message ?? '')) {
    return unavailable('postgresql', err);
  }
  if (e?.code === '55P03') {
    return new AppError(409, 'REQUEST_IN_PROGRESS', 'the same request is being processed, retry shortly', undefined, true, 1);
  }
  return err;
}

/** Runs a database call and maps its failure with fromDatabaseError: the one wrapper for every query. */
export async function withDatabaseErrors<T>(query: () => PromiseLike<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    throw fromDatabaseError(err);
  }
}

/** ioredis fails fast while disconnected (offline queue off); surface that as a 503. */
export function fromRedisError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; name?: string; message?: string };
  if ((e?.code && NET_ERRORS.has(e.code)) || /Stream isn't writeable|Connection is closed|enableOfflineQueue|max retries|ECONNREFUSED/i.test(e?.message ?? '')) {
    return unavailable('redis', err);
  }
  return err;
}
