// The shape of the seed data (cli/seed.ts loads it). Kept free of imports and side effects so the
// benchmark and the tests can read it without loading the seeder. k6 cannot import TypeScript, so
// k6-operator/scripts/journey.js keeps a copy (SEEDS); test/seed-sizes.test.ts holds the two equal.
// `large` is the reports' scale: 100,000 users, 50,000 schedules x 50 seats = 2.5 M seats.

export const SEED_SIZES = {
  small: { users: 1_000, concerts: 10, schedulesPerConcert: 5, seatsPerSchedule: 50 },
  large: { users: 100_000, concerts: 1_000, schedulesPerConcert: 50, seatsPerSchedule: 50 },
} as const;

export type SeedSize = keyof typeof SEED_SIZES;

/** Every seeded user's starting point balance. */
export const SEED_BALANCE = 1_000_000;

/** How many schedules and seats a seed size makes. */
export function seedTotals(size: SeedSize): { schedules: number; seats: number } {
  const s = SEED_SIZES[size];
  const schedules = s.concerts * s.schedulesPerConcert;
  return { schedules, seats: schedules * s.seatsPerSchedule };
}
