import { loadConfig } from '../src/lib/config';
import { createDb } from '../src/lib/db';
import { createRedis } from '../src/lib/redis';

// Each run starts from an empty schema and an empty Redis; each test then makes its own data.
export const mochaHooks = {
  async beforeAll() {
    const config = loadConfig();
    const db = createDb(config.DATABASE_URL, 1, { forService: false });
    await db.raw('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await db.migrate.latest();
    await db.destroy();
    const redis = createRedis(config.REDIS_URL);
    await new Promise((resolve) => redis.once('ready', resolve));
    await redis.flushall();
    await redis.quit();
  },
};
