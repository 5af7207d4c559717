import type { Knex } from 'knex';
import type { Db } from '../lib/db';
import { fromDatabaseError } from '../lib/errors';

export async function findBalance(db: Db, userId: number): Promise<number | undefined> {
  const row = await db('points').select('balance').where({ user_id: userId }).first()
    .catch((e) => { throw fromDatabaseError(e); });
  return row?.balance;
}

/** Adds to a balance and records the transaction; undefined when the user has no points row. */
export async function addToBalance(trx: Knex.Transaction, userId: number, amount: number) {
  const [row] = await trx('points').where({ user_id: userId }).increment('balance', amount).returning('balance');
  if (!row) return undefined;
  const [tx] = await trx('point_transactions')
    .insert({ user_id: userId, kind: 'CHARGE', amount, balance_after: row.balance }).returning('id');
  return { balance: row.balance as number, transactionId: tx.id as number };
}

/** Debits only when the balance covers it; undefined otherwise (the CHECK is the backstop). */
export async function debit(trx: Knex.Transaction, userId: number, amount: number) {
  const { rows } = await trx.raw(
    'UPDATE points SET balance = balance - ? WHERE user_id = ? AND balance >= ? RETURNING balance',
    [amount, userId, amount]);
  if (rows.length === 0) return undefined;
  await trx('point_transactions').insert({ user_id: userId, kind: 'PAYMENT', amount: -amount, balance_after: rows[0].balance });
  return rows[0].balance as number;
}
