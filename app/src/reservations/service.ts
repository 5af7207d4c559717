import { staleAfterSeatChange } from '../concerts/service';
import type { JsonCache } from '../lib/cache';
import { conflict, notFound } from '../lib/errors';
import { countOutcome, type Metrics } from '../lib/metrics';
import type { ReservationRepository } from './repository';

export class ReservationService {
  constructor(private readonly repo: ReservationRepository, private readonly cache: JsonCache, private readonly metrics: Metrics,
    private readonly holdSeconds: number) {}

  async hold(userId: number, scheduleId: number, seatId: number) {
    const hold = await countOutcome(this.metrics.holds, () => this.holdSeat(userId, scheduleId, seatId), () => 'held');
    await this.cache.invalidate(...staleAfterSeatChange(hold.concertId, hold.scheduleId));
    return {
      id: hold.id, scheduleId: hold.scheduleId, seatId: hold.seatId, status: 'HELD' as const,
      price: hold.price, expiresAt: hold.expiresAt,
    };
  }

  private async holdSeat(userId: number, scheduleId: number, seatId: number) {
    const hold = await this.repo.holdSeat(userId, scheduleId, seatId, this.holdSeconds);
    if (hold) return hold;
    const seat = await this.repo.findSeat(seatId);
    if (!seat || seat.schedule_id !== scheduleId) throw notFound('seat', seatId);
    throw conflict('SEAT_NOT_AVAILABLE', `seat ${seatId} is held or sold`);
  }
}
