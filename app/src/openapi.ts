// The API contract, generated from the zod schemas the routes validate with, so the document and
// the validation cannot drift apart. Served at /openapi.json and committed as app/openapi.json
// (`npm run -w app openapi` writes it; a test keeps the two equal).

import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { concertParams, concertQuery, SEAT_STATUSES, seatParams, seatQuery } from './concerts/schema';
import { loadConfig } from './lib/config';
import type { ErrorCode } from './lib/errors';
import { idempotencyKey } from './lib/validate';
import { payBody } from './payments/schema';
import { chargeBody, userParams } from './points/schema';
import { issueBody } from './queue/schema';
import { holdBody } from './reservations/schema';

extendZodWithOpenApi(z);

const int = z.number().int();

const TokenView = z.object({
  token: z.uuid(),
  status: z.enum(['WAITING', 'ACTIVE']),
  position: int.min(0).describe('1-based place in the queue; 0 once ACTIVE'),
  estimatedWaitingTime: int.min(-1).describe('seconds; 0 once ACTIVE, -1 when no one is admitted (MAX_ACTIVE=0)'),
  activeExpiresAt: z.iso.datetime().nullable(),
});
const Balance = z.object({ userId: int, balance: int.min(0) });
const Charge = Balance.extend({ transactionId: int });
const ConcertPage = z.object({
  items: z.array(z.object({ id: int, title: z.string(), artist: z.string() })),
  page: int.min(1), size: int.min(1).max(100), total: int.min(0),
});
const Schedule = z.object({ id: int, startsAt: z.iso.datetime(), totalSeats: int, availableSeats: int });
const SeatStatus = z.enum(SEAT_STATUSES);
const Seat = z.object({ id: int, seatNo: int, price: int, status: SeatStatus });
const Hold = z.object({ id: int, scheduleId: int, seatId: int, status: z.literal('HELD'), price: int, expiresAt: z.iso.datetime() });
const Receipt = z.object({
  id: int, reservationId: int, status: z.literal('PAID'), totalSeats: int, totalAmount: int, balance: int.min(0),
});

const data = (schema: z.ZodType) => z.object({ data: schema });
const json = (description: string, schema: z.ZodType): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

