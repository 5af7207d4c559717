import type { Knex } from 'knex';
import type { Db } from '../lib/db';
import { withDatabaseErrors } from '../lib/errors';

export class PointRepository {
  constructor(private readonly db: Db) {}

  async findBalance(userId: number): Promise<number | undefined> {
    const row = await withDatabaseErrors(() => this.db('points').select('balance').where({ user_id: userId }).first());
    return row?.balance;
  }

  /** Adds to a balance and records the transaction, inside the caller's transaction (the
   *  idempotent claim's); undefined when the user has no points row. */
  async addToBalance(trx: Knex.Transaction, userId: number, amount: number) {
    const [row] = await trx('points').where({ user_id: userId }).increment('balance', amount).returning('balance');
    if (!row) return undefined;
    const [tx] = await trx('point_transactions')
      .insert({ user_id: userId, kind: 'CHARGE', amount, balance_after: row.balance }).returning('id');
    return { balance: row.balance as number, transactionId: tx.id as number };
  }
}
