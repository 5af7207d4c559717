// contention: 50 VUs hold the same seat at the same instant; 10 VUs charge one user 1,000 points
// each, as fast as they can, for 5 s.
// Thresholds (the reports'): exactly one hold; balance = sum of successful charges.
//
// How: setup() picks one AVAILABLE seat and reads the charged user's balance. The holders (users of
// their own, from the reserved range) first get ACTIVE tokens, then all send their hold at the same
// wall-clock instant; 201s and 409s are counted. Every successful charge adds -amount to the
// `charge_ledger` counter and teardown() adds (balance after - balance before), so the ledger is 0
// exactly when the balance moved by the sum of the successful charges.
// This scenario runs on one runner only: k6-operator runs setup() and teardown() on every runner,
// and a per-runner count of winners cannot say "exactly one" (the script refuses to run segmented).
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import {
  activeToken, balanceOf, baseOptions, chargePoints, integrity, listSeats, post, reservedUser, RUNNERS, scaled,
  SEED, summary,
} from './journey.js';

const HOLDERS = Math.min(60, scaled(50, 2));
const CHARGERS = scaled(10, 2);
const AMOUNT = 1000;
const CHARGED_USER = reservedUser(0);
const SETUP_USER = reservedUser(1);
const holderUser = (vu) => reservedUser(10 + vu); // VU ids over both scenarios stay below 90
const SCHEDULE = Number(__ENV.CONTENTION_SCHEDULE || SEED.concerts * SEED.schedulesPerConcert);
const CONCERT = Math.floor((SCHEDULE - 1) / SEED.schedulesPerConcert) + 1;
const HOLD_AFTER_S = 30; // time for every holder to become ACTIVE before the common instant

const holdsWon = new Counter('holds_won');
const holdsLost = new Counter('holds_lost');
const holdAttempts = new Counter('hold_attempts');
const chargesOk = new Counter('charges_ok');
const chargeLedger = new Counter('charge_ledger');

export const options = baseOptions({
  scenarios: {
    holders: { executor: 'per-vu-iterations', exec: 'hold', vus: HOLDERS, iterations: 1, maxDuration: '90s', gracefulStop: '30s' },
    chargers: { executor: 'constant-vus', exec: 'charge', vus: CHARGERS, duration: '5s', startTime: '5s', gracefulStop: '60s' },
  },
  thresholds: {
    holds_won: ['count==1'],
    hold_attempts: [`count==${HOLDERS}`],
    charge_ledger: ['count==0'],
    charges_ok: ['count>0'],
    data_integrity: ['rate==1'],
    requests_lost: ['count==0'],
  },
});

export function setup() {
  const segment = exec.test.options.executionSegment;
  if (RUNNERS !== 1 || (segment && segment !== '0:1')) {
    throw new Error('contention must run on one runner (parallelism 1): winners and the ledger are counted per runner');
  }
  const token = activeToken(SETUP_USER, 60);
  if (!token) throw new Error(`setup user ${SETUP_USER} never became ACTIVE`);
  const { seats } = listSeats(token, CONCERT, SCHEDULE, 'AVAILABLE');
  if (seats.length === 0) throw new Error(`schedule ${SCHEDULE} has no AVAILABLE seat left: reseed (make seed) or set CONTENTION_SCHEDULE`);
  const balanceBefore = balanceOf(CHARGED_USER);
  if (balanceBefore === undefined) throw new Error(`cannot read the balance of user ${CHARGED_USER}`);
  return { token, seatId: seats[0].id, balanceBefore, holdAt: Date.now() + HOLD_AFTER_S * 1000 };
}

export function hold(setupData) {
  const token = activeToken(holderUser(exec.vu.idInTest), HOLD_AFTER_S - 5);
  if (!token) return;
  const wait = (setupData.holdAt - Date.now()) / 1000;
  if (wait > 0) sleep(wait);
  holdAttempts.add(1);
  const res = post('/reservations', { scheduleId: SCHEDULE, seatId: setupData.seatId }, 'hold', { 'User-Token': token }, [201, 409]);
  if (res.status === 201) holdsWon.add(1);
  else if (res.status === 409) holdsLost.add(1);
}

export function charge() {
  const outcome = chargePoints(CHARGED_USER, AMOUNT);
  if (outcome) {
    chargesOk.add(1);
    chargeLedger.add(-AMOUNT);
  }
}

export function teardown(setupData) {
  const after = balanceOf(CHARGED_USER);
  if (after !== undefined) chargeLedger.add(after - setupData.balanceBefore);
  integrity.add(after !== undefined, { check: 'balance_read' });
  // The one winner's hold is what the seat map shows now.
  const { seats } = listSeats(setupData.token, CONCERT, SCHEDULE, 'HELD');
  integrity.add(seats.some((s) => s.id === setupData.seatId), { check: 'seat_held' });
}

export const handleSummary = summary('contention');