// The error codes each status can carry (DESIGN.md's list); every route names those it can answer.
type Status = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503;
const WHY: Record<Status, string> = {
  400: 'invalid input', 401: 'no valid queue token', 403: 'the token is not admitted here', 404: 'not found',
  409: 'conflict with the current state', 413: 'body too large', 415: 'unsupported body encoding',
  422: 'Idempotency-Key reused for another request', 503: 'overloaded or a dependency is down; retry after Retry-After',
};
const retryAfter = { 'Retry-After': z.string().describe('seconds') };
function errors(codes: Partial<Record<Status, ErrorCode[]>>): Record<number, ResponseConfig> {
  const all: Partial<Record<Status, ErrorCode[]>> = { ...codes, 503: ['OVERLOADED', 'SERVICE_UNAVAILABLE'] };
  return Object.fromEntries(Object.entries(all).map(([status, list]) => {
    const body = z.object({
      error: z.object({ code: z.enum(list as [ErrorCode, ...ErrorCode[]]), message: z.string(), details: z.unknown().optional() }),
    });
    const response = json(WHY[Number(status) as Status], body);
    return [status, status === '503' ? { ...response, headers: z.object(retryAfter) } : response];
  }));
}
const BODY: Partial<Record<Status, ErrorCode[]>> = { 400: ['VALIDATION_ERROR', 'REQUEST_ABORTED', 'BAD_REQUEST'], 413: ['PAYLOAD_TOO_LARGE'], 415: ['UNSUPPORTED_MEDIA_TYPE'] };
const TOKEN: Partial<Record<Status, ErrorCode[]>> = { 401: ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED'] };
const userToken = z.object({ 'User-Token': z.string().describe('the queue token from POST /queue/token') });
const keyHeader = z.object({ 'Idempotency-Key': idempotencyKey });
const body = (schema: z.ZodType) => ({ content: { 'application/json': { schema } }, required: true });

export function openApiDocument(maxChargeAmount = loadConfig({}).MAX_CHARGE_AMOUNT) {
  const registry = new OpenAPIRegistry();
  const api = '/api/v1';

  registry.registerPath({
    method: 'post', path: `${api}/queue/token`, summary: 'Join the waiting room (one live token per user)',
    request: { body: body(issueBody) },
    responses: { 201: json('a new token', data(TokenView)), 200: json('the user\'s live token, again', data(TokenView)), ...errors({ ...BODY, 404: ['USER_NOT_FOUND'] }) },
  });
  registry.registerPath({
    method: 'get', path: `${api}/queue/status`, summary: 'Position in the queue (polling promotes)',
    request: { headers: userToken },
    responses: { 200: json('the token\'s state', data(TokenView)), ...errors(TOKEN) },
  });
  registry.registerPath({
    method: 'get', path: `${api}/users/{userId}/points`, summary: 'Point balance',
    request: { params: userParams },
    responses: { 200: json('the balance', data(Balance)), ...errors({ 400: ['VALIDATION_ERROR'], 404: ['USER_NOT_FOUND'] }) },
  });
  registry.registerPath({
    method: 'post', path: `${api}/users/{userId}/points/charge`, summary: 'Add points, once per Idempotency-Key',
    request: { params: userParams, headers: keyHeader, body: body(chargeBody(maxChargeAmount)) },
    responses: {
      200: json('charged, or the stored outcome of the same key', data(Charge)),
      ...errors({ ...BODY, 404: ['USER_NOT_FOUND'], 409: ['REQUEST_IN_PROGRESS'], 422: ['IDEMPOTENCY_KEY_REUSED'] }),
    },
  });
  registry.registerPath({
    method: 'get', path: `${api}/concerts`, summary: 'Concerts, a page at a time',
    request: { query: concertQuery },
    responses: { 200: json('one page', data(ConcertPage)), ...errors({ 400: ['VALIDATION_ERROR'] }) },
  });
  registry.registerPath({
    method: 'get', path: `${api}/concerts/{concertId}/schedules`, summary: 'A concert\'s dates with available seats',
    request: { params: concertParams },
    responses: { 200: json('the dates', data(z.array(Schedule))), ...errors({ 400: ['VALIDATION_ERROR'], 404: ['CONCERT_NOT_FOUND'] }) },
  });
  registry.registerPath({
    method: 'get', path: `${api}/concerts/{concertId}/schedules/{scheduleId}/seats`, summary: 'A date\'s seat map (ACTIVE token)',
    request: { params: seatParams, query: seatQuery, headers: userToken },
    responses: {
      200: json('the seats in seat order', data(z.array(Seat))),
      ...errors({ 400: ['VALIDATION_ERROR'], ...TOKEN, 403: ['QUEUE_NOT_ACTIVE'], 404: ['CONCERT_NOT_FOUND', 'SCHEDULE_NOT_FOUND'] }),
    },
  });
  registry.registerPath({
    method: 'post', path: `${api}/reservations`, summary: 'Hold a seat (ACTIVE token)',
    request: { headers: userToken, body: body(holdBody) },
    responses: {
      201: json('held until expiresAt', data(Hold)),
      ...errors({ ...BODY, ...TOKEN, 403: ['QUEUE_NOT_ACTIVE'], 404: ['SEAT_NOT_FOUND'], 409: ['SEAT_NOT_AVAILABLE'] }),
    },
  });
  registry.registerPath({
    method: 'post', path: `${api}/payments`, summary: 'Pay a held reservation, once per Idempotency-Key; ends the token',
    request: { headers: userToken.extend(keyHeader.shape), body: body(payBody) },
    responses: {
      201: json('paid, or the stored outcome of the same key', data(Receipt)),
      ...errors({
        ...BODY, ...TOKEN, 403: ['QUEUE_NOT_ACTIVE', 'USER_MISMATCH'], 404: ['RESERVATION_NOT_FOUND'],
        409: ['ALREADY_PAID', 'RESERVATION_EXPIRED', 'INSUFFICIENT_BALANCE', 'REQUEST_IN_PROGRESS'], 422: ['IDEMPOTENCY_KEY_REUSED'],
      }),
    },
  });
  registry.registerPath({
    method: 'get', path: '/livez', summary: 'The process is alive',
    responses: { 200: json('alive', z.object({ status: z.literal('ok') })) },
  });
  const ready = z.object({ status: z.string(), checks: z.object({ postgresql: z.string(), redis: z.string() }).optional() });
  registry.registerPath({
    method: 'get', path: '/readyz', summary: 'PostgreSQL and Redis answer, and the process is not shutting down',
    responses: { 200: json('ready', ready), 503: json('not ready', ready) },
  });
  registry.registerPath({
    method: 'get', path: '/metrics', summary: 'Prometheus metrics of every worker',
    responses: { 200: { description: 'text exposition format', content: { 'text/plain': { schema: z.string() } } } },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'headroom booking service', version: '1',
      description: 'Waiting-room tokens, points, concerts, seats, holds and payments. Every failure is '
        + '`{"error": {"code", "message", "details"}}`; an unknown route is 404 ROUTE_NOT_FOUND.',
    },
  });
}
