import { cacheKeys, JsonCache } from '../lib/cache';
import { AppError, conflict, notFound } from '../lib/errors';
import type { Metrics } from '../lib/metrics';
import type { ReservationRepository } from './repository';

export class ReservationService {
  constructor(private readonly repo: ReservationRepository, private readonly cache: JsonCache, private readonly metrics: Metrics,
    private readonly holdSeconds: number) {}

  async hold(userId: number, scheduleId: number, seatId: number) {
    try {
      const hold = await this.repo.holdSeat(userId, scheduleId, seatId, this.holdSeconds);
      if (!hold) {
        const seat = await this.repo.findSeat(seatId);
        if (!seat || seat.schedule_id !== scheduleId) throw notFound('seat', seatId);
        throw conflict('SEAT_NOT_AVAILABLE', `seat ${seatId} is held or sold`);
      }
      this.metrics.holds.inc({ outcome: 'held' });
      await this.cache.invalidate(...seatCacheKeys(hold.scheduleId), cacheKeys.schedules(hold.concertId));
      return {
        id: hold.id, scheduleId: hold.scheduleId, seatId: hold.seatId, status: 'HELD' as const,
        price: hold.price, expiresAt: hold.expiresAt,
      };
    } catch (err) {
      this.metrics.holds.inc({ outcome: err instanceof AppError ? err.code.toLowerCase() : 'error' });
      throw err;
    }
  }
}

export const seatCacheKeys = (scheduleId: number) =>
  ['ALL', 'AVAILABLE', 'HELD', 'SOLD'].map((status) => cacheKeys.seats(scheduleId, status));
