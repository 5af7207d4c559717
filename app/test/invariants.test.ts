import { expect } from 'chai';
import Redis from 'ioredis';
import {
  activeToken, auth, call, createUser, createUsers, createVenue, newKey, sleep, startApp, tally, TestApp,
} from './support';

// The six invariants of DESIGN.md, each under real parallel requests against real PostgreSQL and Redis.

describe('invariants under concurrency', () => {
  let app: TestApp;
  before(async () => { app = await startApp({ MAX_IN_FLIGHT: 20_000 }); });
  after(async () => { await app.stop(); });

  const balanceOf = async (userId: number) => (await call(app, 'GET', `/users/${userId}/points`)).body.data.balance as number;

  it('1. when 1,000 users hold one seat at once, then exactly one gets 201 and the rest 409', async () => {
    const venue = await createVenue(app, 1);
    const users = await createUsers(app, 1000);
    const tokens = await Promise.all(users.map((u) => activeToken(app, u)));
    const replies = await Promise.all(tokens.map((token) =>
      call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(token) })));
    expect(tally(replies)).to.deep.equal({ 201: 1, '409/SEAT_NOT_AVAILABLE': 999 });
    const rows = await app.running.service.db('reservations').where({ seat_id: venue.seatIds[0] });
    expect(rows).to.have.length(1);
  });

  it('2a. when 200 payments race beyond the balance, then balance = initial - successes x price and never negative', async () => {
    const price = 1000;
    const initial = 10 * price + 500;
    const userId = await createUser(app, initial);
    const venue = await createVenue(app, 200, price);
    const token = await activeToken(app, userId);
    const holds = await Promise.all(venue.seatIds.map((seatId) =>
      call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId }, headers: auth(token) })));
    expect(holds.every((h) => h.status === 201)).to.equal(true);
    const replies = await Promise.all(holds.map((h) =>
      call(app, 'POST', '/payments', { body: { reservationId: h.body.data.id }, headers: auth(token, { 'Idempotency-Key': newKey() }) })));
    const counts = tally(replies);
    const successes = counts[201] ?? 0;
    expect(successes).to.be.within(1, 10);
    for (const outcome of Object.keys(counts)) expect(['201', '409/INSUFFICIENT_BALANCE', '401/TOKEN_EXPIRED']).to.include(outcome);
    const balance = await balanceOf(userId);
    expect(balance).to.equal(initial - successes * price).and.to.be.at.least(0);
    const paid = await app.running.service.db('payments').where({ user_id: userId }).count({ n: '*' });
    expect(paid[0].n).to.equal(successes);
  });

  it('2b. when 200 charges with distinct keys race, then every one applies exactly once', async () => {
    const userId = await createUser(app, 0);
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: i + 1 }, headers: { 'Idempotency-Key': newKey() } })));
    expect(tally(replies)).to.deep.equal({ 200: 200 });
    expect(await balanceOf(userId)).to.equal((200 * 201) / 2);
  });

  it('3. when one Idempotency-Key is sent 50 times at once, then one debit and one identical receipt', async () => {
    const userId = await createUser(app, 10_000);
    const venue = await createVenue(app, 1, 2500);
    const token = await activeToken(app, userId);
    const hold = await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(token) });
    const headers = auth(token, { 'Idempotency-Key': newKey() });
    const replies = await Promise.all(Array.from({ length: 50 }, () =>
      call(app, 'POST', '/payments', { body: { reservationId: hold.body.data.id }, headers })));
    expect(tally(replies)).to.deep.equal({ 201: 50 });
    expect(new Set(replies.map((r) => JSON.stringify(r.body))).size).to.equal(1);
    expect(await balanceOf(userId)).to.equal(7500);
    const paid = await app.running.service.db('payments').where({ user_id: userId }).count({ n: '*' });
    expect(paid[0].n).to.equal(1);
  });

  it('3b. when the same reservation is paid with 20 different keys at once, then it is charged once', async () => {
    const userId = await createUser(app, 10_000);
    const venue = await createVenue(app, 1, 3000);
    const token = await activeToken(app, userId);
    const hold = await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(token) });
    const replies = await Promise.all(Array.from({ length: 20 }, () =>
      call(app, 'POST', '/payments', { body: { reservationId: hold.body.data.id }, headers: auth(token, { 'Idempotency-Key': newKey() }) })));
    const counts = tally(replies);
    expect(counts[201]).to.equal(1);
    for (const outcome of Object.keys(counts)) expect(['201', '409/ALREADY_PAID', '401/TOKEN_EXPIRED']).to.include(outcome);
    expect(await balanceOf(userId)).to.equal(7000);
  });

  describe('5. expired holds', () => {
    let shortHolds: TestApp;
    before(async () => { shortHolds = await startApp({ HOLD_TTL_SECONDS: 1 }); });
    after(async () => { await shortHolds.stop(); });

    it('when a hold expires, then the seat is free again and paying the old hold is 409 with the balance unchanged', async () => {
      const venue = await createVenue(shortHolds, 1, 500);
      const first = await createUser(shortHolds, 5000);
      const firstToken = await activeToken(shortHolds, first);
      const body = { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] };
      const hold = await call(shortHolds, 'POST', '/reservations', { body, headers: auth(firstToken) });
      expect(hold.status).to.equal(201);
      await sleep(1200);
      const seats = await call(shortHolds, 'GET', `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats?status=AVAILABLE`,
        { headers: auth(firstToken) });
      expect(seats.body.data.map((s: { id: number }) => s.id)).to.deep.equal([venue.seatIds[0]]);
      const late = await call(shortHolds, 'POST', '/payments', { body: { reservationId: hold.body.data.id }, headers: auth(firstToken, { 'Idempotency-Key': newKey() }) });
      expect(late.status).to.equal(409);
      expect(late.body.error.code).to.equal('RESERVATION_EXPIRED');
      const second = await activeToken(shortHolds, await createUser(shortHolds, 5000));
      expect((await call(shortHolds, 'POST', '/reservations', { body, headers: auth(second) })).status).to.equal(201);
      const again = await call(shortHolds, 'POST', '/payments', { body: { reservationId: hold.body.data.id }, headers: auth(firstToken, { 'Idempotency-Key': newKey() }) });
      expect(again.body.error.code).to.equal('RESERVATION_EXPIRED');
      expect((await call(shortHolds, 'GET', `/users/${first}/points`)).body.data.balance).to.equal(5000);
    });
  });
});

