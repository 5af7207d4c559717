// decreasing-rate (report 003, the per-server TPS method): VUs jump to 600 in 1 s, then 500, 400,
// 300 over 2 s each and 200 over 3 s, each VU issuing a request every 0.5 s (up to ~1,200 req/s at
// the start). The report compared the share of responses under 200 ms (44 %, 45 %, 100 % on its
// three machines; 7,764 requests, 748 req/s on 2 CPU / 2 GB): here the check
// 'under 200 ms' and the `under_200ms` rate.
// Thresholds (the report's): p95 < 200 ms; errors 0. Checks: status 201 (or 200: issuing again for
// the same user is idempotent in our API), response < 200 ms.
// SHAPE=arrival: our earlier variant, equal 2 s arrival-rate steps of 600 -> 200 req/s.
// ENDPOINT picks the request: token (default: POST /queue/token), status, concerts or schedules.
// Every request is tagged with its step (tps = the step's VUs, or its rate for SHAPE=arrival), so
// p95 per step can be read from Prometheus: histogram_quantile(0.95, sum by (tps) (...)).
import { check } from 'k6';
import exec from 'k6/execution';
import { Rate } from 'k6/metrics';
import { baseOptions, get, issueToken, post, randomConcert, randomUser, scaled, summary, think } from './journey.js';

const SHAPE = __ENV.SHAPE || 'vus';
if (!['vus', 'arrival'].includes(SHAPE)) throw new Error(`SHAPE must be vus or arrival, not '${SHAPE}'`);
const ENDPOINT = __ENV.ENDPOINT || 'token';
if (!['token', 'status', 'concerts', 'schedules'].includes(ENDPOINT)) {
  throw new Error(`ENDPOINT must be token, status, concerts or schedules, not '${ENDPOINT}'`);
}
const under200 = new Rate('under_200ms');

// The report's stages: [duration s, target VUs].
const VU_STAGES = [[1, 600], [2, 500], [2, 400], [2, 300], [3, 200]].map(([d, t]) => [d, scaled(t)]);
const RATES = [600, 500, 400, 300, 200].map((r) => scaled(r));
const STEP_S = 2;

const scenario = SHAPE === 'vus'
  ? {
    executor: 'ramping-vus', startVUs: 0, env: { THINK_S: '0.5' },
    stages: VU_STAGES.map(([d, t]) => ({ duration: `${d}s`, target: t })),
  }
  : {
    executor: 'ramping-arrival-rate', startRate: RATES[0], timeUnit: '1s',
    stages: RATES.flatMap((r) => [{ duration: '0s', target: r }, { duration: `${STEP_S}s`, target: r }]),
    preAllocatedVUs: scaled(200), maxVUs: scaled(600),
  };

export const options = baseOptions({
  scenarios: { decreasing: scenario },
  thresholds: {
    http_req_duration: ['p(95)<200'],
    http_req_failed: ['rate==0'],
  },
});

/** The step the test is in now, as its tag value. */
function stepTag() {
  const s = (Date.now() - exec.scenario.startTime) / 1000;
  if (SHAPE === 'arrival') return String(RATES[Math.min(RATES.length - 1, Math.floor(s / STEP_S))]);
  let end = 0;
  for (const [d, t] of VU_STAGES) {
    end += d;
    if (s < end) return String(t);
  }
  return String(VU_STAGES[VU_STAGES.length - 1][1]);
}

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
  const tags = { tps: stepTag() };
  let res;
  if (ENDPOINT === 'token') res = post('/queue/token', { userId: randomUser() }, 'issue_token', {}, null, tags);
  else if (ENDPOINT === 'status') {
    const ids = Object.keys(setupTokens);
    res = get('/queue/status', 'queue_status', { 'User-Token': setupTokens[ids[Math.floor(Math.random() * ids.length)]] }, null, tags);
  } else if (ENDPOINT === 'concerts') res = get('/concerts?page=1&size=20', 'list_concerts', {}, null, tags);
  else res = get(`/concerts/${randomConcert()}/schedules`, 'list_schedules', {}, null, tags);
  const fast = res.timings.duration < 200;
  under200.add(fast, tags);
  check(res, {
    [ENDPOINT === 'token' ? 'status 201 (200: issued before)' : 'status 200']: (r) => (ENDPOINT === 'token' ? r.status === 201 || r.status === 200 : r.status === 200),
    'response < 200 ms': () => fast,
  }, tags);
  think();
}

export const handleSummary = summary('decreasing-rate');
