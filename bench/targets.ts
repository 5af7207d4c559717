// What each endpoint's requests are: a Prepare per endpoint writes the vegeta targets of one step,
// with the users, tokens, seats and reservations that step needs made beforehand.

import path from 'node:path';
import { mulberry32 } from '../experiments/src/analysis/usl';
import { cfg, say, SEED, TMP } from './config';
import { type Data, issueTokens, SeatCursor } from './data';
import { type Prepare, writeTargets } from './load';

/** Requests for the step: one per request at the rate, plus a few for vegeta's last moments. */
const count = (rate: number, seconds: number) => Math.ceil(rate * seconds) + 10;

export function bareTargets(base: string, key: string): Prepare {
  const file = path.join(TMP, `${key}.ndjson`);
  return (_build, rate, secs) => {
    writeTargets(file, count(rate, secs), () => ({ method: 'GET', url: `${base}/` }));
    return file;
  };
}

/** The service's endpoints. Users, seats and the token pool are shared by all of them, so no two
 *  requests of a run use the same user or seat. */
export class ServiceTargets {
  private nextUser = 1;
  private readonly seats = new SeatCursor();
  private pool: string[] = [];

  /** `api(build)`: the API base of a build; `setup`: the base of the build that issues set-up tokens. */
  constructor(private readonly data: Data, private readonly api: (build: string) => string, private readonly setup: string) {}

  /** Tokens shared by the status, seat-list and hold steps: many distinct, ACTIVE ones. */
  async issuePool() {
    say(`set-up: issuing ${cfg.statusTokens} ACTIVE tokens through the API`);
    this.pool = [...(await issueTokens(this.setup, await this.takeUsers(cfg.statusTokens))).values()];
  }

  private async takeUsers(n: number) {
    const users = Array.from({ length: n }, (_, i) => this.nextUser + i);
    this.nextUser += n;
    await this.data.ensureUsers(this.nextUser);
    return users;
  }

  issue(): Prepare {
    const file = path.join(TMP, 'issue.ndjson');
    return async (build, rate, secs) => {
      const users = await this.takeUsers(count(rate, secs));
      writeTargets(file, users.length, (i) => ({ method: 'POST', url: `${this.api(build)}/queue/token`, body: { userId: users[i] } }));
      return file;
    };
  }

  status(): Prepare {
    const file = path.join(TMP, 'status.ndjson');
    let k = 0;
    return (build, rate, secs) => {
      writeTargets(file, count(rate, secs), () => ({ method: 'GET', url: `${this.api(build)}/queue/status`, header: { 'User-Token': this.token(k++) } }));
      return file;
    };
  }

  seatList(): Prepare {
    const file = path.join(TMP, 'seats.ndjson');
    const rnd = mulberry32(42);
    let k = 0;
    return (build, rate, secs) => {
      writeTargets(file, count(rate, secs), () => {
        const scheduleId = 1 + Math.floor(rnd() * cfg.seatSchedules);
        const concertId = Math.ceil(scheduleId / SEED.schedulesPerConcert);
        return { method: 'GET', url: `${this.api(build)}/concerts/${concertId}/schedules/${scheduleId}/seats`, header: { 'User-Token': this.token(k++) } };
      });
      return file;
    };
  }

  hold(): Prepare {
    const file = path.join(TMP, 'hold.ndjson');
    let k = 0;
    return (build, rate, secs) => {
      writeTargets(file, count(rate, secs), () => {
        const { seatId, scheduleId } = this.seats.next();
        return { method: 'POST', url: `${this.api(build)}/reservations`, body: { scheduleId, seatId }, header: { 'User-Token': this.token(k++) } };
      });
      return file;
    };
  }

  payment(): Prepare {
    const file = path.join(TMP, 'payment.ndjson');
    const runId = Date.now().toString(36);
    return async (build, rate, secs) => {
      // One fresh user, ACTIVE token and held reservation per request, made before the step.
      const users = await this.takeUsers(count(rate, secs));
      const tokens = await issueTokens(this.setup, users);
      const held = await this.data.holdForPayment(users, users.map(() => this.seats.next().seatId));
      const ready = users.filter((u) => held.has(u));
      writeTargets(file, ready.length, (i) => {
        const u = ready[i];
        const reservationId = held.get(u)!;
        return {
          method: 'POST', url: `${this.api(build)}/payments`, body: { reservationId },
          header: { 'User-Token': tokens.get(u)!, 'Idempotency-Key': `bench-${runId}-${reservationId}` },
        };
      });
      return file;
    };
  }

  private token(k: number) {
    return this.pool[k % this.pool.length];
  }
}
