import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from './logger';

/** What a loader read, and, when the data will change by itself (a hold running out), in how many
 *  milliseconds; the entry ends then, so a cached answer is never older than the change. */
export interface Loaded { data: unknown; changesInMs?: number | null }

/**
 * JSON read cache in Redis, shared by every worker and replica so a write can invalidate it
 * everywhere. Values stay serialized: a hit is sent as it is. Redis trouble makes the cache step
 * aside rather than fail the read.
 *
 * An entry that a write can make stale names a version key, and is stored tagged with the version
 * it was loaded under; a write sets a new version after it commits. The reader gets both in one
 * MGET and takes the entry only if the tags match. So a load that read the rows before a write
 * committed can never be taken after it (a delete-on-write cache would keep it until it expired).
 * With that, and entries ending when a hold runs out, freshness does not rest on the lifetime:
 * `maxAgeMs` only bounds what a failed version write leaves behind, and the memory.
 */
export class JsonCache {
  constructor(private readonly redis: Redis, private readonly maxAgeMs: number, private readonly log: Logger) {}

  /** `version` is the key whose change ends the entry. `gate`, when given, is a check the read
   *  must pass first (the queue token): it runs alongside the cache read, so a hit waits one Redis
   *  round trip instead of two, and a miss loads only after the gate passed. */
  async getOrLoad(key: string, load: () => Promise<Loaded>, { version, gate }: { version?: string; gate?: Promise<unknown> } = {}): Promise<string> {
    if (this.maxAgeMs === 0) {
      await gate;
      return JSON.stringify((await load()).data);
    }
    const [, [tag, entry]] = await Promise.all([gate, this.read(key, version)]);
    const prefix = `${tag}:`;
    if (entry?.startsWith(prefix)) return entry.slice(prefix.length);
    const { data, changesInMs } = await load();
    const json = JSON.stringify(data);
    const ttl = Math.min(this.maxAgeMs, changesInMs ?? Infinity);
    if (ttl > 0) this.redis.set(key, prefix + json, 'PX', ttl).catch(() => undefined);
    return json;
  }

  /** After a write commits: every entry under these version keys is stale from now on. */
  async invalidate(...versions: string[]): Promise<void> {
    if (this.maxAgeMs === 0 || versions.length === 0) return;
    const tag = newTag();
    await this.redis.mset(...versions.flatMap((v) => [v, tag]))
      .catch((err) => this.log.warn({ err, versions }, `cache invalidation failed; entries end within ${this.maxAgeMs} ms`));
  }

  /** [the current version (NO_VERSION when there is no version key or none was set), the entry or
   *  null]; [_, null] when Redis fails. */
  private async read(key: string, version: string | undefined): Promise<[string, string | null]> {
    try {
      if (version === undefined) return [NO_VERSION, await this.redis.get(key)];
      const [tag, entry] = await this.redis.mget(version, key);
      return [tag ?? NO_VERSION, entry];
    } catch {
      return [NO_VERSION, null];
    }
  }
}

// A version is never reused, so no old entry can match a later one: 72 random bits per process,
// then a count.
const NO_VERSION = '0';
const PROCESS_TAG = randomBytes(9).toString('base64url');
let written = 0;
const newTag = () => `${PROCESS_TAG}${(written++).toString(36)}`;

// Entries are stored as "<version>:<json>" under keys of this prefix, so pods of the older format
// (plain JSON under "c:") never read them during a rollout, nor these pods theirs.
const PREFIX = 'c2';

export const cacheKeys = {
  concerts: (page: number, size: number) => `${PREFIX}:concerts:${page}:${size}`,
  schedules: (concertId: number) => `${PREFIX}:schedules:${concertId}`,
  // The concert is part of the key: a schedule asked for under another concert is a 404, never a hit.
  seats: (concertId: number, scheduleId: number, status: string) => `${PREFIX}:seats:${concertId}:${scheduleId}:${status}`,
  /** Changes when any seat of the concert does: its schedules list (available counts). */
  concertVersion: (concertId: number) => `${PREFIX}:v:concert:${concertId}`,
  /** Changes when any seat of the schedule does: its seat lists. */
  scheduleVersion: (scheduleId: number) => `${PREFIX}:v:schedule:${scheduleId}`,
};
