import type { Knex } from 'knex';
import type { Db } from '../lib/db';
import { notFound, withDatabaseErrors } from '../lib/errors';
import { idempotent, type Outcome } from '../lib/idempotency';

interface PointsRow { user_id: number; balance: number }
interface PointTransactionRow { id: number; user_id: number; kind: 'CHARGE' | 'PAYMENT'; amount: number; balance_after: number; created_at: Date }

export class PointRepository {
  constructor(private readonly db: Db) {}

  async findBalance(userId: number): Promise<number | undefined> {
    const row = await withDatabaseErrors(() => this.db<PointsRow>('points').select('balance').where({ user_id: userId }).first());
    return row?.balance;
  }

  /** Charges once per (user, key): the balance and its transaction are written in the idempotent
   *  claim's transaction, and a repeated key replays the stored outcome. */
  charge(userId: number, amount: number, key: string): Promise<Outcome<{ userId: number; balance: number; transactionId: number }>> {
    return idempotent(this.db, { userId, scope: 'charge', key, request: { amount } }, async (trx) => {
      const result = await this.addToBalance(trx, userId, amount);
      if (!result) throw notFound('user', userId);
      return { status: 200, body: { userId, ...result } };
    });
  }

  /** Adds to a balance and records the transaction; undefined when the user has no points row. */
  private async addToBalance(trx: Knex.Transaction, userId: number, amount: number) {
    const [row] = await trx<PointsRow>('points').where({ user_id: userId }).increment('balance', amount).returning('balance');
    if (!row) return undefined;
    const [tx] = await trx<PointTransactionRow>('point_transactions')
      .insert({ user_id: userId, kind: 'CHARGE', amount, balance_after: row.balance }).returning('id');
    return { balance: row.balance, transactionId: tx.id };
  }
}
