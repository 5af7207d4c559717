import { cacheKeys, JsonCache } from '../lib/cache';
import { notFound } from '../lib/errors';
import type { ConcertRepository } from './repository';
import { SEAT_STATUSES } from './schema';

/** Every cached read that a change to one of the schedule's seats makes stale: its seat list under
 *  each filter, and the concert's schedules (their available counts). */
export const staleAfterSeatChange = (concertId: number, scheduleId: number) => [
  ...['ALL', ...SEAT_STATUSES].map((status) => cacheKeys.seats(concertId, scheduleId, status)),
  cacheKeys.schedules(concertId),
];

/** Reads only; every answer is serialized JSON from the shared cache. */
export class ConcertService {
  constructor(private readonly repo: ConcertRepository, private readonly cache: JsonCache) {}

  page(page: number, size: number): Promise<string> {
    return this.cache.getOrLoad(cacheKeys.concerts(page, size), () => this.repo.page(page, size));
  }

  async schedules(concertId: number): Promise<string> {
    return this.cache.getOrLoad(cacheKeys.schedules(concertId), async () => {
      const rows = await this.repo.schedules(concertId);
      if (rows.length === 0 && !(await this.repo.concertExists(concertId))) throw notFound('concert', concertId);
      return rows;
    });
  }

  /** `gate` (the queue token check) must pass before anything is served or loaded. */
  async seats(concertId: number, scheduleId: number, status: string | undefined, gate: Promise<unknown>): Promise<string> {
    return this.cache.getOrLoad(cacheKeys.seats(concertId, scheduleId, status ?? 'ALL'), async () => {
      const rows = await this.repo.seats(concertId, scheduleId, status);
      if (rows.length === 0 && !(await this.repo.scheduleBelongsTo(concertId, scheduleId))) {
        throw (await this.repo.concertExists(concertId)) ? notFound('schedule', scheduleId) : notFound('concert', concertId);
      }
      return rows;
    }, gate);
  }
}
