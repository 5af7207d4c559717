// queue-staged (report 002): VUs ramp linearly 1 m -> 1,000, 1 m -> 2,000, 1 m -> 5,000, hold 1 m,
// 1 m -> 0; each issues a queue token for a random user of 1..100,000, then thinks 1 s.
// Thresholds (the report's): p95 < 1 s; errors < 1%; > 500 req/s; checks > 99.9%. Checks: status,
// a token, an estimatedWaitingTime.
// The request-rate threshold is the whole test's: the TestRun controller judges it on all runners together.
import { check } from 'k6';
import { baseOptions, data, post, randomInt, report002Stages, requireUsers, scaled, SEED, summary, think, wholeRunRate } from './journey.js';

// Users 1..100,000 as the report: the whole large seed, the 100 reserved users included (nothing
// that uses them runs at the same time).
const USERS = requireUsers(scaled(100000), 'queue-staged', SEED.users);

export const options = baseOptions({
  scenarios: {
    staged: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: report002Stages(),
      env: { THINK_S: '1' },
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<1000'],
    http_req_failed: ['rate<0.01'],
    http_reqs: [`rate>${wholeRunRate(500)}`],
    checks: ['rate>0.999'],
  },
});

export default function () {
  const res = post('/queue/token', { userId: randomInt(1, USERS) }, 'issue_token');
  const view = data(res);
  check(res, {
    'token: 201 or 200': (r) => r.status === 201 || r.status === 200,
    'token: has a token': () => !!(view && view.token),
    'token: has an estimatedWaitingTime': () => !!view && typeof view.estimatedWaitingTime === 'number',
  });
  think();
}

export const handleSummary = summary('queue-staged');
