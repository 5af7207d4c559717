import type { QueryResult } from 'pg';
import { execute, type Db, type Statement } from '../lib/db';
import { withDatabaseErrors } from '../lib/errors';

// A hold whose time is up counts as AVAILABLE here: expiry is enforced by conditions, not by a sweeper.
const EFFECTIVE_STATUS = `CASE WHEN status = 'HELD' AND hold_expires_at <= now() THEN 'AVAILABLE' ELSE status END`;

interface Concert { id: number; title: string; artist: string }
interface Schedule { id: number; startsAt: Date; totalSeats: number; availableSeats: number }
interface Seat { id: number; seatNo: number; price: number; status: 'AVAILABLE' | 'HELD' | 'SOLD' }

const seatsOf = (filter: string): Statement => ({
  name: `seats${filter ? '-by-status' : ''}`,
  text: `SELECT id, seat_no AS "seatNo", price, status FROM (
           SELECT s.id, s.seat_no, s.price, ${EFFECTIVE_STATUS} AS status
             FROM seats s JOIN schedules sc ON sc.id = s.schedule_id
            WHERE s.schedule_id = $1 AND sc.concert_id = $2
         ) s ${filter} ORDER BY seat_no`,
});
const SEATS = seatsOf('');
const SEATS_BY_STATUS = seatsOf('WHERE status = $3');

export class ConcertRepository {
  constructor(private readonly db: Db) {}

  async page(page: number, size: number) {
    return withDatabaseErrors(async () => {
      const [{ total }] = await this.db<Concert>('concerts').count({ total: '*' });
      const items = await this.db<Concert>('concerts').select('id', 'title', 'artist').orderBy('id')
        .limit(size).offset((page - 1) * size);
      return { items, page, size, total: Number(total) };
    });
  }

  async concertExists(concertId: number): Promise<boolean> {
    return withDatabaseErrors(async () => Boolean(await this.db('concerts').select('id').where({ id: concertId }).first()));
  }

  async schedules(concertId: number) {
    return withDatabaseErrors(async () => {
      const { rows } = await this.db.raw<QueryResult<Schedule>>(`
        SELECT sc.id, sc.starts_at AS "startsAt", sc.total_seats AS "totalSeats",
               count(*) FILTER (WHERE ${EFFECTIVE_STATUS} = 'AVAILABLE')::int AS "availableSeats"
          FROM schedules sc JOIN seats s ON s.schedule_id = sc.id
         WHERE sc.concert_id = ?
         GROUP BY sc.id ORDER BY sc.starts_at, sc.id`, [concertId]);
      return rows;
    });
  }

  async scheduleBelongsTo(concertId: number, scheduleId: number): Promise<boolean> {
    return withDatabaseErrors(async () =>
      Boolean(await this.db('schedules').select('id').where({ id: scheduleId, concert_id: concertId }).first()));
  }

  async seats(concertId: number, scheduleId: number, status?: string) {
    const { rows } = status
      ? await execute<Seat>(this.db, SEATS_BY_STATUS, [scheduleId, concertId, status])
      : await execute<Seat>(this.db, SEATS, [scheduleId, concertId]);
    return rows;
  }
}
