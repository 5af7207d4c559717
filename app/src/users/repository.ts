import type { Db } from '../lib/db';
import { fromDatabaseError, notFound } from '../lib/errors';

const MAX_REMEMBERED = 1_000_000;

/** Users are never deleted, so a user once seen is remembered and the hot token path skips the
 *  database for them. */
export class UserRepository {
  private readonly known = new Set<number>();

  constructor(private readonly db: Db) {}

  async mustExist(userId: number): Promise<void> {
    if (this.known.has(userId)) return;
    const row = await this.db('users').select('id').where({ id: userId }).first().catch((e) => { throw fromDatabaseError(e); });
    if (!row) throw notFound('user', userId);
    if (this.known.size < MAX_REMEMBERED) this.known.add(userId);
  }
}
