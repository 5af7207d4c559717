import type { Knex } from 'knex';

/** Marks the user's reservation PAID and its seat SOLD, both only while the hold is still
 *  theirs and unexpired (by primary keys: this runs on every payment). Returns the price, or
 *  undefined when either condition fails; the caller then rolls back. */
export async function settleReservation(trx: Knex.Transaction, reservationId: number, userId: number) {
  const reservation = await trx.raw(`
    UPDATE reservations SET status = 'PAID'
     WHERE id = ? AND user_id = ? AND status = 'HELD' AND expires_at > now()
    RETURNING price, seat_id AS "seatId", schedule_id AS "scheduleId",
              (SELECT concert_id FROM schedules WHERE schedules.id = schedule_id) AS "concertId"`,
  [reservationId, userId]);
  const settled = reservation.rows[0] as { price: number; seatId: number; scheduleId: number; concertId: number } | undefined;
  if (!settled) return undefined;
  const seat = await trx.raw(`
    UPDATE seats SET status = 'SOLD', hold_expires_at = NULL
     WHERE id = ? AND reservation_id = ? AND status = 'HELD' AND hold_expires_at > now()`, [settled.seatId, reservationId]);
  return seat.rowCount === 1 ? settled : undefined;
}

export async function insertPayment(trx: Knex.Transaction, reservationId: number, userId: number, amount: number) {
  const [row] = await trx('payments').insert({ reservation_id: reservationId, user_id: userId, amount }).returning('id');
  return row.id as number;
}

export async function findReservation(db: Knex, reservationId: number) {
  return db('reservations').select('user_id', 'status', 'expires_at').where({ id: reservationId }).first();
}
