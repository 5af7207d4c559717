// drain: a steady arrival rate against one booking release while charts/test/in-cluster.sh restarts
// and rescales it. Every answer outside 2xx and every transport error (status 0: reset, refused,
// timeout) is a failed request, and the threshold allows none: a pod that leaves the Service must
// finish what it took and take nothing new. Each failure is logged with its time, so it can be
// laid beside the rollout's events. Env: BASE_URL (http://<release>.<namespace>.svc), RATE
// (requests/s), DURATION (seconds), USERS (seeded user ids 1..USERS).
import http from 'k6/http';
import exec from 'k6/execution';

const BASE = `${__ENV.BASE_URL}/api/v1`;
const RATE = Number(__ENV.RATE || 30);
const DURATION_S = Number(__ENV.DURATION || 150);
const USERS = Number(__ENV.USERS || 1000);
if (!__ENV.BASE_URL) throw new Error('BASE_URL is required');
if (!(RATE > 0 && RATE <= 200)) throw new Error(`RATE must be within 1..200, not '${__ENV.RATE}'`);
if (!(DURATION_S >= 10 && DURATION_S <= 600)) throw new Error(`DURATION must be within 10..600, not '${__ENV.DURATION}'`);
// The drain test wants no 3xx either: the service never redirects.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));

export const options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: `${DURATION_S}s`,
      preAllocatedVUs: Math.ceil(RATE / 3), maxVUs: RATE * 2, gracefulStop: '15s',
    },
  },
  thresholds: { http_req_failed: ['rate==0'] },
  summaryTrendStats: ['med', 'p(95)', 'max'],
};

// A request stuck on a dead connection must fail inside the run, not after k6's 60 s default.
const params = (name) => ({ tags: { name }, timeout: '10s', headers: { 'Content-Type': 'application/json' } });
let logged = 0;

function record(res, name) {
  if (res.status >= 200 && res.status < 300) return;
  if (logged++ < 50) {
    console.warn(`${new Date().toISOString()} FAILED ${name} vu=${exec.vu.idInTest} status=${res.status}` +
      ` error_code=${res.error_code} error=${JSON.stringify(res.error)} body=${JSON.stringify(String(res.body || '').slice(0, 120))}`);
  }
}

export function setup() {
  const res = http.get(`${BASE}/concerts`, params('setup_concerts'));
  const rows = res.status === 200 ? res.json('data.items') : null;
  if (!rows || rows.length === 0) throw new Error(`GET /concerts answered ${res.status} without seeded concerts: ${String(res.body).slice(0, 200)}`);
}

export default function () {
  if (Math.random() < 0.5) {
    record(http.get(`${BASE}/concerts`, params('list_concerts')), 'GET /concerts');
  } else {
    const userId = 1 + Math.floor(Math.random() * USERS);
    record(http.post(`${BASE}/queue/token`, JSON.stringify({ userId }), params('issue_token')), 'POST /queue/token');
  }
}

export function handleSummary(data) {
  const m = data.metrics;
  const total = m.http_reqs ? m.http_reqs.values.count : 0;
  const failed = m.http_req_failed ? m.http_req_failed.values.passes : 0;
  const dropped = m.dropped_iterations ? m.dropped_iterations.values.count : 0;
  const d = m.http_req_duration ? m.http_req_duration.values : {};
  const ms = (v) => (v === undefined ? '-' : `${v.toFixed(1)}ms`);
  return {
    stdout: `drain: ${total} requests, ${failed} failed, ${dropped} dropped iterations;` +
      ` duration med ${ms(d.med)} p95 ${ms(d['p(95)'])} max ${ms(d.max)}\n`,
  };
}
