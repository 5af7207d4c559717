// full-journey (report 002, the reservation process): VUs ramp 1 m -> 1,000, 1 m -> 2,000,
// 1 m -> 5,000, hold 1 m, 1 m -> 0. Each iteration: a queue token, its status polled every 5 s (up
// to 30 times) until ACTIVE, the available seats of a date, a hold (up to 5 seats, 1 s apart), the
// payment, then 5-10 s of thinking.
// Thresholds (the report's): p90 < 2 s; errors < 0.1%; > 100 req/s; checks > 99.99%; data
// integrity 100%.
// Where our API differs: before paying, the user is charged the seat's price in points (payments
// spend points, and balances would run dry over many runs), one request more per journey.
//
// Data integrity, checked by the VU on its own user (each iteration takes a fresh user of the pool):
// - the payment charges exactly the held seat's price (totalAmount, totalSeats = 1);
// - the balance drops by exactly that price: the balance after paying must equal the one before the
//   charge;
// - the seat shows SOLD: paying ends the token, so the VU looks at the seat it bought with its next
//   iteration's ACTIVE token (the last purchase of each VU is left unverified).
// Every journey sells a seat for good: reseed (make seed) between runs; use SEED=large at SCALE=1.
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import {
  balanceOf, baseOptions, chargePoints, holdAnySeat, integrity, issueToken, listSeats, pay, pollActive, poolUser,
  randomConcert, randomSchedule, report002Stages, summary, think, wholeRunRate,
} from './journey.js';

const seatsSold = new Counter('seats_sold');
const journeysFailed = new Counter('journeys_failed');

export const options = baseOptions({
  scenarios: {
    journey: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: report002Stages(),
      env: { THINK_S: '5-10' },
    },
  },
  thresholds: {
    http_req_duration: ['p(90)<2000'],
    http_req_failed: ['rate<0.001'],
    http_reqs: [`rate>${wholeRunRate(100)}`],
    checks: ['rate>0.9999'],
    data_integrity: ['rate==1'],
  },
});

let lastPurchase; // {concertId, scheduleId, seatId} of this VU's previous iteration

export default function () {
  if (!journey()) journeysFailed.add(1);
  think();
}

function journey() {
  // A user of its own per iteration, unique over all runners while the pool lasts.
  const userId = poolUser(exec.scenario.iterationInTest + 1);
  const view = issueToken(userId);
  if (!view) return false;
  if (view.status !== 'ACTIVE' && !pollActive(view.token, 5, 30)) return false;
  const token = view.token;

  if (lastPurchase) {
    const { res, seats } = listSeats(token, lastPurchase.concertId, lastPurchase.scheduleId, null, { verify: 'sold' });
    if (res.status === 200) {
      const seat = seats.find((s) => s.id === lastPurchase.seatId);
      integrity.add(!!seat && seat.status === 'SOLD', { check: 'seat_sold' });
    }
    lastPurchase = undefined;
  }

  const concertId = randomConcert();
  const scheduleId = randomSchedule(concertId);
  const { seats } = listSeats(token, concertId, scheduleId, 'AVAILABLE');
  const held = holdAnySeat(token, scheduleId, seats, 5, 1);
  if (!held) return false;
  const price = held.reservation.price;

  const before = balanceOf(userId);
  const charged = chargePoints(userId, price);
  if (before === undefined || !charged) return false;
  integrity.add(charged.balance === before + price, { check: 'charge_exact' });

  const payment = pay(token, held.reservation.id);
  if (!payment) return false;
  seatsSold.add(1);
  integrity.add(payment.totalSeats === 1 && payment.totalAmount === price, { check: 'one_seat_exact_amount' });
  integrity.add(payment.balance === before, { check: 'balance_after_payment' });
  const after = balanceOf(userId);
  integrity.add(after === before, { check: 'balance_read_back' });
  check(payment, { 'pay: charged the held price': (p) => p.totalAmount === price });
  lastPurchase = { concertId, scheduleId, seatId: held.seat.id };
  return true;
}

export const handleSummary = summary('full-journey');
