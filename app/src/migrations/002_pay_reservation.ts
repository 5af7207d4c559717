import type { Knex } from 'knex';

/**
 * A payment in one statement: the round trips of a payment were its biggest cost (nine statements
 * in a transaction, each a network round trip holding row locks). The function does what the
 * transaction did, in the same order and under the same conditions, and is one implicit
 * transaction: a refusal raises SQLSTATE HRP01 with the reason in DETAIL, which rolls everything
 * back, the idempotency claim included (failures are not stored).
 *
 * Returns the stored outcome (replayed = true, with the first request's hash, which the caller
 * compares) or the new receipt with the schedule and concert whose cached seat maps it changed.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE FUNCTION pay_reservation(p_user bigint, p_reservation bigint, p_key text, p_hash text)
    RETURNS TABLE (replayed boolean, status_code integer, response jsonb, request_hash text,
                   schedule_id bigint, concert_id bigint)
    LANGUAGE plpgsql AS $$
    DECLARE
      r record;
      v_balance bigint;
      v_payment bigint;
      v_receipt jsonb;
    BEGIN
      -- A raced duplicate waits here on the key's row lock until the first commits or rolls back.
      INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status_code, response)
      VALUES (p_user, 'payment', p_key, p_hash, 0, 'null') ON CONFLICT DO NOTHING;
      IF NOT FOUND THEN
        RETURN QUERY SELECT true, k.status_code, k.response, k.request_hash, NULL::bigint, NULL::bigint
          FROM idempotency_keys k WHERE k.user_id = p_user AND k.scope = 'payment' AND k.key = p_key;
        RETURN;
      END IF;

      UPDATE reservations res SET status = 'PAID'
       WHERE res.id = p_reservation AND res.user_id = p_user AND res.status = 'HELD' AND res.expires_at > now()
      RETURNING res.price, res.seat_id, res.schedule_id INTO r;
      IF NOT FOUND THEN
        SELECT res.user_id, res.status INTO r FROM reservations res WHERE res.id = p_reservation;
        RAISE EXCEPTION 'payment refused' USING ERRCODE = 'HRP01', DETAIL = CASE
          WHEN NOT FOUND THEN 'RESERVATION_NOT_FOUND'
          WHEN r.user_id <> p_user THEN 'USER_MISMATCH'
          WHEN r.status = 'PAID' THEN 'ALREADY_PAID'
          ELSE 'RESERVATION_EXPIRED' END;
      END IF;

      UPDATE seats s SET status = 'SOLD', hold_expires_at = NULL
       WHERE s.id = r.seat_id AND s.reservation_id = p_reservation AND s.status = 'HELD' AND s.hold_expires_at > now();
      IF NOT FOUND THEN
        RAISE EXCEPTION 'payment refused' USING ERRCODE = 'HRP01', DETAIL = 'RESERVATION_EXPIRED';
      END IF;

      UPDATE points p SET balance = p.balance - r.price WHERE p.user_id = p_user AND p.balance >= r.price
      RETURNING p.balance INTO v_balance;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'payment refused' USING ERRCODE = 'HRP01', DETAIL = 'INSUFFICIENT_BALANCE', HINT = r.price::text;
      END IF;
      INSERT INTO point_transactions (user_id, kind, amount, balance_after) VALUES (p_user, 'PAYMENT', -r.price, v_balance);

      INSERT INTO payments (reservation_id, user_id, amount) VALUES (p_reservation, p_user, r.price) RETURNING id INTO v_payment;
      v_receipt := jsonb_build_object('id', v_payment, 'reservationId', p_reservation, 'status', 'PAID',
                                      'totalSeats', 1, 'totalAmount', r.price, 'balance', v_balance);
      UPDATE idempotency_keys k SET status_code = 201, response = v_receipt
       WHERE k.user_id = p_user AND k.scope = 'payment' AND k.key = p_key;

      RETURN QUERY SELECT false, 201, v_receipt, p_hash, r.schedule_id,
        (SELECT sc.concert_id FROM schedules sc WHERE sc.id = r.schedule_id);
    END $$;
  `);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP FUNCTION IF EXISTS pay_reservation(bigint, bigint, text, text)');
}
