import type { Knex } from 'knex';
import * as booking001 from './001_booking';
import * as payReservation002 from './002_pay_reservation';

// Listed in code, named without an extension: the same schema history whether the service runs
// from compiled JavaScript or from TypeScript in tests.
const MIGRATIONS: Record<string, Knex.Migration> = {
  '001_booking': booking001,
  '002_pay_reservation': payReservation002,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () => Promise.resolve(Object.keys(MIGRATIONS)),
  getMigrationName: (name) => name,
  getMigration: (name) => Promise.resolve(MIGRATIONS[name]),
};
