import { notFound } from '../lib/errors';
import { countOutcome, type Metrics } from '../lib/metrics';
import type { PointRepository } from './repository';

export class PointService {
  constructor(private readonly repo: PointRepository, private readonly metrics: Metrics) {}

  async balance(userId: number) {
    const balance = await this.repo.findBalance(userId);
    if (balance === undefined) throw notFound('user', userId);
    return { userId, balance };
  }

  charge(userId: number, amount: number, key: string) {
    return countOutcome(this.metrics.charges, () => this.repo.charge(userId, amount, key),
      (outcome) => (outcome.replayed ? 'replayed' : 'charged'));
  }
}
