import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE users (
      id bigint PRIMARY KEY,
      name text NOT NULL
    );
    CREATE TABLE points (
      user_id bigint PRIMARY KEY REFERENCES users (id),
      balance bigint NOT NULL DEFAULT 0 CHECK (balance >= 0)
    );
    CREATE TABLE point_transactions (
      id bigserial PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES users (id),
      kind text NOT NULL CHECK (kind IN ('CHARGE', 'PAYMENT')),
      amount bigint NOT NULL,
      balance_after bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX point_transactions_user ON point_transactions (user_id);
    CREATE TABLE concerts (
      id bigint PRIMARY KEY,
      title text NOT NULL,
      artist text NOT NULL
    );
    CREATE TABLE schedules (
      id bigint PRIMARY KEY,
      concert_id bigint NOT NULL REFERENCES concerts (id),
      starts_at timestamptz NOT NULL,
      total_seats integer NOT NULL
    );
    CREATE INDEX schedules_concert ON schedules (concert_id, starts_at);
    CREATE TABLE seats (
      id bigint PRIMARY KEY,
      schedule_id bigint NOT NULL REFERENCES schedules (id),
      seat_no integer NOT NULL,
      price integer NOT NULL CHECK (price > 0),
      status text NOT NULL DEFAULT 'AVAILABLE' CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD')),
      reservation_id bigint,
      hold_expires_at timestamptz,
      UNIQUE (schedule_id, seat_no)
    );
    CREATE TABLE reservations (
      id bigserial PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES users (id),
      schedule_id bigint NOT NULL,
      seat_id bigint NOT NULL REFERENCES seats (id),
      price integer NOT NULL,
      status text NOT NULL CHECK (status IN ('HELD', 'PAID')),
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX reservations_seat ON reservations (seat_id);
    CREATE TABLE payments (
      id bigserial PRIMARY KEY,
      reservation_id bigint NOT NULL UNIQUE REFERENCES reservations (id),
      user_id bigint NOT NULL REFERENCES users (id),
      amount bigint NOT NULL CHECK (amount > 0),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    -- A stored outcome per (user, scope, key): a retried or raced request replays it instead
    -- of charging again.
    CREATE TABLE idempotency_keys (
      user_id bigint NOT NULL,
      scope text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      status_code integer NOT NULL,
      response jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, scope, key)
    );
  `);
}

export async function down(db: Knex): Promise<void> {
  await db.raw(`DROP TABLE IF EXISTS idempotency_keys, payments, reservations, seats, schedules, concerts,
    point_transactions, points, users CASCADE`);
}
