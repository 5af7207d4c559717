// seats-rate (report 001): seat lookups of one fixed date arrive at a constant 50/s for 5 s
// (preAllocatedVUs 20, maxVUs 100), each iteration then thinking 1 s. An iteration lasts over a
// second, so 50/s needs more than 50 VUs: k6 starts them as it goes and drops the iterations it
// cannot start in time (the report counted 32 dropped_iterations); they are reported, not judged.
// Thresholds (the report's): errors < 1%; p95 < 200 ms (of the lookups).
// Where our API differs: seat lookups need an ACTIVE queue token, so a warm-up (30 s, before the
// measured 5 s) gives every VU the lookups may use one.
import exec from 'k6/execution';
import { baseOptions, cachedActiveToken, forgetToken, listSeats, poolUser, scaled, SEED, summary, think, TOKEN_MAY_END } from './journey.js';

const RATE = scaled(50);
const PREALLOCATED = scaled(20);
const MAX_VUS = scaled(100);
// One fixed date: the first concert's first date (seeded in every size).
const CONCERT = Number(__ENV.SEATS_CONCERT || 1);
const SCHEDULE = (CONCERT - 1) * SEED.schedulesPerConcert + 1;

export const options = baseOptions({
  scenarios: {
    warmup: { executor: 'per-vu-iterations', exec: 'warmup', vus: MAX_VUS, iterations: 1, maxDuration: '30s', gracefulStop: '0s' },
    lookups: {
      executor: 'constant-arrival-rate', exec: 'lookup', startTime: '30s', rate: RATE, timeUnit: '1s', duration: '5s',
      preAllocatedVUs: PREALLOCATED, maxVUs: MAX_VUS, env: { THINK_S: '1' },
    },
  },
  thresholds: {
    'http_req_duration{scenario:lookups}': ['p(95)<200'],
    'http_req_failed{scenario:lookups}': ['rate<0.01'],
  },
});

const user = () => poolUser(exec.vu.idInTest);

export function warmup() {
  cachedActiveToken(user(), 25);
}

export function lookup() {
  const token = cachedActiveToken(user(), 25);
  if (!token) return;
  // A token taken before this test may end during it (TOKEN_MAY_END).
  const { res } = listSeats(token, CONCERT, SCHEDULE, 'AVAILABLE', undefined, TOKEN_MAY_END);
  if (res.status === 401) forgetToken(user());
  think();
}

export const handleSummary = summary('seats-rate');
