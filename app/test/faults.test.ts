import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { call, createUser, sleep, startApp, TestApp } from './support';

// Stops the real Redis and PostgreSQL under a running service: it must answer 503 quickly with
// Retry-After, report not-ready, and recover by itself once they are back.

const SERVICES = path.join(__dirname, '..', '..', 'scripts', 'test-services.sh');
const services = (verb: string) => execFileSync(SERVICES, [verb], { stdio: 'ignore' });

async function eventually(check: () => Promise<boolean>, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = Date.now();
  const value = await work();
  return { ms: Date.now() - start, value };
}

describe('faults', () => {
  let app: TestApp;
  let userId: number;
  before(async () => {
    app = await startApp();
    userId = await createUser(app, 100);
  });
  after(async () => {
    services('start-redis');
    services('start-postgres');
    await app.stop();
  });

  it('when Redis stops, then queue endpoints answer 503 fast and /readyz is 503; both recover when it returns', async () => {
    services('stop-redis');
    const issue = await timed(() => call(app, 'POST', '/queue/token', { body: { userId } }));
    expect(issue.value.status).to.equal(503);
    expect(issue.value.body.error.code).to.equal('SERVICE_UNAVAILABLE');
    expect(issue.value.headers.get('retry-after')).to.equal('1');
    expect(issue.ms, 'a 503 while Redis is down must not wait for a timeout').to.be.below(2000);
    const status = await call(app, 'GET', '/queue/status', { headers: { 'User-Token': '00000000-0000-4000-8000-000000000000' } });
    expect(status.status).to.equal(503);
    const ready = await call(app, 'GET', '/readyz');
    expect(ready.status).to.equal(503);
    expect(ready.body.checks.postgresql).to.equal('ok');
    expect(ready.body.checks.redis).to.not.equal('ok');
    expect((await call(app, 'GET', `/users/${userId}/points`)).status, 'PostgreSQL-only reads keep working').to.equal(200);

    services('start-redis');
    await eventually(async () => (await call(app, 'GET', '/readyz')).status === 200, '/readyz turning 200');
    expect((await call(app, 'POST', '/queue/token', { body: { userId } })).status).to.equal(201);
  });

  it('when PostgreSQL stops, then its endpoints answer 503 fast and /readyz is 503; both recover when it returns', async () => {
    services('stop-postgres');
    const balance = await timed(() => call(app, 'GET', `/users/${userId}/points`));
    expect(balance.value.status).to.equal(503);
    expect(balance.value.body.error.code).to.equal('SERVICE_UNAVAILABLE');
    expect(balance.value.headers.get('retry-after')).to.equal('1');
    expect(balance.ms).to.be.below(3000);
    const charge = await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 5 }, headers: { 'Idempotency-Key': 'fault-1' } });
    expect(charge.status).to.equal(503);
    const ready = await call(app, 'GET', '/readyz');
    expect(ready.status).to.equal(503);
    expect(ready.body.checks.redis).to.equal('ok');
    expect(ready.body.checks.postgresql).to.not.equal('ok');

    services('start-postgres');
    await eventually(async () => (await call(app, 'GET', '/readyz')).status === 200, '/readyz turning 200');
    const retried = await call(app, 'POST', `/users/${userId}/points/charge`, { body: { amount: 5 }, headers: { 'Idempotency-Key': 'fault-1' } });
    expect(retried.status).to.equal(200);
    expect(retried.body.data.balance, 'the failed attempt charged nothing').to.equal(105);
  });
});

describe('connection limit', () => {
  // The whole-system plan predicts how too few PostgreSQL connections fail: pools that want more
  // connections than the server grants get 503 SERVICE_UNAVAILABLE, kind too_many_connections,
  // never a 500. A role capped at 2 connections under a pool of 5 stands in for max_connections
  // below replicas × workers × pool (PostgreSQL answers both with SQLSTATE 53300).
  let admin: TestApp;
  let capped: TestApp;
  let userId: number;
  before(async () => {
    admin = await startApp();
    userId = await createUser(admin, 100);
    const db = admin.running.service.db;
    await db.raw('DROP ROLE IF EXISTS capped_booking');
    await db.raw("CREATE ROLE capped_booking LOGIN CONNECTION LIMIT 2");
    // the tables live in the admin's current schema: the capped role reads them there too
    const { rows: [{ schema }] } = await db.raw('SELECT current_schema() AS schema');
    await db.raw(`GRANT USAGE ON SCHEMA "${schema}" TO capped_booking`);
    await db.raw(`GRANT SELECT ON "${schema}".points TO capped_booking`);
    await db.raw(`ALTER ROLE capped_booking SET search_path = "${schema}"`);
    const url = new URL(process.env.DATABASE_URL!);
    url.username = 'capped_booking';
    capped = await startApp({ DATABASE_URL: url.toString(), DB_POOL_MAX: 5 });
  });
  after(async () => {
    await capped?.stop();
    await admin.running.service.db.raw('DROP OWNED BY capped_booking').catch(() => undefined);
    await admin.running.service.db.raw('DROP ROLE IF EXISTS capped_booking').catch(() => undefined);
    await admin.stop();
  });

  it('when the pool wants more connections than PostgreSQL grants, then the extra requests get 503 too_many_connections, none a 500, and the metric counts them', async () => {
    // The two granted connections are held on a table lock until a refusal has been counted, so the
    // pool must ask for more whatever the machine's speed (40 quick reads could otherwise all fit
    // through two connections: the test failed that way on busy and on quiet machines).
    const lock = await admin.running.service.db.transaction();
    await lock.raw('LOCK TABLE points IN ACCESS EXCLUSIVE MODE');
    const pending = Promise.all(Array.from({ length: 40 }, () => call(capped, 'GET', `/users/${userId}/points`)));
    const refusals = async () => Number(/^booking_dependency_unavailable_total\{dependency="postgresql",kind="too_many_connections"\} (\d+)$/m
      .exec((await call(capped, 'GET', '/metrics')).body)?.[1] ?? 0);
    try {
      await eventually(async () => (await refusals()) > 0, 'a refused connection');
    } finally {
      await lock.commit();
    }
    const replies = await pending;
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503), 'only 200 and 503').to.deep.equal([]);
    const refused = replies.filter((r) => r.status === 503);
    expect(refused.length, 'some requests found no connection').to.be.above(0);
    expect(statuses.filter((s) => s === 200).length, 'the two granted connections kept serving').to.be.above(0);
    for (const r of refused) {
      expect(r.body.error.code).to.equal('SERVICE_UNAVAILABLE');
      expect(r.body.error.details).to.deep.include({ dependency: 'postgresql', kind: 'too_many_connections' });
      expect(r.headers.get('retry-after')).to.equal('1');
    }
    expect(await refusals()).to.equal(refused.length);
  });
});
