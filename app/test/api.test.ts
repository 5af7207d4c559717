import { expect } from 'chai';
import { activeToken, auth, call, createUser, createVenue, newKey, startApp, TestApp } from './support';

const UUID = /^[0-9a-f-]{36}$/;

describe('booking API', () => {
  let app: TestApp;
  before(async () => { app = await startApp(); });
  after(async () => { await app.stop(); });

  const expectError = (res: { status: number; body: any }, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.body.error.code).to.equal(code);
    expect(res.body.error.message).to.be.a('string');
  };

  describe('POST /queue/token', () => {
    it('when a user asks for the first time, then 201 with an ACTIVE token', async () => {
      const userId = await createUser(app);
      const res = await call(app, 'POST', '/queue/token', { body: { userId } });
      expect(res.status).to.equal(201);
      expect(res.body.data).to.include({ status: 'ACTIVE', position: 0, estimatedWaitingTime: 0 });
      expect(res.body.data.token).to.match(UUID);
      expect(Date.parse(res.body.data.activeExpiresAt)).to.be.greaterThan(Date.now());
    });

    it('when the user already holds a token, then 200 with the same token', async () => {
      const userId = await createUser(app);
      const first = await call(app, 'POST', '/queue/token', { body: { userId } });
      const again = await call(app, 'POST', '/queue/token', { body: { userId } });
      expect(again.status).to.equal(200);
      expect(again.body.data.token).to.equal(first.body.data.token);
    });

    it('when the user does not exist, then 404 USER_NOT_FOUND', async () => {
      expectError(await call(app, 'POST', '/queue/token', { body: { userId: 987_654_321 } }), 404, 'USER_NOT_FOUND');
    });

    it('when known and unknown users ask at once (one shared user lookup), then each gets its own answer', async () => {
      const known = [await createUser(app), await createUser(app), await createUser(app)];
      const ids = [known[0], 987_654_322, known[1], known[1], 987_654_323, known[2]];
      const res = await Promise.all(ids.map((userId) => call(app, 'POST', '/queue/token', { body: { userId } })));
      expect(res.map((r) => r.status).sort()).to.deep.equal([200, 201, 201, 201, 404, 404]);
      for (const [i, r] of res.entries()) {
        if (ids[i] > 987_000_000) expectError(r, 404, 'USER_NOT_FOUND');
        else expect(r.body.data.token).to.match(UUID);
      }
      expect(res[2].body.data.token).to.equal(res[3].body.data.token);
    });

    it('when userId is missing, then 400 VALIDATION_ERROR with the zod issues', async () => {
      const res = await call(app, 'POST', '/queue/token', { body: {} });
      expectError(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.details[0].path).to.equal('userId');
    });
  });

  describe('GET /queue/status', () => {
    it('when the token is active, then 200 with position 0', async () => {
      const token = await activeToken(app, await createUser(app));
      const res = await call(app, 'GET', '/queue/status', { headers: auth(token) });
      expect(res.status).to.equal(200);
      expect(res.body.data).to.include({ token, status: 'ACTIVE', position: 0 });
    });

    it('when the header is missing, then 401 TOKEN_MISSING', async () => {
      expectError(await call(app, 'GET', '/queue/status'), 401, 'TOKEN_MISSING');
    });

    it('when the path has another letter case or a trailing slash, then it is the same route', async () => {
      const token = await activeToken(app, await createUser(app));
      for (const path of ['/QUEUE/Status', '/queue/status/']) {
        const res = await call(app, 'GET', path, { headers: auth(token) });
        expect(res.status, path).to.equal(200);
        expect(res.body.data.token).to.equal(token);
      }
    });

    it('when the token is forged, then 401 TOKEN_INVALID', async () => {
      expectError(await call(app, 'GET', '/queue/status', { headers: auth('00000000-0000-4000-8000-000000000000') }), 401, 'TOKEN_INVALID');
      expectError(await call(app, 'GET', '/queue/status', { headers: auth('not-a-token') }), 401, 'TOKEN_INVALID');
    });
  });

  describe('points', () => {
    it('when a user charges, then 200 with the new balance and a transaction id', async () => {
      const userId = await createUser(app, 100);
      const res = await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 250 }, headers: { 'Idempotency-Key': newKey() } });
      expect(res.status).to.equal(200);
      expect(res.body.data).to.include({ userId, balance: 350 });
      expect(res.body.data.transactionId).to.be.a('number');
      const balance = await call(app, 'GET', `/users/${userId}/points`);
      expect(balance.status).to.equal(200);
      expect(balance.body.data).to.deep.equal({ userId, balance: 350 });
    });

    it('when the same key is sent again, then the first answer is replayed and nothing is added', async () => {
      const userId = await createUser(app);
      const key = newKey();
      const first = await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 10 }, headers: { 'Idempotency-Key': key } });
      const again = await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 10 }, headers: { 'Idempotency-Key': key } });
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(first.body);
      expect((await call(app, 'GET', `/users/${userId}/points`)).body.data.balance).to.equal(10);
    });

    it('when a key is reused for another amount, then 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const userId = await createUser(app);
      const key = newKey();
      await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 10 }, headers: { 'Idempotency-Key': key } });
      expectError(await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 11 }, headers: { 'Idempotency-Key': key } }),
        422, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('when the same key is still being processed, then 409 REQUEST_IN_PROGRESS after the lock wait', async () => {
      const userId = await createUser(app);
      const key = newKey();
      const trx = await app.running.service.db.transaction();
      try {
        await trx('idempotency_keys').insert({ user_id: userId, scope: 'charge', key, request_hash: 'x', status_code: 0, response: 'null' });
        expectError(await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 5 }, headers: { 'Idempotency-Key': key } }),
          409, 'REQUEST_IN_PROGRESS');
      } finally {
        await trx.rollback();
      }
    });

    it('when the user does not exist, then 404 USER_NOT_FOUND for charge and balance', async () => {
      expectError(await call(app, 'GET', '/users/99999999/points'), 404, 'USER_NOT_FOUND');
      expectError(await call(app, 'POST', '/users/99999999/points/charge', { body: { amount: 1 }, headers: { 'Idempotency-Key': newKey() } }),
        404, 'USER_NOT_FOUND');
    });

    it('when the Idempotency-Key is missing, then 400 VALIDATION_ERROR', async () => {
      const userId = await createUser(app);
      expectError(await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 1 } }), 400, 'VALIDATION_ERROR');
    });
  });

  describe('concerts, schedules and seats', () => {
    it('when concerts are listed, then 200 with a page of them', async () => {
      const venue = await createVenue(app);
      const res = await call(app, 'GET', '/concerts?page=1&size=100');
      expect(res.status).to.equal(200);
      expect(res.body.data).to.include({ page: 1, size: 100 });
      expect(res.body.data.total).to.be.at.least(1);
      expect(res.body.data.items.map((c: { id: number }) => c.id)).to.include(venue.concertId);
    });

    it('when schedules are listed, then each has total and available seats', async () => {
      const venue = await createVenue(app, 4);
      const res = await call(app, 'GET', `/concerts/${venue.concertId}/schedules`);
      expect(res.status).to.equal(200);
      expect(res.body.data).to.have.length(1);
      expect(res.body.data[0]).to.include({ id: venue.scheduleId, totalSeats: 4, availableSeats: 4 });
      expect(res.body.data[0].startsAt).to.equal('2027-05-01T19:00:00.000Z');
    });

    it('when a seat is held, then the schedule counts one seat fewer', async () => {
      const venue = await createVenue(app, 3);
      await call(app, 'GET', `/concerts/${venue.concertId}/schedules`);
      const token = await activeToken(app, await createUser(app));
      await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(token) });
      const res = await call(app, 'GET', `/concerts/${venue.concertId}/schedules`);
      expect(res.body.data[0].availableSeats).to.equal(2);
    });

    it('when the concert does not exist, then 404 CONCERT_NOT_FOUND', async () => {
      expectError(await call(app, 'GET', '/concerts/99999999/schedules'), 404, 'CONCERT_NOT_FOUND');
    });

    it('when seats are listed with an active token, then 200 with every seat, or only AVAILABLE ones', async () => {
      const venue = await createVenue(app, 3);
      const token = await activeToken(app, await createUser(app));
      await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[1] }, headers: auth(token) });
      const path = `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`;
      const all = await call(app, 'GET', path, { headers: auth(token) });
      expect(all.status).to.equal(200);
      expect(all.body.data.map((s: { status: string }) => s.status)).to.deep.equal(['AVAILABLE', 'HELD', 'AVAILABLE']);
      expect(all.body.data[0]).to.deep.equal({ id: venue.seatIds[0], seatNo: 1, price: venue.price, status: 'AVAILABLE' });
      const available = await call(app, 'GET', `${path}?status=AVAILABLE`, { headers: auth(token) });
      expect(available.body.data.map((s: { id: number }) => s.id)).to.deep.equal([venue.seatIds[0], venue.seatIds[2]]);
    });

    it('when the schedule is not the concert\'s, then 404 SCHEDULE_NOT_FOUND, even while its seats are cached', async () => {
      const a = await createVenue(app, 1);
      const b = await createVenue(app, 1);
      const token = await activeToken(app, await createUser(app));
      expect((await call(app, 'GET', `/concerts/${b.concertId}/schedules/${b.scheduleId}/seats`, { headers: auth(token) })).status).to.equal(200);
      expectError(await call(app, 'GET', `/concerts/${a.concertId}/schedules/${b.scheduleId}/seats`, { headers: auth(token) }),
        404, 'SCHEDULE_NOT_FOUND');
      expectError(await call(app, 'GET', `/concerts/99999999/schedules/${b.scheduleId}/seats`, { headers: auth(token) }),
        404, 'CONCERT_NOT_FOUND');
    });

    it('when a cached seat list is asked for with a token that ended by paying, then 401 TOKEN_EXPIRED', async () => {
      const venue = await createVenue(app, 2);
      const path = `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`;
      expect((await call(app, 'GET', path, { headers: auth(await activeToken(app, await createUser(app))) })).status).to.equal(200);
      const token = await activeToken(app, await createUser(app, 5000));
      const other = await createVenue(app, 1);
      const hold = await call(app, 'POST', '/reservations', { body: { scheduleId: other.scheduleId, seatId: other.seatIds[0] }, headers: auth(token) });
      const paid = await call(app, 'POST', '/payments', { body: { reservationId: hold.body.data.id }, headers: auth(token, { 'Idempotency-Key': newKey() }) });
      expect(paid.status).to.equal(201);
      expectError(await call(app, 'GET', path, { headers: auth(token) }), 401, 'TOKEN_EXPIRED');
    });

    it('when seats are asked for without a token, then 401 TOKEN_MISSING', async () => {
      const venue = await createVenue(app, 1);
      expectError(await call(app, 'GET', `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`), 401, 'TOKEN_MISSING');
    });
  });

  describe('POST /reservations', () => {
    it('when a free seat is held, then 201 HELD with price and expiry', async () => {
      const venue = await createVenue(app, 1, 4200);
      const token = await activeToken(app, await createUser(app));
      const res = await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(token) });
      expect(res.status).to.equal(201);
      expect(res.body.data).to.include({ status: 'HELD', price: 4200, seatId: venue.seatIds[0], scheduleId: venue.scheduleId });
      expect(res.body.data.id).to.be.a('number');
      expect(Date.parse(res.body.data.expiresAt)).to.be.greaterThan(Date.now());
    });

    it('when the seat is already held, then 409 SEAT_NOT_AVAILABLE', async () => {
      const venue = await createVenue(app, 1);
      const body = { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] };
      await call(app, 'POST', '/reservations', { body, headers: auth(await activeToken(app, await createUser(app))) });
      expectError(await call(app, 'POST', '/reservations', { body, headers: auth(await activeToken(app, await createUser(app))) }),
        409, 'SEAT_NOT_AVAILABLE');
    });

    it('when the seat does not exist or is in another schedule, then 404 SEAT_NOT_FOUND', async () => {
      const a = await createVenue(app, 1);
      const b = await createVenue(app, 1);
      const headers = auth(await activeToken(app, await createUser(app)));
      expectError(await call(app, 'POST', '/reservations', { body: { scheduleId: a.scheduleId, seatId: 99_999_999 }, headers }), 404, 'SEAT_NOT_FOUND');
      expectError(await call(app, 'POST', '/reservations', { body: { scheduleId: a.scheduleId, seatId: b.seatIds[0] }, headers }), 404, 'SEAT_NOT_FOUND');
    });
  });

  describe('POST /payments', () => {
    async function held(balance: number, price = 1000) {
      const userId = await createUser(app, balance);
      const venue = await createVenue(app, 1, price);
      const token = await activeToken(app, userId);
      const hold = await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(token) });
      return { userId, venue, token, reservationId: hold.body.data.id as number };
    }

    it('when a held seat is paid, then 201 PAID, the balance drops, the seat is SOLD and the token ends', async () => {
      const { userId, venue, token, reservationId } = await held(5000, 1200);
      const res = await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(token, { 'Idempotency-Key': newKey() }) });
      expect(res.status).to.equal(201);
      expect(res.body.data).to.include({ reservationId, status: 'PAID', totalSeats: 1, totalAmount: 1200, balance: 3800 });
      expect((await call(app, 'GET', `/users/${userId}/points`)).body.data.balance).to.equal(3800);
      const seat = await app.running.service.db('seats').where({ id: venue.seatIds[0] }).first();
      expect(seat.status).to.equal('SOLD');
      expectError(await call(app, 'GET', '/queue/status', { headers: auth(token) }), 401, 'TOKEN_EXPIRED');
    });

    it('when a paid request is retried with its key after the token ended, then the receipt is replayed', async () => {
      const { userId, token, reservationId } = await held(5000);
      const headers = auth(token, { 'Idempotency-Key': newKey() });
      const first = await call(app, 'POST', '/payments', { body: { reservationId }, headers });
      const again = await call(app, 'POST', '/payments', { body: { reservationId }, headers });
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
      expect((await call(app, 'GET', `/users/${userId}/points`)).body.data.balance).to.equal(4000);
    });

    it('when the token ended by paying and a new key is sent, then 401 TOKEN_EXPIRED', async () => {
      const { token, reservationId } = await held(5000);
      await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(token, { 'Idempotency-Key': newKey() }) });
      expectError(await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(token, { 'Idempotency-Key': newKey() }) }),
        401, 'TOKEN_EXPIRED');
    });

    it('when the reservation is already paid, then 409 ALREADY_PAID and nothing is charged', async () => {
      const { userId, token, reservationId } = await held(5000);
      await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(token, { 'Idempotency-Key': newKey() }) });
      const fresh = await activeToken(app, userId);
      expectError(await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(fresh, { 'Idempotency-Key': newKey() }) }),
        409, 'ALREADY_PAID');
      expect((await call(app, 'GET', `/users/${userId}/points`)).body.data.balance).to.equal(4000);
    });

    it('when the balance is short, then 409 INSUFFICIENT_BALANCE and the seat stays held', async () => {
      const { userId, venue, token, reservationId } = await held(999, 1000);
      expectError(await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(token, { 'Idempotency-Key': newKey() }) }),
        409, 'INSUFFICIENT_BALANCE');
      expect((await call(app, 'GET', `/users/${userId}/points`)).body.data.balance).to.equal(999);
      expect((await app.running.service.db('seats').where({ id: venue.seatIds[0] }).first()).status).to.equal('HELD');
    });

    it('when another user pays my reservation, then 403 USER_MISMATCH', async () => {
      const { reservationId } = await held(5000);
      const other = await activeToken(app, await createUser(app, 5000));
      expectError(await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(other, { 'Idempotency-Key': newKey() }) }),
        403, 'USER_MISMATCH');
    });

    it('when the reservation does not exist, then 404 RESERVATION_NOT_FOUND', async () => {
      const token = await activeToken(app, await createUser(app));
      expectError(await call(app, 'POST', '/payments', { body: { reservationId: 99_999_999 }, headers: auth(token, { 'Idempotency-Key': newKey() }) }),
        404, 'RESERVATION_NOT_FOUND');
    });

    it('when one key is reused for another reservation, then 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const { userId, token, reservationId } = await held(10_000);
      const key = newKey();
      const trx = app.running.service.db;
      await trx('idempotency_keys').insert({ user_id: userId, scope: 'payment', key, request_hash: 'other', status_code: 201, response: '{}' });
      expectError(await call(app, 'POST', '/payments', { body: { reservationId }, headers: auth(token, { 'Idempotency-Key': key }) }),
        422, 'IDEMPOTENCY_KEY_REUSED');
    });
  });

  describe('operations', () => {
    it('when /livez and /readyz are asked, then both are 200 with PostgreSQL and Redis ok', async () => {
      expect((await call(app, 'GET', '/livez')).status).to.equal(200);
      const ready = await call(app, 'GET', '/readyz');
      expect(ready.status).to.equal(200);
      expect(ready.body.checks).to.deep.equal({ postgresql: 'ok', redis: 'ok' });
    });

    it('when /metrics is scraped, then it has request, domain and queue series', async () => {
      await call(app, 'GET', '/livez');
      const res = await call(app, 'GET', '/metrics');
      expect(res.status).to.equal(200);
      for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'booking_queue_tokens_issued_total',
        'booking_seat_holds_total', 'booking_payments_total', 'booking_queue_waiting', 'nodejs_eventloop_lag_seconds']) {
        expect(res.body).to.contain(name);
      }
      // /readyz and the token issue above used the pool: it holds at least one connection now
      const held = [...res.body.matchAll(/^booking_db_pool_connections\{state="(used|free)"\} (\d+)$/gm)].reduce((a, m) => a + Number(m[2]), 0);
      expect(held).to.be.at.least(1);
      expect(res.body).to.match(/^booking_db_pool_pending_acquires 0$/m);
      expect(res.body).to.match(/http_requests_total\{method="POST",route="\/api\/v1\/queue\/token",status="201"\} \d+/);
    });

    it('when a route does not exist, then 404 ROUTE_NOT_FOUND', async () => {
      expectError(await call(app, 'GET', '/nowhere'), 404, 'ROUTE_NOT_FOUND');
    });

    it('when a request brings a well-formed X-Request-Id, then the answer carries it; otherwise a new one', async () => {
      const given = await call(app, 'GET', '/livez', { headers: { 'X-Request-Id': 'lb-1:a.b_c' } });
      expect(given.headers.get('x-request-id')).to.equal('lb-1:a.b_c');
      for (const bad of ['has space', 'x'.repeat(129)]) {
        const res = await call(app, 'GET', '/livez', { headers: { 'X-Request-Id': bad } });
        expect(res.headers.get('x-request-id')).to.match(UUID);
      }
      expect((await call(app, 'GET', '/nowhere')).headers.get('x-request-id')).to.match(UUID);
    });

    it('when a request is answered, then it is counted under its route pattern, never its raw path', async () => {
      const venue = await createVenue(app, 1);
      await call(app, 'GET', `/concerts/${venue.concertId}/schedules`);
      await call(app, 'GET', '/nowhere');
      const metrics = (await call(app, 'GET', '/metrics')).body as string;
      expect(metrics).to.match(/http_requests_total\{method="GET",route="\/api\/v1\/concerts\/:concertId\/schedules",status="200"\} \d+/);
      expect(metrics).to.match(/http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/concerts\/:concertId\/schedules"\} \d+/);
      expect(metrics).to.match(/http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
      expect(metrics).not.to.contain(`/concerts/${venue.concertId}/`);
    });

    it('when more requests are in flight than MAX_IN_FLIGHT, then the rest get 503 OVERLOADED with Retry-After, and probes still answer', async () => {
      const small = await startApp({ MAX_IN_FLIGHT: 1 });
      try {
        const venue = await createVenue(small, 1);
        const replies = await Promise.all(Array.from({ length: 40 }, (_, i) =>
          call(small, 'GET', i % 8 === 7 ? '/livez' : `/concerts/${venue.concertId}/schedules`)));
        const shed = replies.filter((r) => r.status === 503);
        expect(replies.filter((r) => r.status === 200).length).to.be.greaterThan(5);
        expect(shed).not.to.be.empty;
        for (const r of shed) {
          expectError(r, 503, 'OVERLOADED');
          expect(r.headers.get('retry-after')).to.equal('1');
        }
        expect(replies.filter((_, i) => i % 8 === 7).map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
        const metrics = (await call(small, 'GET', '/metrics')).body as string;
        expect(metrics).to.match(new RegExp(`^http_requests_shed_total ${shed.length}$`, 'm'));
        expect(metrics).to.match(/^http_requests_in_flight 0$/m);
      } finally {
        await small.stop();
      }
    });
  });
});
