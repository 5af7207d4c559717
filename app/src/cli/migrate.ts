import { loadConfig } from '../lib/config';
import { createDb } from '../lib/db';

/** Applies pending migrations (the chart runs this as a Job before the pods roll). */
async function main() {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, 1, { forService: false });
  try {
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