describe('4. the waiting room under a burst', () => {
  const REDIS_DB = 2;
  const BURST = 3000;
  const MAX_ACTIVE = 100;
  let closed: TestApp;
  let redis: Redis;
  before(async () => {
    closed = await startApp({ MAX_ACTIVE: 0, MAX_IN_FLIGHT: 20_000 }, REDIS_DB);
    redis = new Redis(`${process.env.REDIS_URL}/${REDIS_DB}`);
  });
  after(async () => { await closed.stop(); redis.disconnect(); });

  it('when 3,000 users issue at once, then 3,000 distinct tokens hold positions 1..3,000 and promotion is FIFO within MAX_ACTIVE', async () => {
    const users = await createUsers(closed, BURST);
    const replies = await Promise.all(users.map((userId) => call(closed, 'POST', '/queue/token', { body: { userId } })));
    expect(tally(replies)).to.deep.equal({ 201: BURST });
    const tokens = replies.map((r) => r.body.data.token as string);
    expect(new Set(tokens).size).to.equal(BURST);
    const positions = replies.map((r) => r.body.data.position as number).sort((a, b) => a - b);
    expect(positions).to.deep.equal(Array.from({ length: BURST }, (_, i) => i + 1));
    expect(await redis.zcard('q:waiting')).to.equal(BURST);

    const byPosition = replies.map((r) => r.body.data).sort((a, b) => a.position - b.position).map((d) => d.token as string);
    await closed.stop();
    const open = await startApp({ MAX_ACTIVE, ACTIVE_TTL_SECONDS: 2, QUEUE_TICK_MS: 100, MAX_IN_FLIGHT: 20_000 }, REDIS_DB);
    closed = open;
    const activeSet = async () => new Set(await redis.zrange('q:active', 0, '-1'));
    const batch = (n: number) => new Set(byPosition.slice(n * MAX_ACTIVE, (n + 1) * MAX_ACTIVE));

    const head = await call(open, 'GET', '/queue/status', { headers: auth(byPosition[0]) });
    expect(head.body.data?.status, JSON.stringify(head.body)).to.equal('ACTIVE');
    expect(await activeSet()).to.deep.equal(batch(0));

    let maxSeen = 0;
    const watch = setInterval(() => { redis.zcard('q:active').then((n) => { maxSeen = Math.max(maxSeen, n); }, () => undefined); }, 5);
    try {
      // Every user polls at once while ticks run; a waiting user's place never exceeds where FIFO puts them.
      const statuses = await Promise.all(byPosition.map((token) => call(open, 'GET', '/queue/status', { headers: auth(token) })));
      for (const [i, s] of statuses.entries()) {
        if (s.body.data?.status === 'WAITING') expect(s.body.data.position).to.be.within(1, i + 1 - MAX_ACTIVE);
      }
      let current = await activeSet();
      const deadline = Date.now() + 10_000;
      while (setsEqual(current, batch(0)) && Date.now() < deadline) { await sleep(50); current = await activeSet(); }
      // On a loaded machine the 3,000 polls can outlast a TTL or two: whichever batch is active
      // now, it must be exactly the next users in FIFO order, never a mix.
      const later = Array.from({ length: Math.ceil(BURST / MAX_ACTIVE) - 1 }, (_, n) => batch(n + 1));
      expect(later.some((b) => setsEqual(current, b)), 'the active set is one whole later FIFO batch').to.equal(true);
    } finally {
      clearInterval(watch);
    }
    expect(maxSeen).to.be.within(1, MAX_ACTIVE);
    const first = await call(open, 'GET', '/queue/status', { headers: auth(byPosition[0]) });
    expect(first.status).to.equal(401);
    expect(first.body.error.code).to.equal('TOKEN_EXPIRED');
  });
});

