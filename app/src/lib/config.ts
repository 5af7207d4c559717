import os from 'node:os';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2 };
/** "16kb" in bytes (units of 1024, as the chart's values have always meant). */
const bytes = (size: string) => {
  const [, n, unit] = /^(\d+)(b|kb|mb)$/i.exec(size)!;
  return Number(n) * UNIT_BYTES[unit.toLowerCase()];
};

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: int(0, 65535).default(3000),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/booking'),
  DB_POOL_MAX: int(1, 200).default(10),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Node is single-threaded: a pod with N CPUs needs N workers to use them.
  WEB_CONCURRENCY: int(1, 64).default(os.availableParallelism()),
  MAX_IN_FLIGHT: int(1, 100_000).default(512),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size such as 16kb').default('16kb').transform(bytes),
  // The waiting room: how many users may be ACTIVE at once, and for how long.
  MAX_ACTIVE: int(0, 1_000_000).default(1000),
  ACTIVE_TTL_SECONDS: int(1, 86_400).default(300),
  QUEUE_TICK_MS: int(50, 60_000).default(1000),
  HOLD_TTL_SECONDS: int(1, 3_600).default(300),
  MAX_CHARGE_AMOUNT: int(1, 1_000_000_000).default(1_000_000),
  // The most a cached read lives. Writes end entries through versions and holds end them when they
  // run out, so this bounds only a failed version write (or old pods in a rollout) and the memory:
  // about 3 KB per seat list, so 5 s of 1,000 distinct lists a second is 15 MB of Redis.
  CACHE_TTL_MS: int(0, 60_000).default(5000),
  // Between readiness turning 503 and the listener closing, so endpoints can drop the pod.
  SHUTDOWN_DELAY_MS: int(0, 120_000).default(0),
  SHUTDOWN_TIMEOUT_MS: int(1_000, 300_000).default(25_000),
  // How long the migration Job waits for PostgreSQL to come up (a fresh install starts both at once).
  MIGRATE_WAIT_SECONDS: int(0, 3_600).default(120),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
