import { execute, type Db, type Statement } from '../lib/db';
import { notFound } from '../lib/errors';

const MAX_REMEMBERED = 1_000_000;

// The ids are integers (validated at the edge), passed as one array parameter.
const EXISTING: Statement = { name: 'users-existing', text: 'SELECT id FROM users WHERE id = ANY($1::bigint[])' };

interface Waiter { resolve: () => void; reject: (err: unknown) => void }

/** Users are never deleted, so a user once seen is remembered and the hot token path skips the
 *  database for them. Users not yet seen are looked up together: every check that arrives in the
 *  same turn of the event loop shares one query (a burst of new users is one round trip per turn,
 *  not one per request). */
export class UserRepository {
  private readonly known = new Set<number>();
  private pending = new Map<number, Waiter[]>();

  constructor(private readonly db: Db) {}

  mustExist(userId: number): Promise<void> {
    if (this.known.has(userId)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(userId);
      if (waiters) return waiters.push({ resolve, reject });
      if (this.pending.size === 0) setImmediate(() => void this.lookUp());
      this.pending.set(userId, [{ resolve, reject }]);
    });
  }

  private async lookUp(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    let found: Set<number>;
    try {
      const { rows } = await execute<{ id: number }>(this.db, EXISTING, [[...batch.keys()]]);
      found = new Set(rows.map((r) => r.id));
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      return;
    }
    for (const [userId, waiters] of batch) {
      if (found.has(userId)) {
        if (this.known.size < MAX_REMEMBERED) this.known.add(userId);
        for (const w of waiters) w.resolve();
      } else {
        for (const w of waiters) w.reject(notFound('user', userId));
      }
    }
  }
}