const setsEqual = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));

describe('6. token gating', () => {
  let app: TestApp;
  let waitingApp: TestApp;
  before(async () => {
    app = await startApp({ ACTIVE_TTL_SECONDS: 1 }, 3);
    waitingApp = await startApp({ MAX_ACTIVE: 0 }, 4);
  });
  after(async () => { await app.stop(); await waitingApp.stop(); });

  it('when a WAITING token is used, then seats, holds and payments answer 403 QUEUE_NOT_ACTIVE', async () => {
    const venue = await createVenue(waitingApp, 1);
    const res = await call(waitingApp, 'POST', '/queue/token', { body: { userId: await createUser(waitingApp) } });
    expect(res.body.data.status).to.equal('WAITING');
    const headers = auth(res.body.data.token, { 'Idempotency-Key': newKey() });
    const replies = await Promise.all([
      call(waitingApp, 'GET', `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`, { headers }),
      call(waitingApp, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers }),
      call(waitingApp, 'POST', '/payments', { body: { reservationId: 1 }, headers }),
    ]);
    expect(tally(replies)).to.deep.equal({ '403/QUEUE_NOT_ACTIVE': 3 });
  });

  it('when an ACTIVE token runs out, then it is 401 TOKEN_EXPIRED everywhere and the user can queue again', async () => {
    const venue = await createVenue(app, 1);
    const userId = await createUser(app);
    const token = await activeToken(app, userId);
    await sleep(1200);
    const headers = auth(token, { 'Idempotency-Key': newKey() });
    const replies = await Promise.all([
      call(app, 'GET', '/queue/status', { headers }),
      call(app, 'GET', `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`, { headers }),
      call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers }),
      call(app, 'POST', '/payments', { body: { reservationId: 1 }, headers }),
    ]);
    expect(tally(replies)).to.deep.equal({ '401/TOKEN_EXPIRED': 4 });
    const again = await call(app, 'POST', '/queue/token', { body: { userId } });
    expect(again.status).to.equal(201);
    expect(again.body.data.token).to.not.equal(token);
  });

  it('when another user\'s reservation is paid, then 403 USER_MISMATCH and nothing moves', async () => {
    const venue = await createVenue(app, 1);
    const owner = await activeToken(app, await createUser(app, 5000));
    const hold = await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(owner) });
    const thiefId = await createUser(app, 5000);
    const thief = await activeToken(app, thiefId);
    const res = await call(app, 'POST', '/payments', { body: { reservationId: hold.body.data.id }, headers: auth(thief, { 'Idempotency-Key': newKey() }) });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('USER_MISMATCH');
    expect((await call(app, 'GET', `/users/${thiefId}/points`)).body.data.balance).to.equal(5000);
  });
});
