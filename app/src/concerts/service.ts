import { cacheKeys, JsonCache } from '../lib/cache';
import { notFound } from '../lib/errors';
import type { ConcertRepository } from './repository';

/** The versions a change to one of the schedule's seats ends: its seat lists under every filter,
 *  and the concert's schedules (their available counts). */
export const staleAfterSeatChange = (concertId: number, scheduleId: number) =>
  [cacheKeys.scheduleVersion(scheduleId), cacheKeys.concertVersion(concertId)];

/** Reads only; every answer is serialized JSON from the shared cache. */
export class ConcertService {
  constructor(private readonly repo: ConcertRepository, private readonly cache: JsonCache) {}

  page(page: number, size: number): Promise<string> {
    return this.cache.getOrLoad(cacheKeys.concerts(page, size), async () => ({ data: await this.repo.page(page, size) }));
  }

  async schedules(concertId: number): Promise<string> {
    return this.cache.getOrLoad(cacheKeys.schedules(concertId), async () => {
      const loaded = await this.repo.schedules(concertId);
      if (loaded.data.length === 0 && !(await this.repo.concertExists(concertId))) throw notFound('concert', concertId);
      return loaded;
    }, { version: cacheKeys.concertVersion(concertId) });
  }

  /** `gate` (the queue token check) must pass before anything is served or loaded. */
  async seats(concertId: number, scheduleId: number, status: string | undefined, gate: Promise<unknown>): Promise<string> {
    return this.cache.getOrLoad(cacheKeys.seats(concertId, scheduleId, status ?? 'ALL'), async () => {
      const loaded = await this.repo.seats(concertId, scheduleId, status);
      if (loaded) return loaded;
      if (await this.repo.scheduleBelongsTo(concertId, scheduleId)) return { data: [] };
      throw (await this.repo.concertExists(concertId)) ? notFound('schedule', scheduleId) : notFound('concert', concertId);
    }, { version: cacheKeys.scheduleVersion(scheduleId), gate });
  }
}
