import { staleAfterSeatChange } from '../concerts/service';
import type { JsonCache } from '../lib/cache';
import { AppError } from '../lib/errors';
import { IdempotentRequest, Outcome, requestHash, toOutcome } from '../lib/idempotency';
import type { Logger } from '../lib/logger';
import { countOutcome, type Metrics } from '../lib/metrics';
import type { QueueService } from '../queue/service';
import type { PaymentRepository, Receipt } from './repository';

export class PaymentService {
  constructor(private readonly repo: PaymentRepository, private readonly queue: QueueService, private readonly cache: JsonCache,
    private readonly metrics: Metrics, private readonly log: Logger) {}

  /** Pays a held reservation once: the reservation, seat, balance, payment row and stored
   *  outcome change in one transaction (one statement: pay_reservation); the token ends after commit. */
  async pay(holder: { userId: number; token: string; active: boolean }, reservationId: number, key: string): Promise<Outcome<Receipt>> {
    const request: IdempotentRequest = { userId: holder.userId, scope: 'payment', key, request: { reservationId } };
    return countOutcome(this.metrics.payments,
      () => (holder.active ? this.settle(holder.token, request, reservationId) : this.replayOnly(request)),
      (outcome) => (outcome.replayed ? 'replayed' : 'paid'));
  }

  private async settle(token: string, request: IdempotentRequest, reservationId: number): Promise<Outcome<Receipt>> {
    const hash = requestHash(request.request);
    const settled = await this.repo.payReservation(request.userId, reservationId, request.key, hash);
    if (settled.replayed) {
      return toOutcome<Receipt>({ request_hash: settled.requestHash, status_code: settled.statusCode, response: settled.response }, request, hash);
    }
    await this.afterPaid(token, settled.scheduleId!, settled.concertId!);
    return { status: settled.statusCode, body: settled.response, replayed: false };
  }

  /** The token already ended by paying: only the stored outcome of this very request is served. */
  private async replayOnly(request: IdempotentRequest): Promise<Outcome<Receipt>> {
    const stored = await this.repo.findOutcome(request);
    if (!stored) throw new AppError(401, 'TOKEN_EXPIRED', 'the queue token was used for a payment; issue a new one');
    return stored;
  }

  private async afterPaid(token: string, scheduleId: number, concertId: number) {
    // The payment is committed: a Redis hiccup here must not turn it into an error for the client.
    await Promise.all([
      this.queue.end(token).catch((err) => this.log.warn({ err }, 'could not end the token after payment; it expires by TTL')),
      this.cache.invalidate(...staleAfterSeatChange(concertId, scheduleId)),
    ]);
  }
}
