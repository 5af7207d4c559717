// decreasing-rate: 600 -> 500 -> 400 -> 300 -> 200 requests/s, 2 s each (10 s), the reports' way to
// find the rate one server holds: the highest step that still meets the SLO.
// Thresholds (the reports'): p95 < 200 ms; errors 0.
// ENDPOINT picks the request: token (default: POST /queue/token), status, concerts or schedules.
// Every request is tagged with its step's target rate (tps), so p95 per step can be read from
// Prometheus: histogram_quantile(0.95, sum by (tps) (rate(k6_http_req_duration_seconds[...]))).
import exec from 'k6/execution';
import { baseOptions, get, issueToken, post, randomConcert, randomUser, scaled, summary } from './journey.js';

const STEPS = [600, 500, 400, 300, 200].map((r) => scaled(r));
const STEP_S = 2;
const ENDPOINT = __ENV.ENDPOINT || 'token';
if (!['token', 'status', 'concerts', 'schedules'].includes(ENDPOINT)) {
  throw new Error(`ENDPOINT must be token, status, concerts or schedules, not '${ENDPOINT}'`);
}

const stages = [];
for (const rate of STEPS) stages.push({ duration: '0s', target: rate }, { duration: `${STEP_S}s`, target: rate });

export const options = baseOptions({
  scenarios: {
    decreasing: {
      executor: 'ramping-arrival-rate', startRate: STEPS[0], timeUnit: '1s', stages,
      preAllocatedVUs: scaled(200), maxVUs: scaled(600), gracefulStop: '10s',
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<200'],
    http_req_failed: ['rate==0'],
  },
});


export function setup() {
  if (ENDPOINT !== 'status') return {};
  // One token per user of a small set, issued before the clock starts.
  const out = {};
  for (let u = 1; u <= 50; u++) {
    const view = issueToken(u);
    if (view) out[u] = view.token;
  }
  return out;
}

export default function (setupTokens) {
  const step = Math.min(STEPS.length - 1, Math.floor((Date.now() - exec.scenario.startTime) / (STEP_S * 1000)));
  const tags = { tps: String(STEPS[step]) };
  if (ENDPOINT === 'token') post('/queue/token', { userId: randomUser() }, 'issue_token', {}, null, tags);
  else if (ENDPOINT === 'status') {
    const ids = Object.keys(setupTokens);
    const token = setupTokens[ids[Math.floor(Math.random() * ids.length)]];
    get('/queue/status', 'queue_status', { 'User-Token': token }, null, tags);
  } else if (ENDPOINT === 'concerts') get('/concerts?page=1&size=20', 'list_concerts', {}, null, tags);
  else get(`/concerts/${randomConcert()}/schedules`, 'list_schedules', {}, null, tags);
}

export const handleSummary = summary('decreasing-rate');
