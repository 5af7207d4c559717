import { loadConfig } from '../lib/config';
import { createDb, type Db } from '../lib/db';
import { AppError, fromDatabaseError, messageOf } from '../lib/errors';

/** Waits while PostgreSQL is unavailable (the service's own test: what it would answer 503 for), as
 *  on a fresh install where the Job starts before the database: no DNS record for its headless
 *  Service yet, then refused, then starting up. The Job no longer fails and leaves Error pods. */
async function waitForDatabase(db: Db, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.raw('SELECT 1');
      return;
    } catch (err) {
      const mapped = fromDatabaseError(err);
      const unavailable = mapped instanceof AppError && mapped.status === 503;
      if (!unavailable) throw err;
      if (Date.now() >= deadline) throw new Error(`${messageOf(err)} (PostgreSQL did not answer within ${seconds} s)`, { cause: err });
      if (attempt === 1) console.log(`waiting for PostgreSQL (${(err as { code?: string }).code ?? messageOf(err)}), up to ${seconds} s`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
    }
  }
}

/** Applies pending migrations (the chart runs this as a Job before the pods roll). */
async function main() {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, 1, { forService: false });
  try {
    await waitForDatabase(db, config.MIGRATE_WAIT_SECONDS);
    // knex types the result as any; it is the batch number and the names applied in it.
    const [batch, applied] = await db.migrate.latest() as [number, string[]];
    console.log(applied.length ? `migrations applied (batch ${batch}): ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`migration failed: ${messageOf(err)}\nCheck DATABASE_URL and that PostgreSQL is reachable.`);
  process.exitCode = 1;
});
