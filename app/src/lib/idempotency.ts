import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { QueryResult } from 'pg';
import type { Db } from './db';
import { AppError, withDatabaseErrors } from './errors';

export interface Outcome<T> { status: number; body: T; replayed: boolean }

export interface IdempotentRequest { userId: number; scope: string; key: string; request: unknown }

interface IdempotencyRow<T> { user_id: number; scope: string; key: string; request_hash: string; status_code: number; response: T }

export const requestHash = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');

/** Runs `work` once per (user, scope, key) in one transaction with the stored outcome, so a
 *  retried or raced request replays the first answer. A raced duplicate waits on the key's row
 *  lock until the first commits (or rolls back, and then it runs itself). Failures are not
 *  stored: the transaction rolls back and the same key may be tried again. */
export async function idempotent<T>(db: Db, req: IdempotentRequest,
  work: (trx: Knex.Transaction) => Promise<{ status: number; body: T }>): Promise<Outcome<T>> {
  const hash = requestHash(req.request);
  return withDatabaseErrors(() => db.transaction(async (trx) => {
    const claimed = await trx.raw<QueryResult>(
      `INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status_code, response)
       VALUES (?, ?, ?, ?, 0, 'null') ON CONFLICT DO NOTHING RETURNING 1`,
      [req.userId, req.scope, req.key, hash]);
    if (claimed.rowCount === 0) return replay<T>(trx, req, hash);
    const outcome = await work(trx);
    await trx('idempotency_keys').where({ user_id: req.userId, scope: req.scope, key: req.key })
      .update({ status_code: outcome.status, response: JSON.stringify(outcome.body) });
    return { ...outcome, replayed: false };
  }));
}

/** The stored outcome for a key, if the same request already completed. */
export async function findOutcome<T>(db: Db, req: IdempotentRequest): Promise<Outcome<T> | undefined> {
  const row = await withDatabaseErrors(() => db<IdempotencyRow<T>>('idempotency_keys').where({ user_id: req.userId, scope: req.scope, key: req.key }).first());
  return row ? toOutcome<T>(row, req, requestHash(req.request)) : undefined;
}

async function replay<T>(trx: Knex.Transaction, req: IdempotentRequest, hash: string): Promise<Outcome<T>> {
  const row = await trx<IdempotencyRow<T>>('idempotency_keys').where({ user_id: req.userId, scope: req.scope, key: req.key }).first();
  // The claim conflicted with this row, and its writer has committed: it is there.
  return toOutcome<T>(row!, req, hash);
}

export function toOutcome<T>(row: Pick<IdempotencyRow<T>, 'request_hash' | 'status_code' | 'response'>, req: IdempotentRequest,
  hash: string): Outcome<T> {
  if (row.request_hash !== hash) {
    throw new AppError(422, 'IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${req.key} was used for a different request`);
  }
  return { status: row.status_code, body: row.response, replayed: true };
}
