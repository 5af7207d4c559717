import { expect } from 'chai';
import { activeToken, auth, call, createUser, createVenue, newKey, startApp, TestApp } from './support';

// Every endpoint against malformed, mistyped, out-of-range, unknown and forged input: each gets its
// documented 4xx and error body, nothing is a 500, and no state moves.

interface Case { name: string; method: string; path: string; body?: unknown; raw?: string; headers?: Record<string, string>; status: number; code: string }

const BAD_IDS = ['abc', '-1', '0', '1.5', '99999999999999999999', '1e3'];
const BAD_NUMBERS: unknown[] = [-1, 0, 1.5, 1e20, '7', null, true, [], {}];
const HUGE = JSON.stringify({ padding: 'x'.repeat(20 * 1024) });
const FORGED = '00000000-0000-4000-8000-000000000000';

describe('bad input', () => {
  let app: TestApp;
  let cases: Case[];
  let userId: number;
  let otherReservation: number;
  let activeToken_: string;

  before(async () => {
    app = await startApp();
    userId = await createUser(app, 5000);
    const venue = await createVenue(app, 2);
    const token = await activeToken(app, userId);
    activeToken_ = token;
    const other = await activeToken(app, await createUser(app, 5000));
    const hold = await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[1] }, headers: auth(other) });
    otherReservation = hold.body.data.id;
    const key = { 'Idempotency-Key': newKey() };
    const seats = `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`;
    const gated = auth(token, key);
    const post = (path: string, headers: Record<string, string>) => (name: string, body: unknown, status = 400, code = 'VALIDATION_ERROR'): Case =>
      ({ name, method: 'POST', path, body, headers, status, code });
    const token_ = post('/queue/token', {});
    const charge = post(`/users/${userId}/points/charge`, key);
    const hold_ = post('/reservations', gated);
    const pay = post('/payments', gated);

    cases = [
      ...BAD_NUMBERS.map((v) => token_(`token userId=${JSON.stringify(v)}`, { userId: v })),
      token_('token without userId', {}),
      token_('token with an unknown field', { userId, admin: true }),
      token_('token for an unknown user', { userId: 987_654_321 }, 404, 'USER_NOT_FOUND'),
      token_('token body is an array', [userId]),
      { name: 'token malformed JSON', method: 'POST', path: '/queue/token', raw: '{"userId": 1', status: 400, code: 'VALIDATION_ERROR' },
      { name: 'token as text/plain', method: 'POST', path: '/queue/token', raw: 'userId=1', headers: { 'content-type': 'text/plain' }, status: 400, code: 'VALIDATION_ERROR' },
      { name: 'token oversized body', method: 'POST', path: '/queue/token', raw: HUGE, status: 413, code: 'PAYLOAD_TOO_LARGE' },
      { name: 'status without token', method: 'GET', path: '/queue/status', status: 401, code: 'TOKEN_MISSING' },
      { name: 'status forged token', method: 'GET', path: '/queue/status', headers: auth(FORGED), status: 401, code: 'TOKEN_INVALID' },
      { name: 'status garbage token', method: 'GET', path: '/queue/status', headers: auth('x'.repeat(4000)), status: 401, code: 'TOKEN_INVALID' },

      ...BAD_NUMBERS.map((v) => charge(`charge amount=${JSON.stringify(v)}`, { amount: v })),
      charge('charge over the cap', { amount: 1_000_001 }),
      charge('charge without amount', {}),
      { name: 'charge malformed JSON', method: 'POST', path: `/users/${userId}/points/charge`, raw: '{amount: 5}', headers: key, status: 400, code: 'VALIDATION_ERROR' },
      { name: 'charge oversized', method: 'POST', path: `/users/${userId}/points/charge`, raw: HUGE, headers: key, status: 413, code: 'PAYLOAD_TOO_LARGE' },
      post(`/users/${userId}/points/charge`, {})('charge without Idempotency-Key', { amount: 5 }),
      post(`/users/${userId}/points/charge`, { 'Idempotency-Key': 'has spaces' })('charge with a bad key', { amount: 5 }),
      post(`/users/${userId}/points/charge`, { 'Idempotency-Key': 'k'.repeat(256) })('charge with a long key', { amount: 5 }),
      ...BAD_IDS.map((id) => post(`/users/${id}/points/charge`, key)(`charge for user id ${id}`, { amount: 5 })),
      post('/users/987654321/points/charge', key)('charge for an unknown user', { amount: 5 }, 404, 'USER_NOT_FOUND'),
      ...BAD_IDS.map((id): Case => ({ name: `balance of user id ${id}`, method: 'GET', path: `/users/${id}/points`, status: 400, code: 'VALIDATION_ERROR' })),
      { name: 'balance of an unknown user', method: 'GET', path: '/users/987654321/points', status: 404, code: 'USER_NOT_FOUND' },

      ...['page=0', 'page=abc', 'size=0', 'size=101', 'page=-1', 'sort=id'].map((q): Case =>
        ({ name: `concerts ?${q}`, method: 'GET', path: `/concerts?${q}`, status: 400, code: 'VALIDATION_ERROR' })),
      ...BAD_IDS.map((id): Case => ({ name: `schedules of concert ${id}`, method: 'GET', path: `/concerts/${id}/schedules`, status: 400, code: 'VALIDATION_ERROR' })),
      { name: 'schedules of an unknown concert', method: 'GET', path: '/concerts/987654321/schedules', status: 404, code: 'CONCERT_NOT_FOUND' },
      { name: 'seats without token', method: 'GET', path: seats, status: 401, code: 'TOKEN_MISSING' },
      { name: 'seats forged token', method: 'GET', path: seats, headers: auth(FORGED), status: 401, code: 'TOKEN_INVALID' },
      { name: 'seats ?status=GONE', method: 'GET', path: `${seats}?status=GONE`, headers: gated, status: 400, code: 'VALIDATION_ERROR' },
      ...BAD_IDS.map((id): Case => ({ name: `seats of schedule ${id}`, method: 'GET', path: `/concerts/${venue.concertId}/schedules/${id}/seats`, headers: gated, status: 400, code: 'VALIDATION_ERROR' })),
      { name: 'seats of an unknown schedule', method: 'GET', path: `/concerts/${venue.concertId}/schedules/987654321/seats`, headers: gated, status: 404, code: 'SCHEDULE_NOT_FOUND' },

      ...BAD_NUMBERS.map((v) => hold_(`hold seatId=${JSON.stringify(v)}`, { scheduleId: venue.scheduleId, seatId: v })),
      ...BAD_NUMBERS.map((v) => hold_(`hold scheduleId=${JSON.stringify(v)}`, { scheduleId: v, seatId: venue.seatIds[0] })),
      hold_('hold without fields', {}),
      hold_('hold an unknown seat', { scheduleId: venue.scheduleId, seatId: 987_654_321 }, 404, 'SEAT_NOT_FOUND'),
      { name: 'hold malformed JSON', method: 'POST', path: '/reservations', raw: '{"seatId":', headers: gated, status: 400, code: 'VALIDATION_ERROR' },
      { name: 'hold oversized', method: 'POST', path: '/reservations', raw: HUGE, headers: gated, status: 413, code: 'PAYLOAD_TOO_LARGE' },
      post('/reservations', {})('hold without token', { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, 401, 'TOKEN_MISSING'),
      post('/reservations', auth(FORGED))('hold with a forged token', { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, 401, 'TOKEN_INVALID'),

      ...BAD_NUMBERS.map((v) => pay(`pay reservationId=${JSON.stringify(v)}`, { reservationId: v })),
      pay('pay without reservationId', {}),
      pay('pay an unknown reservation', { reservationId: 987_654_321 }, 404, 'RESERVATION_NOT_FOUND'),
      pay('pay another user\'s reservation', { reservationId: otherReservation }, 403, 'USER_MISMATCH'),
      post('/payments', auth(token))('pay without Idempotency-Key', { reservationId: otherReservation }),
      post('/payments', auth(FORGED, key))('pay with a forged token', { reservationId: otherReservation }, 401, 'TOKEN_INVALID'),
      post('/payments', key)('pay without token', { reservationId: otherReservation }, 401, 'TOKEN_MISSING'),
      { name: 'pay malformed JSON', method: 'POST', path: '/payments', raw: '[', headers: gated, status: 400, code: 'VALIDATION_ERROR' },
      { name: 'pay oversized', method: 'POST', path: '/payments', raw: HUGE, headers: gated, status: 413, code: 'PAYLOAD_TOO_LARGE' },
      { name: 'unknown route', method: 'DELETE', path: '/concerts', status: 404, code: 'ROUTE_NOT_FOUND' },
    ];
  });

  after(async () => { await app.stop(); });

  it('when each bad request is sent, then it gets its documented status and error code, never a 500', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const res = await call(app, c.method, c.path, { body: c.body, raw: c.raw, headers: c.headers });
      const code = res.body?.error?.code;
      if (res.status !== c.status || code !== c.code || typeof res.body?.error?.message !== 'string') {
        failures.push(`${c.name}: got ${res.status} ${code ?? JSON.stringify(res.body).slice(0, 80)}, want ${c.status} ${c.code}`);
      }
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
    expect(cases.length).to.be.greaterThan(100);
  });

  it('when all of that was sent, then no balance, seat or reservation moved', async () => {
    expect((await call(app, 'GET', `/users/${userId}/points`)).body.data.balance).to.equal(5000);
    const db = app.running.service.db;
    expect((await db('reservations').where({ user_id: userId })).length).to.equal(0);
    expect((await db('payments').where({ user_id: userId })).length).to.equal(0);
  });

  it('when random bytes are posted to every endpoint, with a forged and with an ACTIVE token, then nothing answers 500', async () => {
    const paths = ['/queue/token', `/users/${userId}/points/charge`, '/reservations', '/payments'];
    const junk = ['\u0000', '{"a":', '"str"', '1', 'null', '{"userId":{"$gt":0}}', '{"__proto__":{"x":1}}', '\xff\xfe', '{}'.repeat(1000)];
    let validatedPastTheGate = 0;
    for (const token of [FORGED, activeToken_]) {
      for (const path of paths) {
        for (const raw of junk) {
          const res = await call(app, 'POST', path, { raw, headers: { 'Idempotency-Key': newKey(), 'User-Token': token } });
          expect(res.status, `${path} ${JSON.stringify(raw).slice(0, 30)}`).to.be.within(400, 499);
          if (token !== FORGED && ['/reservations', '/payments'].includes(path) && res.body?.error?.code === 'VALIDATION_ERROR') validatedPastTheGate++;
        }
      }
    }
    // With the ACTIVE token the gated bodies reach validation (the forged one stops at the gate's 401).
    expect(validatedPastTheGate).to.be.greaterThan(junk.length);
  });
});
