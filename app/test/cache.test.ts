import { expect } from 'chai';
import Redis from 'ioredis';
import { JsonCache } from '../src/lib/cache';
import { createLogger } from '../src/lib/logger';
import { activeToken, auth, call, createUser, createVenue, startApp, TestApp } from './support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the read cache', () => {
  describe('JsonCache against Redis', () => {
    let redis: Redis;
    let cache: JsonCache;
    before(() => {
      redis = new Redis(process.env.REDIS_URL ?? '');
      cache = new JsonCache(redis, 60_000, createLogger('silent'));
    });
    after(() => redis.disconnect());

    it('when a write commits while a load is still reading, then that load is never served afterwards', async () => {
      const key = `t:race:${Date.now()}`;
      const version = `${key}:v`;
      let release!: () => void;
      const reading = new Promise<void>((resolve) => { release = resolve; });
      // The load has read the old rows, then the write commits and ends the version, then the load stores.
      const slow = cache.getOrLoad(key, async () => { await reading; return { data: 'before the write' }; }, { version });
      await sleep(20);
      await cache.invalidate(version);
      release();
      expect(await slow).to.equal('"before the write"');
      await sleep(20); // the store is not awaited by the read
      const next = await cache.getOrLoad(key, () => Promise.resolve({ data: 'after the write' }), { version });
      expect(next).to.equal('"after the write"');
      expect(await cache.getOrLoad(key, () => Promise.resolve({ data: 'not loaded: a hit' }), { version })).to.equal('"after the write"');
    });

    it('when the loader says the data changes in 300 ms, then the entry ends then, not at its maximum age', async () => {
      const key = `t:changes:${Date.now()}`;
      await cache.getOrLoad(key, () => Promise.resolve({ data: 1, changesInMs: 300 }), { version: `${key}:v` });
      expect(await cache.getOrLoad(key, () => Promise.resolve({ data: 2 }), { version: `${key}:v` })).to.equal('1');
      await sleep(400);
      expect(await cache.getOrLoad(key, () => Promise.resolve({ data: 3 }), { version: `${key}:v` })).to.equal('3');
    });
  });

  describe('the service with 1 s holds and a 60 s cache', () => {
    let app: TestApp;
    before(async () => { app = await startApp({ HOLD_TTL_SECONDS: 1, CACHE_TTL_MS: 60_000 }); });
    after(async () => { await app.stop(); });

    it('when a cached hold runs out, then the seat lists and the schedule count show the seat free again', async () => {
      const venue = await createVenue(app, 2);
      const token = await activeToken(app, await createUser(app));
      const seats = `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`;
      const schedules = `/concerts/${venue.concertId}/schedules`;
      const held = await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[0] }, headers: auth(token) });
      expect(held.status).to.equal(201);
      // Read twice: the second answer comes from the cache.
      for (let i = 0; i < 2; i++) {
        expect((await call(app, 'GET', seats, { headers: auth(token) })).body.data.map((s: { status: string }) => s.status)).to.deep.equal(['HELD', 'AVAILABLE']);
        expect((await call(app, 'GET', `${seats}?status=AVAILABLE`, { headers: auth(token) })).body.data.map((s: { id: number }) => s.id)).to.deep.equal([venue.seatIds[1]]);
        expect((await call(app, 'GET', schedules)).body.data[0].availableSeats).to.equal(1);
      }
      await sleep(Date.parse(held.body.data.expiresAt) - Date.now() + 50);
      expect((await call(app, 'GET', seats, { headers: auth(token) })).body.data.map((s: { status: string }) => s.status)).to.deep.equal(['AVAILABLE', 'AVAILABLE']);
      expect((await call(app, 'GET', `${seats}?status=AVAILABLE`, { headers: auth(token) })).body.data.map((s: { id: number }) => s.id)).to.deep.equal(venue.seatIds);
      expect((await call(app, 'GET', schedules)).body.data[0].availableSeats).to.equal(2);
    });

    it('when a seat is held while its lists are cached, then every list shows it at once', async () => {
      const venue = await createVenue(app, 2);
      const token = await activeToken(app, await createUser(app));
      const seats = `/concerts/${venue.concertId}/schedules/${venue.scheduleId}/seats`;
      expect((await call(app, 'GET', `${seats}?status=AVAILABLE`, { headers: auth(token) })).body.data).to.have.length(2);
      expect((await call(app, 'GET', `/concerts/${venue.concertId}/schedules`)).body.data[0].availableSeats).to.equal(2);
      await call(app, 'POST', '/reservations', { body: { scheduleId: venue.scheduleId, seatId: venue.seatIds[1] }, headers: auth(token) });
      expect((await call(app, 'GET', `${seats}?status=AVAILABLE`, { headers: auth(token) })).body.data.map((s: { id: number }) => s.id)).to.deep.equal([venue.seatIds[0]]);
      expect((await call(app, 'GET', `${seats}?status=HELD`, { headers: auth(token) })).body.data.map((s: { id: number }) => s.id)).to.deep.equal([venue.seatIds[1]]);
      expect((await call(app, 'GET', `/concerts/${venue.concertId}/schedules`)).body.data[0].availableSeats).to.equal(1);
    });
  });
});
