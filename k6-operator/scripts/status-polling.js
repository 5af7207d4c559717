// status-polling: 10,000 queue tokens polled by up to 5,000 VUs, 1.5 s think time.
// Thresholds (the reports'): p99 < 500 ms; errors < 0.5%; > 1,000 req/s; checks > 99.99%.
// First the tokens are issued (users 1..10,000, 50 per batch); then the pollers pick a random one
// of those users, get its token once (issuing is idempotent per user: the same token comes back
// with 200) and poll GET /queue/status. Thresholds judge the polling scenario only.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { baseOptions, batch, wholeRunRate, poolUser, randomInt, scaled, summary, tokenStatus, issueToken } from './journey.js';

const TOKENS = scaled(10000);
const BATCH = 50;
const ISSUE_ITERATIONS = Math.ceil(TOKENS / BATCH);

export const options = baseOptions({
  batch: BATCH,
  batchPerHost: BATCH,
  scenarios: {
    issue: {
      executor: 'shared-iterations', exec: 'issue', vus: Math.min(ISSUE_ITERATIONS, scaled(20)),
      iterations: ISSUE_ITERATIONS, maxDuration: '40s', gracefulStop: '5s',
    },
    poll: {
      executor: 'ramping-vus', exec: 'poll', startTime: '45s', startVUs: 0,
      stages: [
        { duration: '60s', target: scaled(5000) },
        { duration: '60s', target: scaled(5000) },
        { duration: '20s', target: 0 },
      ],
      gracefulRampDown: '5s',
      gracefulStop: '10s',
    },
  },
  thresholds: {
    'http_req_duration{scenario:poll}': ['p(99)<500'],
    'http_req_failed{scenario:poll}': ['rate<0.005'],
    'http_reqs{scenario:poll}': [`rate>${wholeRunRate(1000)}`],
    'checks{scenario:poll}': ['rate>0.9999'],
  },
});

export function issue() {
  const first = exec.scenario.iterationInTest * BATCH + 1;
  const reqs = [];
  for (let n = first; n < first + BATCH && n <= TOKENS; n++) {
    reqs.push({ method: 'POST', path: '/queue/token', body: { userId: poolUser(n) }, step: 'issue_token' });
  }
  batch(reqs).forEach((res) => check(res, { 'token: 201 or 200': (r) => r.status === 201 || r.status === 200 }));
}

const tokens = {}; // user -> token, per VU
export function poll() {
  const userId = poolUser(randomInt(1, TOKENS));
  if (!tokens[userId]) {
    const view = issueToken(userId);
    if (!view) return;
    tokens[userId] = view.token;
  }
  const { res, view } = tokenStatus(tokens[userId]);
  check(res, { 'status: 200 WAITING or ACTIVE': (r) => r.status === 200 && !!view && (view.status === 'WAITING' || view.status === 'ACTIVE') });
  // An ACTIVE token expires after ACTIVE_TTL_SECONDS; the user then asks for a new one.
  if (res.status === 401) delete tokens[userId];
  sleep(1.5);
}

export const handleSummary = summary('status-polling');
