// The data the requests need: the seeded bench database (seeded once, reset each run), users beyond
// the seed, reservations for payments, ACTIVE tokens issued through the API, and the order in which
// seats and schedules are picked.

import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { SEED_BALANCE } from '../app/src/lib/seed-sizes';
import { cfg, fail, ROOT, say, SEED } from './config';
import { capture, run } from './services';

function withDatabase(url: string, db: string) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export class Data {
  readonly pool: pg.Pool;
  private userMax = 0;

  constructor(readonly url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
  }

  /** Seeds `large` into the bench's own database the first time; later runs only undo what the
   *  previous run changed, which takes seconds instead of a reseed. */
  async prepare() {
    const admin = new pg.Client({ connectionString: withDatabase(this.url, 'postgres') });
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.benchDb]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${cfg.benchDb}`);
    // The schema follows the build under test; a history this build does not know means a fresh start.
    const migrate = await capture(path.join(ROOT, 'app/dist/cli/migrate.js'), [], { DATABASE_URL: this.url });
    if (migrate.code !== 0) {
      say(`the bench database's schema history does not fit this build (${migrate.output.trim().split('\n')[0]}); recreating it`);
      await admin.query(`DROP DATABASE ${cfg.benchDb} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${cfg.benchDb}`);
    }
    await admin.end();

    const none = { rows: [{ seats: 0, schedules: 0, users: 0 }] };
    const seeded = await this.pool.query<{ seats: number; schedules: number; users: number }>(`SELECT
        (SELECT count(*) FROM seats)::int AS seats, (SELECT count(*) FROM schedules)::int AS schedules,
        (SELECT count(*) FROM users WHERE id <= ${SEED.users})::int AS users`).catch(() => none);
    const s = seeded.rows[0];
    if (s.seats !== SEED.seats || s.schedules !== SEED.schedules || s.users !== SEED.users) {
      say(`seeding "large" into database ${cfg.benchDb} (first run only, ~20 s)`);
      await run(path.join(ROOT, 'app/dist/cli/seed.js'), ['large'], { DATABASE_URL: this.url });
    } else {
      say(`resetting database ${cfg.benchDb} (seeded "large" already)`);
      await this.pool.query(`TRUNCATE payments, idempotency_keys, point_transactions, reservations`);
      await this.pool.query(`UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
                               WHERE status <> 'AVAILABLE' OR reservation_id IS NOT NULL`);
      await this.pool.query(`UPDATE points SET balance = ${SEED_BALANCE} WHERE balance <> ${SEED_BALANCE}`);
      await this.pool.query(`ALTER SEQUENCE reservations_id_seq RESTART`);
    }
    await this.pool.query('VACUUM ANALYZE seats, reservations, points');
    await this.pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await this.pool.query<{ max: number }>('SELECT coalesce(max(id), 0)::int AS max FROM users');
    this.userMax = rows[0].max;
  }

  /** Users beyond the seed, so every token request in a run is for a user never seen before. */
  async ensureUsers(upTo: number) {
    if (upTo <= this.userMax) return;
    const from = this.userMax + 1;
    await this.pool.query(`WITH u AS (INSERT INTO users (id, name) SELECT g, 'bench-' || g FROM generate_series($1::bigint, $2::bigint) g
                             ON CONFLICT DO NOTHING RETURNING id)
                           INSERT INTO points (user_id, balance) SELECT id, ${SEED_BALANCE} FROM u ON CONFLICT DO NOTHING`, [from, upTo]);
    this.userMax = upTo;
  }

  /** Holds the given seats for the given users exactly as the service's own hold would, so a
   *  payment step finds one fresh reservation per request. Returns reservation ids by user. */
  async holdForPayment(users: number[], seats: number[]): Promise<Map<number, number>> {
    const { rows } = await this.pool.query<{ id: string; user_id: string }>(`
      WITH pairs AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS p(user_id, seat_id)),
      held AS (
        UPDATE seats s SET status = 'HELD', reservation_id = nextval('reservations_id_seq'),
                           hold_expires_at = now() + interval '1 hour'
          FROM pairs p WHERE s.id = p.seat_id AND s.status = 'AVAILABLE'
        RETURNING s.id, s.schedule_id, s.price, s.reservation_id, s.hold_expires_at, p.user_id)
      INSERT INTO reservations (id, user_id, schedule_id, seat_id, price, status, expires_at)
      SELECT reservation_id, user_id, schedule_id, id, price, 'HELD', hold_expires_at FROM held
      RETURNING id, user_id`, [users, seats]);
    return new Map(rows.map((r) => [Number(r.user_id), Number(r.id)]));
  }
}

/** Distinct seats spread over the whole hall: k -> (k * A + B) mod N is a permutation because A
 *  is coprime with N = 2,500,000 = 2^5 * 5^7. */
export class SeatCursor {
  private k = 0;
  next(): { seatId: number; scheduleId: number } {
    const seatId = ((this.k++ * 1_000_003 + 7_777) % SEED.seats) + 1;
    return { seatId, scheduleId: Math.ceil(seatId / SEED.seatsPerSchedule) };
  }
}

// A small HTTP client for set-up (tokens issued through the API), not for measuring.
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
export const closeAgent = () => agent.destroy();

function request(base: string, method: string, urlPath: string, body?: unknown) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${base}${urlPath}`, {
      method, agent, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* keep the text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Issues one ACTIVE token per user through the API (set-up, not measured). */
export async function issueTokens(base: string, users: number[]): Promise<Map<number, string>> {
  const tokens = new Map<number, string>();
  let i = 0;
  const worker = async () => {
    while (i < users.length) {
      const u = users[i++];
      const res = await request(base, 'POST', '/api/v1/queue/token', { userId: u });
      if (res.status !== 201 && res.status !== 200) fail(`set-up: issuing a token for user ${u} gave ${res.status} ${JSON.stringify(res.body)}`);
      // The service's documented 200/201 answer (app/openapi.json).
      const { data } = res.body as { data: { status: string; token: string } };
      if (data.status !== 'ACTIVE') fail('set-up: tokens are not ACTIVE at once; the bench sets MAX_ACTIVE=1000000, check the service config');
      tokens.set(u, data.token);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return tokens;
}
