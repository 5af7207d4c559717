import type { QueryResult } from 'pg';
import { execute, type Db, type Statement } from '../lib/db';
import type { Loaded } from '../lib/cache';
import { withDatabaseErrors } from '../lib/errors';

// A hold whose time is up counts as AVAILABLE here: expiry is enforced by conditions, not by a sweeper.
const EFFECTIVE_STATUS = `CASE WHEN s.status = 'HELD' AND s.hold_expires_at <= now() THEN 'AVAILABLE' ELSE s.status END`;

interface Concert { id: number; title: string; artist: string }
interface Schedule { id: number; startsAt: Date; totalSeats: number; availableSeats: number }
interface Seat { id: number; seatNo: number; price: number; status: 'AVAILABLE' | 'HELD' | 'SOLD' }

// Milliseconds until a running hold ends (floored, so a cache entry never outlives it), computed only
// on held rows, else null; the smallest over the rows is when the answer changes by itself.
const HOLD_ENDS_IN_MS = `CASE WHEN s.status = 'HELD' AND s.hold_expires_at > now()
  THEN floor(extract(epoch FROM s.hold_expires_at - now()) * 1000)::int END`;
const earliest = (rows: { holdEndsInMs: number | null }[]) => {
  let min: number | null = null;
  for (const { holdEndsInMs: ms } of rows) if (ms !== null && (min === null || ms < min)) min = ms;
  return min;
};

/** Every seat of the schedule; a status filter is applied to these rows in Node, so a filtered
 *  answer still knows when a hold it does not list runs out. */
const SEATS: Statement = {
  name: 'seats',
  text: `SELECT s.id, s.seat_no AS "seatNo", s.price, ${EFFECTIVE_STATUS} AS status, ${HOLD_ENDS_IN_MS} AS "holdEndsInMs"
           FROM seats s JOIN schedules sc ON sc.id = s.schedule_id
          WHERE s.schedule_id = $1 AND sc.concert_id = $2
          ORDER BY s.seat_no`,
};

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

  async schedules(concertId: number): Promise<Loaded & { data: Schedule[] }> {
    return withDatabaseErrors(async () => {
      const { rows } = await this.db.raw<QueryResult<Schedule & { holdEndsInMs: number | null }>>(`
        SELECT sc.id, sc.starts_at AS "startsAt", sc.total_seats AS "totalSeats",
               count(*) FILTER (WHERE ${EFFECTIVE_STATUS} = 'AVAILABLE')::int AS "availableSeats",
               min(${HOLD_ENDS_IN_MS}) AS "holdEndsInMs"
          FROM schedules sc JOIN seats s ON s.schedule_id = sc.id
         WHERE sc.concert_id = ?
         GROUP BY sc.id ORDER BY sc.starts_at, sc.id`, [concertId]);
      return {
        data: rows.map(({ id, startsAt, totalSeats, availableSeats }) => ({ id, startsAt, totalSeats, availableSeats })),
        changesInMs: earliest(rows),
      };
    });
  }

  async scheduleBelongsTo(concertId: number, scheduleId: number): Promise<boolean> {
    return withDatabaseErrors(async () =>
      Boolean(await this.db('schedules').select('id').where({ id: scheduleId, concert_id: concertId }).first()));
  }

  /** undefined when the concert has no such schedule (or it has no seats). */
  async seats(concertId: number, scheduleId: number, status?: string): Promise<Loaded | undefined> {
    const { rows } = await execute<Seat & { holdEndsInMs: number | null }>(this.db, SEATS, [scheduleId, concertId]);
    if (rows.length === 0) return undefined;
    const data: Seat[] = [];
    for (const { id, seatNo, price, status: s } of rows) if (!status || s === status) data.push({ id, seatNo, price, status: s });
    return { data, changesInMs: earliest(rows) };
  }
}
