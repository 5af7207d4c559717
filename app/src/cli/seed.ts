import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db';
import { messageOf } from '../lib/errors';
import { SEED_BALANCE, SEED_SIZES, seedTotals, type SeedSize } from '../lib/seed-sizes';

// Seed data in bulk (sizes in lib/seed-sizes.ts): users with points, concerts, schedules and their
// seats, loaded with COPY.

const DAY_MS = 86_400_000;
const BATCH = 10_000;

/** Yields COPY text rows in batches so 2.5 M rows never sit in memory at once. */
function rows(count: number, row: (i: number) => string): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i >= count) return void this.push(null);
      const end = Math.min(i + BATCH, count);
      let chunk = '';
      for (; i < end; i++) chunk += row(i);
      this.push(chunk);
    },
  });
}

async function copy(client: pg.PoolClient, table: string, count: number, row: (i: number) => string) {
  const started = Date.now();
  await pipeline(rows(count, row), client.query(copyFrom(`COPY ${table} FROM STDIN`)));
  console.log(`  ${table.split(' ')[0].padEnd(12)} ${count.toLocaleString('en').padStart(10)} rows in ${Date.now() - started} ms`);
}

export async function seed(databaseUrl: string, size: SeedSize) {
  const s = SEED_SIZES[size];
  const db = createDb(databaseUrl, 1, { forService: false });
  try {
    await db.migrate.latest();
  } finally {
    await db.destroy();
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const client = await pool.connect();
  const { schedules, seats } = seedTotals(size);
  const firstDate = Date.UTC(2027, 0, 1, 19);
  try {
    await client.query('BEGIN');
    await client.query(`TRUNCATE idempotency_keys, payments, reservations, seats, schedules, concerts,
      point_transactions, points, users`);
    await client.query('ALTER SEQUENCE reservations_id_seq RESTART');
    await copy(client, 'users (id, name)', s.users, (i) => `${i + 1}\tuser-${i + 1}\n`);
    await copy(client, 'points (user_id, balance)', s.users, (i) => `${i + 1}\t${SEED_BALANCE}\n`);
    await copy(client, 'concerts (id, title, artist)', s.concerts, (i) => `${i + 1}\tConcert ${i + 1}\tArtist ${(i % 97) + 1}\n`);
    await copy(client, 'schedules (id, concert_id, starts_at, total_seats)', schedules, (i) =>
      `${i + 1}\t${Math.floor(i / s.schedulesPerConcert) + 1}\t${new Date(firstDate + (i % s.schedulesPerConcert) * DAY_MS).toISOString()}\t${s.seatsPerSchedule}\n`);
    await copy(client, 'seats (id, schedule_id, seat_no, price)', seats, (i) =>
      `${i + 1}\t${Math.floor(i / s.seatsPerSchedule) + 1}\t${(i % s.seatsPerSchedule) + 1}\t${priceOf(i % s.seatsPerSchedule)}\n`);
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    await pool.end();
  }
  return { users: s.users, concerts: s.concerts, schedules, seats };
}

/** Front rows cost more, as in a real hall. */
const priceOf = (seatIndex: number) => (seatIndex < 10 ? 150_000 : seatIndex < 30 ? 100_000 : 70_000);

if (require.main === module) {
  const size = (process.argv[2] ?? 'small') as SeedSize;
  if (!(size in SEED_SIZES)) {
    console.error(`unknown size "${size}": use small or large (make seed SIZE=small|large)`);
    process.exit(2);
  }
  const started = Date.now();
  console.log(`seeding ${size} data`);
  seed(loadConfig().DATABASE_URL, size).then((counts) => {
    console.log(`seeded ${JSON.stringify(counts)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, (err: unknown) => {
    console.error(`seed failed: ${messageOf(err)}\nCheck DATABASE_URL and that PostgreSQL is reachable.`);
    process.exitCode = 1;
  });
}
