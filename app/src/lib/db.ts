import knex, { Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from '../migrations';
import { fromDatabaseError } from './errors';
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

/** A statement on the hot path: sent as a named prepared statement on one of the pool's
 *  connections, so PostgreSQL parses and plans it once per connection rather than per request,
 *  and no query builder runs in Node. `name` must be unique per distinct `text`. */
export interface Statement { name: string; text: string }

// Inline rather than through withDatabaseErrors: this is every hot path's query, and the wrapper
// would add a closure and a promise to each.
export async function execute<R extends pg.QueryResultRow>(db: Db, statement: Statement, values: unknown[]): Promise<pg.QueryResult<R>> {
  const client = db.client as Knex.Client; // knex types its client as any
  let conn: pg.PoolClient | undefined;
  try {
    conn = await client.acquireConnection() as pg.PoolClient;
    return await conn.query<R>({ name: statement.name, text: statement.text, values });
  } catch (err) {
    throw fromDatabaseError(err);
  } finally {
    if (conn) await client.releaseConnection(conn);
  }
}
