import type { Db } from '../lib/db';
import { notFound } from '../lib/errors';
import { idempotent } from '../lib/idempotency';
import { countOutcome, type Metrics } from '../lib/metrics';
import type { PointRepository } from './repository';

export class PointService {
  // `db` opens the idempotent transaction; the repository's writes run inside it.
  constructor(private readonly repo: PointRepository, private readonly db: Db, private readonly metrics: Metrics) {}

  async balance(userId: number) {
    const balance = await this.repo.findBalance(userId);
    if (balance === undefined) throw notFound('user', userId);
    return { userId, balance };
  }

  charge(userId: number, amount: number, key: string) {
    return countOutcome(this.metrics.charges, () =>
      idempotent(this.db, { userId, scope: 'charge', key, request: { amount } }, async (trx) => {
        const result = await this.repo.addToBalance(trx, userId, amount);
        if (!result) throw notFound('user', userId);
        return { status: 200, body: { userId, ...result } };
      }), (outcome) => (outcome.replayed ? 'replayed' : 'charged'));
  }
}
