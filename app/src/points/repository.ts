import type { Knex } from 'knex';
import type { Db } from '../lib/db';
import { withDatabaseErrors } from '../lib/errors';

interface PointsRow { user_id: number; balance: number }
interface PointTransactionRow { id: number; user_id: number; kind: 'CHARGE' | 'PAYMENT'; amount: number; balance_after: number; created_at: Date }

export class PointRepository {
  constructor(private readonly db: Db) {}

  async findBalance(userId: number): Promise<number | undefined> {
    const row = await withDatabaseErrors(() => this.db<PointsRow>('points').select('balance').where({ user_id: userId }).first());
    return row?.balance;
  }

  /** Adds to a balance and records the transaction, inside the caller's transaction (the
   *  idempotent claim's); undefined when the user has no points row. */
  async addToBalance(trx: Knex.Transaction, userId: number, amount: number) {
    const [row] = await trx<PointsRow>('points').where({ user_id: userId }).increment('balance', amount).returning('balance');
    if (!row) return undefined;
    const [tx] = await trx<PointTransactionRow>('point_transactions')
      .insert({ user_id: userId, kind: 'CHARGE', amount, balance_after: row.balance }).returning('id');
    return { balance: row.balance, transactionId: tx.id };
  }
}
