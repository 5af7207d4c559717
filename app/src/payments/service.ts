import { cacheKeys, JsonCache } from '../lib/cache';
import type { Db } from '../lib/db';
import type { Knex } from 'knex';
import { AppError, conflict, notFound } from '../lib/errors';
import { findOutcome, idempotent, IdempotentRequest, Outcome } from '../lib/idempotency';
import type { Logger } from '../lib/logger';
import type { Metrics } from '../lib/metrics';
import { debit } from '../points/repository';
import type { QueueService } from '../queue/service';
import { seatCacheKeys } from '../reservations/service';
import { findReservation, insertPayment, settleReservation } from './repository';

export interface Receipt {
  id: number; reservationId: number; status: 'PAID'; totalSeats: number; totalAmount: number; balance: number;
}

export class PaymentService {
  constructor(private readonly db: Db, private readonly queue: QueueService, private readonly cache: JsonCache,
    private readonly metrics: Metrics, private readonly log: Logger) {}

  /** Pays a held reservation once: the reservation, seat, balance, payment row and stored
   *  outcome change in one transaction; the token ends after commit. */
  async pay(holder: { userId: number; token: string; active: boolean }, reservationId: number, key: string): Promise<Outcome<Receipt>> {
    const request: IdempotentRequest = { userId: holder.userId, scope: 'payment', key, request: { reservationId } };
    try {
      const outcome = holder.active ? await this.settle(request, reservationId) : await this.replayOnly(request);
      this.metrics.payments.inc({ outcome: outcome.replayed ? 'replayed' : 'paid' });
      if (!outcome.replayed) await this.afterPaid(holder.token, outcome.body);
      return outcome;
    } catch (err) {
      this.metrics.payments.inc({ outcome: err instanceof AppError ? err.code.toLowerCase() : 'error' });
      throw err;
    }
  }

  private settle(request: IdempotentRequest, reservationId: number) {
    const { userId } = request;
    return idempotent<Receipt>(this.db, request, async (trx) => {
      const settled = await settleReservation(trx, reservationId, userId);
      if (!settled) throw await whyNotPayable(trx, reservationId, userId);
      const balance = await debit(trx, userId, settled.price);
      if (balance === undefined) throw conflict('INSUFFICIENT_BALANCE', `the balance does not cover ${settled.price} points`);
      const id = await insertPayment(trx, reservationId, userId, settled.price);
      const body: Receipt & { scheduleId: number; concertId: number } = {
        id, reservationId, status: 'PAID', totalSeats: 1, totalAmount: settled.price, balance,
        scheduleId: settled.scheduleId, concertId: settled.concertId,
      };
      return { status: 201, body };
    });
  }

  /** The token already ended by paying: only the stored outcome of this very request is served. */
  private async replayOnly(request: IdempotentRequest): Promise<Outcome<Receipt>> {
    const stored = await findOutcome<Receipt>(this.db, request);
    if (!stored) throw new AppError(401, 'TOKEN_EXPIRED', 'the queue token was used for a payment; issue a new one');
    return stored;
  }

  private async afterPaid(token: string, receipt: Receipt & Partial<{ scheduleId: number; concertId: number }>) {
    // The payment is committed: a Redis hiccup here must not turn it into an error for the client.
    await this.queue.end(token).catch((err) => this.log.warn({ err }, 'could not end the token after payment; it expires by TTL'));
    if (receipt.scheduleId && receipt.concertId) {
      await this.cache.invalidate(...seatCacheKeys(receipt.scheduleId), cacheKeys.schedules(receipt.concertId));
    }
  }

}

async function whyNotPayable(trx: Knex.Transaction, reservationId: number, userId: number): Promise<AppError> {
  const r = await findReservation(trx, reservationId);
  if (!r) return notFound('reservation', reservationId);
  if (r.user_id !== userId) return new AppError(403, 'USER_MISMATCH', 'the reservation belongs to another user');
  if (r.status === 'PAID') return conflict('ALREADY_PAID', `reservation ${reservationId} is already paid`);
  return conflict('RESERVATION_EXPIRED', `the hold on reservation ${reservationId} has expired`);
}
