import knex, { Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from '../migrations';
import type { Logger } from './logger';

export type Db = Knex;

// int8 columns (ids, balances, counts) stay far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

/** A raced request waits at most LOCK_TIMEOUT for a row lock, then gets 409 REQUEST_IN_PROGRESS. */
const SESSION_OPTIONS = '-c lock_timeout=5000 -c statement_timeout=30000';

/** The service's pool. Tools (migrate, seed, tests) pass `forService: false`: no timeouts for bulk work. */
export function createDb(url: string, poolMax: number, { forService = true, log }: { forService?: boolean; log?: Logger } = {}): Db {
  return knex({
    client: 'pg',
    connection: { connectionString: url, application_name: 'booking', options: forService ? SESSION_OPTIONS : '' },
    // knex would print pool and connection errors to the console; they belong in the JSON log.
    log: log && {
      warn: (m: unknown) => log.warn({ knex: String(m) }, 'knex warning'),
      error: (m: unknown) => log.debug({ knex: String(m) }, 'knex error'),
      deprecate: (m: unknown) => log.debug({ knex: String(m) }, 'knex deprecation'),
      debug: () => undefined,
    },
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: 2000, createTimeoutMillis: 2000, idleTimeoutMillis: 10_000 },
    acquireConnectionTimeout: 2000,
    migrations: { migrationSource },
  });
}
