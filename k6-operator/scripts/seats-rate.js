// seats-rate: seat lookups arrive at a constant 50/s for 1 m.
// Thresholds (the reports'): p95 < 200 ms; errors < 1%; no dropped iterations.
// Each VU first takes an ACTIVE token (the warm-up scenario), so the measured minute holds only
// seat lookups.
import exec from 'k6/execution';
import { baseOptions, cachedActiveToken, forgetToken, listSeats, poolUser, randomConcert, randomSchedule, scaled, summary, TOKEN_MAY_END } from './journey.js';

const RATE = scaled(50);
const VUS = Math.max(5, Math.ceil(RATE / 2));

export const options = baseOptions({
  scenarios: {
    warmup: { executor: 'per-vu-iterations', exec: 'warmup', vus: VUS, iterations: 1, maxDuration: '30s', gracefulStop: '0s' },
    lookups: {
      executor: 'constant-arrival-rate', exec: 'lookup', startTime: '30s', rate: RATE, timeUnit: '1s', duration: '1m',
      preAllocatedVUs: VUS, maxVUs: VUS * 4, gracefulStop: '10s',
    },
  },
  thresholds: {
    'http_req_duration{scenario:lookups}': ['p(95)<200'],
    'http_req_failed{scenario:lookups}': ['rate<0.01'],
    dropped_iterations: ['count==0'],
  },
});

const user = () => poolUser(exec.vu.idInTest);

export function warmup() {
  cachedActiveToken(user(), 25);
}

export function lookup() {
  const token = cachedActiveToken(user(), 25);
  if (!token) return;
  const concertId = randomConcert();
  // A token taken before this test may end during it (TOKEN_MAY_END).
  const { res } = listSeats(token, concertId, randomSchedule(concertId), 'AVAILABLE', undefined, TOKEN_MAY_END);
  if (res.status === 401) forgetToken(user());
}

export const handleSummary = summary('seats-rate');
