import { execute, type Db, type Statement } from '../lib/db';
import { AppError, conflict, notFound } from '../lib/errors';
import { findOutcome, type IdempotentRequest, type Outcome } from '../lib/idempotency';

export interface Receipt {
  id: number; reservationId: number; status: 'PAID'; totalSeats: number; totalAmount: number; balance: number;
}

/** What pay_reservation (migration 002) returns: a new receipt, or the stored outcome of the key. */
export interface Settlement {
  replayed: boolean; statusCode: number; response: Receipt; requestHash: string;
  scheduleId: number | null; concertId: number | null;
}

const PAY: Statement = {
  name: 'pay-reservation',
  text: `SELECT replayed, status_code AS "statusCode", response, request_hash AS "requestHash",
                schedule_id AS "scheduleId", concert_id AS "concertId"
           FROM pay_reservation($1, $2, $3, $4)`,
};

export class PaymentRepository {
  constructor(private readonly db: Db) {}

  /** Pays a held reservation in one statement (one transaction, one round trip). */
  async payReservation(userId: number, reservationId: number, key: string, requestHash: string): Promise<Settlement> {
    try {
      const { rows } = await execute<Settlement>(this.db, PAY, [userId, reservationId, key, requestHash]);
      return rows[0];
    } catch (err) {
      throw refusal(err, reservationId) ?? err;
    }
  }

  /** The stored outcome of this very payment request, if it completed before. */
  findOutcome(request: IdempotentRequest): Promise<Outcome<Receipt> | undefined> {
    return findOutcome<Receipt>(this.db, request);
  }
}

/** The reasons pay_reservation gives (SQLSTATE HRP01, reason in DETAIL) as API errors. */
function refusal(err: unknown, reservationId: number): AppError | undefined {
  const e = err as { code?: string; detail?: string; hint?: string };
  if (e?.code !== 'HRP01') return undefined;
  switch (e.detail) {
    case 'RESERVATION_NOT_FOUND': return notFound('reservation', reservationId);
    case 'USER_MISMATCH': return new AppError(403, 'USER_MISMATCH', 'the reservation belongs to another user');
    case 'ALREADY_PAID': return conflict('ALREADY_PAID', `reservation ${reservationId} is already paid`);
    case 'INSUFFICIENT_BALANCE': return conflict('INSUFFICIENT_BALANCE', `the balance does not cover ${e.hint} points`);
    default: return conflict('RESERVATION_EXPIRED', `the hold on reservation ${reservationId} has expired`);
  }
}
