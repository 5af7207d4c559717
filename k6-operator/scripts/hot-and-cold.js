// hot-and-cold: concert B gets 1,000 concurrent seat lookups while concert A gets a trickle.
// Threshold (the reports'): A sees no errors (a report saw A fail while B was hammered).
// Seat lookups need an ACTIVE queue token: every VU holds one for its own user for the whole test.
// The trickle starts first so its tokens are active before the hot VUs fill the active set.
import { sleep } from 'k6';
import exec from 'k6/execution';
import { baseOptions, cachedActiveToken, forgetToken, listSeats, poolUser, randomSchedule, scaled, SEED, summary } from './journey.js';

// A and B: the first and the last concert of the seed, so they share no cache entries.
const CONCERT_A = Number(__ENV.COLD_CONCERT || 1);
const CONCERT_B = Number(__ENV.HOT_CONCERT || SEED.concerts);

export const options = baseOptions({
  scenarios: {
    cold: {
      executor: 'constant-arrival-rate', exec: 'cold', rate: 2, timeUnit: '1s', duration: '75s',
      preAllocatedVUs: 4, maxVUs: 10,
    },
    hot: { executor: 'constant-vus', exec: 'hot', vus: scaled(1000), duration: '1m', startTime: '15s' },
  },
  thresholds: {
    'http_req_failed{scenario:cold}': ['rate==0'],
    'requests_lost{scenario:cold}': ['count==0'],
    'http_req_duration{scenario:cold}': ['p(95)<500'],
    // B is measured, not judged: the question is whether A stays healthy.
    'http_req_duration{scenario:hot}': ['max>=0'],
  },
});

function lookup(concertId) {
  const userId = poolUser(exec.vu.idInTest);
  const token = cachedActiveToken(userId, 60);
  if (!token) return;
  const { res } = listSeats(token, concertId, randomSchedule(concertId));
  if (res.status === 401) forgetToken(userId);
}

export function cold() {
  lookup(CONCERT_A);
}

export function hot() {
  lookup(CONCERT_B);
  sleep(0.1);
}

export const handleSummary = summary('hot-and-cold');
