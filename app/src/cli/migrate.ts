import { loadConfig } from '../lib/config';
import { createDb, type Db } from '../lib/db';

// Connection failures that mean "PostgreSQL is not there yet" on a fresh install: its headless
// Service has no DNS record until the pod is ready (EAI_AGAIN/ENOTFOUND), then it refuses or is
// still starting (57P03). The Job waits them out instead of failing and leaving Error pods behind.
const NOT_YET = new Set(['EAI_AGAIN', 'ENOTFOUND', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P03']);

async function waitForDatabase(db: Db, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.raw('SELECT 1');
      return;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!NOT_YET.has(code) || Date.now() >= deadline) {
        throw Object.assign(err as Error, { message: `${(err as Error).message} (PostgreSQL did not answer within ${seconds} s)` });
      }
      if (attempt === 1) console.log(`waiting for PostgreSQL (${code}), up to ${seconds} s`);
      await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
    }
  }
}

/** Applies pending migrations (the chart runs this as a Job before the pods roll). */
async function main() {
  const config = loadConfig();
  const waitSeconds = Number(process.env.MIGRATE_WAIT_SECONDS ?? 120);
  const db = createDb(config.DATABASE_URL, 1, { forService: false });
  try {
    await waitForDatabase(db, Number.isFinite(waitSeconds) && waitSeconds >= 0 ? waitSeconds : 120);
    const [batch, applied] = await db.migrate.latest();
    console.log(applied.length ? `migrations applied (batch ${batch}): ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(`migration failed: ${err.message}\nCheck DATABASE_URL and that PostgreSQL is reachable.`);
  process.exitCode = 1;
});
