import type Redis from 'ioredis';
import type { Logger } from './logger';

/** Short-lived JSON read cache in Redis, shared by every worker and replica so a write can
 *  invalidate it everywhere. Values stay serialized: a hit is sent as it is. Redis trouble makes
 *  the cache step aside rather than fail the read. */
export class JsonCache {
  constructor(private readonly redis: Redis, private readonly ttlMs: number, private readonly log: Logger) {}

  /** `gate`, when given, is a check the read must pass first (the queue token): it runs alongside
   *  the cache read, so a hit waits one Redis round trip instead of two, and a miss loads only
   *  after the gate passed. */
  async getOrLoad(key: string, load: () => Promise<unknown>, gate?: Promise<unknown>): Promise<string> {
    if (this.ttlMs === 0) {
      await gate;
      return JSON.stringify(await load());
    }
    const [, hit] = await Promise.all([gate, this.redis.get(key).catch(() => null)]);
    if (hit !== null) return hit;
    const json = JSON.stringify(await load());
    this.redis.set(key, json, 'PX', this.ttlMs).catch(() => undefined);
    return json;
  }

  async invalidate(...keys: string[]): Promise<void> {
    if (this.ttlMs === 0 || keys.length === 0) return;
    await this.redis.del(...keys).catch((err) => this.log.warn({ err, keys }, 'cache invalidation failed; entries expire by TTL'));
  }
}

export const cacheKeys = {
  concerts: (page: number, size: number) => `c:concerts:${page}:${size}`,
  schedules: (concertId: number) => `c:schedules:${concertId}`,
  // The concert is part of the key: a schedule asked for under another concert is a 404, never a hit.
  seats: (concertId: number, scheduleId: number, status: string) => `c:seats:${concertId}:${scheduleId}:${status}`,
};
