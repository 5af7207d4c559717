// full-journey: a user waits for activation, lists seats, holds one (another seat on 409) and pays.
// Thresholds (the reports'): p90 < 2 s; errors < 0.1%; data integrity 100% (1 seat, exact amount).
//
// Data integrity, checked by the VU on its own user (each iteration takes a fresh user of the pool):
// - the payment charges exactly the held seat's price (totalAmount, totalSeats = 1);
// - the balance drops by exactly that price: the user is first charged the price (so balances never
//   run dry over many runs), and the balance after paying must equal the balance read before it;
// - the seat shows SOLD: paying ends the token, so the VU looks at the seat it bought with its next
//   iteration's ACTIVE token (the last purchase of each VU is left unverified).
// Every journey sells a seat for good: the small seed has 2,500 seats, so reseed (make seed) between
// runs and use SEED=large at SCALE=1.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import {
  activeToken, balanceOf, baseOptions, chargePoints, holdAnySeat, integrity, listSchedules, listSeats, pay,
  poolUser, randomConcert, scaled, summary,
} from './journey.js';

const seatsSold = new Counter('seats_sold');
const journeysFailed = new Counter('journeys_failed');

export const options = baseOptions({
  scenarios: {
    journey: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '30s', target: scaled(100) },
        { duration: '60s', target: scaled(100) },
        { duration: '15s', target: 0 },
      ],
      gracefulRampDown: '30s',
      gracefulStop: '30s',
    },
  },
  thresholds: {
    http_req_duration: ['p(90)<2000'],
    http_req_failed: ['rate<0.001'],
    data_integrity: ['rate==1'],
    checks: ['rate>0.999'],
  },
});

let lastPurchase; // {concertId, scheduleId, seatId} of this VU's previous iteration

export default function () {
  if (!journey()) journeysFailed.add(1);
  sleep(1);
}

function journey() {
  // A user of its own per iteration, unique over all runners while the pool lasts.
  const userId = poolUser(exec.scenario.iterationInTest + 1);
  const token = activeToken(userId, 120);
  if (!token) return false;

  if (lastPurchase) {
    const { res, seats } = listSeats(token, lastPurchase.concertId, lastPurchase.scheduleId, null, { verify: 'sold' });
    if (res.status === 200) {
      const seat = seats.find((s) => s.id === lastPurchase.seatId);
      integrity.add(!!seat && seat.status === 'SOLD', { check: 'seat_sold' });
    }
    lastPurchase = undefined;
  }

  const target = pickSchedule();
  if (!target) return false;
  const { seats } = listSeats(token, target.concertId, target.scheduleId, 'AVAILABLE');
  const held = holdAnySeat(token, target.scheduleId, seats);
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
  lastPurchase = { concertId: target.concertId, scheduleId: target.scheduleId, seatId: held.seat.id };
  return true;
}

/** A random concert's date that still has seats (availableSeats may be a cached, slightly old count). */
function pickSchedule() {
  for (let i = 0; i < 5; i++) {
    const concertId = randomConcert();
    const open = listSchedules(concertId).filter((s) => s.availableSeats > 0);
    if (open.length > 0) return { concertId, scheduleId: open[Math.floor(Math.random() * open.length)].id };
  }
  return undefined;
}

export const handleSummary = summary('full-journey');
