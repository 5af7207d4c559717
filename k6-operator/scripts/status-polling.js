// status-polling (report 002): setup() issues 10,000 queue tokens; then VUs ramp 1 m -> 1,000,
// 1 m -> 2,000, 1 m -> 5,000, hold 1 m, 1 m -> 0, and only poll GET /queue/status of one of those
// tokens, 1.5 s apart.
// Thresholds (the report's): p99 < 500 ms; errors < 0.5%; > 1,000 req/s; checks > 99.99%; all of
// the polling scenario only (setup's token issues are not judged).
// Where our API differs: an ACTIVE token ends after ACTIVE_TTL_SECONDS (300 s); polling it then
// answers 401 TOKEN_EXPIRED, which the check accepts as the service answering correctly.
import { check } from 'k6';
import { baseOptions, batch, data, errorCode, get, poolUser, randomInt, report002Stages, requireUsers, scaled, summary, think, wholeRunRate } from './journey.js';

const TOKENS = requireUsers(scaled(10000), 'status-polling');
const BATCH = 50;

export const options = baseOptions({
  batch: BATCH,
  batchPerHost: BATCH,
  scenarios: {
    poll: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: report002Stages(),
      env: { THINK_S: '1.5' },
    },
  },
  thresholds: {
    'http_req_duration{scenario:poll}': ['p(99)<500'],
    'http_req_failed{scenario:poll}': ['rate<0.005'],
    'http_reqs{scenario:poll}': [`rate>${wholeRunRate(1000)}`],
    'checks{scenario:poll}': ['rate>0.9999'],
  },
});

/** The tokens of users 1..TOKENS, issued 50 at a time (every runner issues the same: idempotent). */
export function setup() {
  const tokens = [];
  for (let first = 1; first <= TOKENS; first += BATCH) {
    const reqs = [];
    for (let n = first; n < first + BATCH && n <= TOKENS; n++) reqs.push({ method: 'POST', path: '/queue/token', body: { userId: poolUser(n) }, step: 'issue_token' });
    for (const res of batch(reqs)) {
      const d = data(res);
      if (d && d.token) tokens.push(d.token);
    }
  }
  if (tokens.length < TOKENS) throw new Error(`setup issued ${tokens.length} of ${TOKENS} tokens`);
  return { tokens };
}

export default function ({ tokens }) {
  const res = get('/queue/status', 'queue_status', { 'User-Token': tokens[randomInt(0, tokens.length - 1)] }, [200, 401]);
  const view = data(res);
  check(res, {
    'status: 200 WAITING or ACTIVE (or 401 once its active time ended)': (r) =>
      (r.status === 200 && !!view && (view.status === 'WAITING' || view.status === 'ACTIVE')) ||
      (r.status === 401 && errorCode(r) === 'TOKEN_EXPIRED'),
  });
  think();
}

export const handleSummary = summary('status-polling');
