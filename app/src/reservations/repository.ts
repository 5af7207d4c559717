import { execute, type Db, type Statement } from '../lib/db';
import { withDatabaseErrors } from '../lib/errors';

export interface Hold { id: number; scheduleId: number; seatId: number; concertId: number; price: number; expiresAt: Date }

/** One statement: the seat turns HELD only if it is free (or its hold ran out) and the
 *  reservation row is written with it. READ COMMITTED re-checks the WHERE after a racing commit,
 *  so of N racing holds exactly one matches. */
const HOLD: Statement = {
  name: 'hold-seat',
  text: `WITH held AS (
           UPDATE seats SET status = 'HELD', reservation_id = nextval('reservations_id_seq'),
                            hold_expires_at = now() + make_interval(secs => $1)
            WHERE id = $2 AND schedule_id = $3
              AND (status = 'AVAILABLE' OR (status = 'HELD' AND hold_expires_at <= now()))
           RETURNING id, schedule_id, price, reservation_id, hold_expires_at
         )
         INSERT INTO reservations (id, user_id, schedule_id, seat_id, price, status, expires_at)
         SELECT reservation_id, $4, schedule_id, id, price, 'HELD', hold_expires_at FROM held
         RETURNING id, schedule_id AS "scheduleId", seat_id AS "seatId", price, expires_at AS "expiresAt",
                   (SELECT concert_id FROM schedules WHERE schedules.id = schedule_id) AS "concertId"`,
};

export class ReservationRepository {
  constructor(private readonly db: Db) {}

  async holdSeat(userId: number, scheduleId: number, seatId: number, holdSeconds: number): Promise<Hold | undefined> {
    const { rows } = await execute<Hold>(this.db, HOLD, [holdSeconds, seatId, scheduleId, userId]);
    return rows[0];
  }

  findSeat(seatId: number): Promise<{ id: number; schedule_id: number } | undefined> {
    return withDatabaseErrors(() => this.db('seats').select('id', 'schedule_id').where({ id: seatId }).first());
  }
}
