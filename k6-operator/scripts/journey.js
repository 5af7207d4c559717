// Shared by every scenario script: configuration from __ENV, the booking service's user journey
// step by step (each request tagged with its step), the custom metrics behind the data checks, and
// the end-of-test summary with one machine-readable HEADROOM_SUMMARY line.
//
// This file sits beside the scenario scripts (import './journey.js'), not in a lib/ folder: the
// TestRuns mount one ConfigMap at /test, and a ConfigMap volume is flat, so the layout here is the
// layout in the pod and a script runs the same with `k6 run` locally as in a runner.
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate } from 'k6/metrics';

// --- configuration ------------------------------------------------------------------------------

/** The service; the chart's Service `booking` in namespace `booking`, port 80. */
export const BASE_URL = (__ENV.BASE_URL || 'http://booking.booking.svc').replace(/\/+$/, '');
const API = `${BASE_URL}/api/v1`;

/** 1 = the reports' full size; 0.1 fits a 2-core node. Scales VUs, rates and counts, never durations. */
export const SCALE = positiveNumber('SCALE', 1, 0.001, 10);

/** How many runners share the load (the TestRun's parallelism). */
export const RUNNERS = Math.round(positiveNumber('RUNNERS', 1, 1, 64));

/** The seed the service was loaded with (`make seed SIZE=...`): which ids exist. A copy of
 *  SEED_SIZES in app/src/lib/seed-sizes.ts (k6 cannot import it); an app test holds them equal. */
const SEEDS = {
  small: { users: 1000, concerts: 10, schedulesPerConcert: 5, seatsPerSchedule: 50 },
  large: { users: 100000, concerts: 1000, schedulesPerConcert: 50, seatsPerSchedule: 50 },
};
export const SEED_SIZE = __ENV.SEED || 'small';
if (!SEEDS[SEED_SIZE]) throw new Error(`SEED must be one of ${Object.keys(SEEDS).join(', ')}, not '${SEED_SIZE}'`);
export const SEED = SEEDS[SEED_SIZE];

/** The last RESERVED users are kept out of the general pool: setup/teardown helpers and contention use them. */
const RESERVED = 100;
export const POOL_USERS = SEED.users - RESERVED;
export const reservedUser = (i) => SEED.users - i; // i in 0..RESERVED-1

/** Scales a count by SCALE, never below `min`. */
export function scaled(n, min = 1) {
  return Math.max(min, Math.round(n * SCALE));
}

/**
 * A request-rate threshold for the whole test at this SCALE (req/s summed over runners). k6 judges
 * it per runner, where each runner has 1/RUNNERS of the load; the TestRun controller judges it
 * again on the combined count (k6-operator/controller/src/thresholds.ts), and that is the verdict.
 */
export function wholeRunRate(total) {
  return Math.max(0.1, total * SCALE).toFixed(2);
}

/** Report 002's stages (queue-staged, status-polling, full-journey): 1 m ramps to 1,000, 2,000 and
 *  5,000 VUs, 1 m at 5,000, 1 m down; VUs scaled. */
export function report002Stages() {
  return [1000, 2000, 5000, 5000, 0].map((vus) => ({ duration: '1m', target: vus ? scaled(vus) : 0 }));
}

/** A number from __ENV within [min, max]; `fallback` when unset. */
export function positiveNumber(name, fallback, min, max) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name} must be a number in [${min}, ${max}], not '${raw}'`);
  return v;
}

/** A duration from __ENV (k6 syntax such as '10m') bounded by `max` minutes. */
export function boundedDuration(name, fallback, maxMinutes) {
  const raw = __ENV[name] || fallback;
  const m = /^(\d+)(s|m|h)$/.exec(raw);
  if (!m) throw new Error(`${name} must look like 90s, 10m or 1h, not '${raw}'`);
  const minutes = Number(m[1]) * { s: 1 / 60, m: 1, h: 60 }[m[2]];
  if (minutes <= 0 || minutes > maxMinutes) throw new Error(`${name}=${raw} is outside (0, ${maxMinutes}m]`);
  return raw;
}

/**
 * Think time, as the scenario's env THINK_S sets it ("1", "1.5", or a range "5-10" drawn uniformly).
 * It lives in the scenario's env so `k6 inspect` shows it: test/shapes.mjs compares it with the
 * reports'. No THINK_S: no think time.
 */
export function think() {
  const raw = __ENV.THINK_S;
  if (!raw) return;
  const [lo, hi] = raw.split('-').map(Number);
  sleep(hi === undefined ? lo : lo + Math.random() * (hi - lo));
}

/**
 * Refuses to run when the scenario needs more users than the seed holds (the reports' pools:
 * 3,000 users for token-steady, 100,000 for queue-staged, 10,000 tokens for status-polling):
 * with the small seed, users would repeat and their requests become idempotent replays. `pool`: the
 * users the scenario may take (the general pool unless it needs the reserved ones too).
 */
export function requireUsers(n, what, pool = POOL_USERS) {
  if (n > pool) {
    throw new Error(`${what} needs ${n} distinct users at SCALE=${SCALE}; SEED=${SEED_SIZE} has ${pool}: ` +
      'load the large seed (make seed SIZE=large, or the chart with seed.size=large) and set SEED=large, or lower SCALE');
  }
  return n;
}

/** Options every script shares: bounded request timeout, the trend stats the summary line needs. */
export function baseOptions(extra) {
  return Object.assign({
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
    userAgent: 'headroom-k6',
    setupTimeout: '120s',
    teardownTimeout: '120s',
  }, extra);
}

// --- metrics ------------------------------------------------------------------------------------

/** Requests that got no HTTP answer at all (connection refused/reset, timeout): "no request lost". */
export const requestsLost = new Counter('requests_lost');
/** Data checks: every sample is one verified fact (a token found, an amount matching). */
export const integrity = new Rate('data_integrity');
/** Iterations that gave up waiting in the queue. */
export const queueTimeouts = new Counter('queue_wait_timeouts');

// --- HTTP ---------------------------------------------------------------------------------------

const TIMEOUT = __ENV.REQUEST_TIMEOUT || '30s';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

function params(step, headers, expected, extraTags) {
  const p = { headers: Object.assign({}, JSON_HEADERS, headers), tags: Object.assign({ step }, extraTags), timeout: TIMEOUT };
  if (expected) p.responseCallback = http.expectedStatuses(...expected);
  return p;
}

function record(res, tags) {
  if (res.status === 0) requestsLost.add(1, tags);
  return res;
}

export function get(path, step, headers, expected, tags) {
  return record(http.get(`${API}${path}`, params(step, headers, expected, tags)), tags);
}

export function post(path, body, step, headers, expected, tags) {
  return record(http.post(`${API}${path}`, JSON.stringify(body), params(step, headers, expected, tags)), tags);
}

/** A batch of requests sent concurrently by one VU: [{method, path, body, step, headers}] */
export function batch(reqs) {
  const out = http.batch(reqs.map((r) => ({
    method: r.method,
    url: `${API}${r.path}`,
    body: r.body === undefined ? null : JSON.stringify(r.body),
    params: params(r.step, r.headers, r.expected),
  })));
  out.forEach((res) => record(res));
  return out;
}

/** The `data` of a JSON success body, or undefined. */
export function data(res) {
  try {
    const b = res.json();
    return b && b.data;
  } catch (_) {
    return undefined;
  }
}

export function errorCode(res) {
  try {
    const b = res.json();
    return b && b.error && b.error.code;
  } catch (_) {
    return undefined;
  }
}

/** Seconds to wait after a 429/503 (Retry-After), bounded. */
function retryAfter(res, attempt) {
  const h = Number(res.headers['Retry-After']);
  return Math.min(5, Number.isFinite(h) && h > 0 ? h : 0.2 * 2 ** attempt);
}

const shed = (res) => res.status === 429 || res.status === 503;

/** Sends `send()` again while the service sheds load or the request got no answer, at most `tries` times. */
function withRetry(send, tries = 4) {
  let res;
  for (let attempt = 0; attempt < tries; attempt++) {
    res = send();
    if (!(shed(res) || res.status === 0)) return res;
    sleep(retryAfter(res, attempt));
  }
  return res;
}

/** A key unique across runners, VUs and iterations (an Idempotency-Key must be printable ASCII). */
export function uniqueKey(prefix) {
  const it = exec.vu.iterationInScenario;
  return `${prefix}-${__ENV.TESTID || 'local'}-${exec.vu.idInTest}-${it}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
}

// --- users --------------------------------------------------------------------------------------

export const randomInt = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));
/** A random user of the general pool, below `limit` if given (the reports used 1..3,000). */
export const randomUser = (limit) => randomInt(1, Math.min(limit || POOL_USERS, POOL_USERS));
/** The n-th user of the general pool (1-based), wrapping when n exceeds the seed. */
export const poolUser = (n) => ((n - 1) % POOL_USERS) + 1;

// --- the journey --------------------------------------------------------------------------------

/** POST /queue/token -> the token view ({token, status, position, ...}) or undefined. */
export function issueToken(userId) {
  const res = post('/queue/token', { userId }, 'issue_token');
  const view = data(res);
  const ok = check(res, {
    'token: 201 or 200': (r) => r.status === 201 || r.status === 200,
    'token: has a token': () => !!(view && view.token),
  });
  return ok ? view : undefined;
}

/** GET /queue/status -> {res, view}. */
export function tokenStatus(token, step = 'queue_status') {
  const res = get('/queue/status', step, { 'User-Token': token });
  return { res, view: data(res) };
}

/**
 * Polls the queue every `everyS` seconds until the token is ACTIVE, at most `polls` times (the
 * reports' journey: every 5 s, up to 30 times). Returns true when active.
 */
export function pollActive(token, everyS, polls) {
  for (let i = 0; i < polls; i++) {
    const { res, view } = tokenStatus(token);
    if (res.status === 200 && view && view.status === 'ACTIVE') return true;
    if (res.status === 401) return false;
    if (i + 1 < polls) sleep(everyS);
  }
  queueTimeouts.add(1);
  return false;
}

/**
 * Polls the queue until the token is ACTIVE, with backoff from 0.5 s doubling to 5 s, for at most
 * `maxWaitSeconds`. Returns true when active.
 */
export function waitActive(token, maxWaitSeconds = 120) {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  let delay = 0.5;
  for (;;) {
    const { res, view } = tokenStatus(token);
    if (res.status === 200 && view && view.status === 'ACTIVE') return true;
    if (res.status === 401) return false; // ended or unknown: waiting longer will not help
    if (Date.now() + delay * 1000 > deadline) {
      queueTimeouts.add(1);
      return false;
    }
    sleep(delay);
    delay = Math.min(5, delay * 2);
  }
}

/** Issues a token for `userId` and waits until it is ACTIVE; returns the token or undefined. */
export function activeToken(userId, maxWaitSeconds) {
  const view = issueToken(userId);
  if (!view) return undefined;
  if (view.status === 'ACTIVE') return view.token;
  return waitActive(view.token, maxWaitSeconds) ? view.token : undefined;
}

/**
 * Expected statuses of a gated request made with a long-held token. A token lives
 * ACTIVE_TTL_SECONDS (300 s by default) and issuing again returns the same token until then, so a
 * test can start with one that ends mid-run: its 401 TOKEN_EXPIRED is the service answering
 * correctly, not failing. The caller forgets the token on 401 and fetches a new one.
 */
export const TOKEN_MAY_END = [{ min: 200, max: 399 }, 401];

/**
 * A VU-local ACTIVE token for a fixed user, fetched once and fetched again when the service says it
 * ended (401): the VUs that only read seats hold one token each for the whole test.
 */
const vuTokens = {};
export function cachedActiveToken(userId, maxWaitSeconds) {
  if (!vuTokens[userId]) vuTokens[userId] = activeToken(userId, maxWaitSeconds);
  return vuTokens[userId];
}
export function forgetToken(userId) {
  delete vuTokens[userId];
}

export function listConcerts(page = 1, size = 20) {
  const res = get(`/concerts?page=${page}&size=${size}`, 'list_concerts');
  check(res, { 'concerts: 200': (r) => r.status === 200 });
  return data(res);
}

export function listSchedules(concertId) {
  const res = get(`/concerts/${concertId}/schedules`, 'list_schedules');
  check(res, { 'schedules: 200': (r) => r.status === 200 });
  return data(res) || [];
}

/** GET seats (gated): {res, seats}; `status` filters (AVAILABLE, HELD, SOLD); `expected` statuses
 *  as for get(). */
export function listSeats(token, concertId, scheduleId, status, tags, expected) {
  const q = status ? `?status=${status}` : '';
  const res = get(`/concerts/${concertId}/schedules/${scheduleId}/seats${q}`, 'list_seats', { 'User-Token': token }, expected, tags);
  check(res, { 'seats: 200': (r) => r.status === 200 });
  return { res, seats: data(res) || [] };
}

/** The concert a schedule belongs to in the seed (schedule ids are dense per concert). */
export const concertOf = (scheduleId) => Math.floor((scheduleId - 1) / SEED.schedulesPerConcert) + 1;
export const randomConcert = () => randomInt(1, SEED.concerts);
export const randomSchedule = (concertId) => (concertId - 1) * SEED.schedulesPerConcert + randomInt(1, SEED.schedulesPerConcert);

/**
 * POST /reservations for one of `seats` (AVAILABLE ones, as listed); on 409 another seat is tried,
 * at most `tries` seats, `pauseS` apart (the reports' journey: 5 tries, 1 s). 409 is an expected
 * answer here, not an error. Returns {reservation, seat} or undefined.
 */
export function holdAnySeat(token, scheduleId, seats, tries = 5, pauseS = 0) {
  const candidates = seats.slice();
  for (let i = 0; i < tries && candidates.length > 0; i++) {
    if (i > 0 && pauseS > 0) sleep(pauseS);
    const seat = candidates.splice(randomInt(0, candidates.length - 1), 1)[0];
    const res = withRetry(() => post('/reservations', { scheduleId, seatId: seat.id }, 'hold',
      { 'User-Token': token }, [201, 409]));
    if (res.status === 201) {
      const reservation = data(res);
      check(reservation, { 'hold: HELD with a price': (r) => !!r && r.status === 'HELD' && r.price === seat.price });
      return { reservation, seat };
    }
    if (res.status !== 409) {
      check(res, { 'hold: 201 or 409': () => false });
      return undefined;
    }
  }
  return undefined;
}

/** POST /payments with one Idempotency-Key, retried with the same key when shed or unanswered. */
export function pay(token, reservationId) {
  const key = uniqueKey('pay');
  const res = withRetry(() => post('/payments', { reservationId }, 'pay', { 'User-Token': token, 'Idempotency-Key': key }));
  const payment = data(res);
  check(res, { 'pay: 201 PAID': (r) => r.status === 201 && !!payment && payment.status === 'PAID' });
  return res.status === 201 ? payment : undefined;
}

/** POST /users/{id}/points/charge with one Idempotency-Key, retried with the same key. */
export function chargePoints(userId, amount, tags) {
  const key = uniqueKey('charge');
  const res = withRetry(() => post(`/users/${userId}/points/charge`, { amount }, 'charge', { 'Idempotency-Key': key }, null, tags));
  check(res, { 'charge: 200': (r) => r.status === 200 });
  return res.status === 200 ? data(res) : undefined;
}

export function balanceOf(userId) {
  const res = get(`/users/${userId}/points`, 'balance');
  check(res, { 'balance: 200': (r) => r.status === 200 });
  const d = data(res);
  return d ? d.balance : undefined;
}

/**
 * Browsing as most users do: a queue token, its status, the concerts, a concert's dates and, once
 * active, its available seats. Only the token is a write, and it is idempotent per user.
 */
export function browse(userId) {
  const view = issueToken(userId);
  if (!view) return;
  tokenStatus(view.token);
  listConcerts(randomInt(1, Math.max(1, Math.ceil(SEED.concerts / 20))), 20);
  const concertId = randomConcert();
  const schedules = listSchedules(concertId);
  if (view.status === 'ACTIVE' && schedules.length > 0) {
    listSeats(view.token, concertId, schedules[randomInt(0, schedules.length - 1)].id, 'AVAILABLE');
  }
}

// --- report 004: seat lookup alone, queue alone -------------------------------------------------

/**
 * Report 004 ran each of its tests against two targets, one at a time and without think time:
 * seat lookup alone, then queue (token issue) alone. Here they are two scenarios of one run, the
 * second starting when the first has stopped (its duration plus k6's 30 s graceful stop), with
 * their figures apart by the `scenario` tag. A script exports both functions (export { seatLookup,
 * queueToken } from './journey.js').
 */
export function lookupThenQueue({ lookupVus, queueVus, duration }) {
  const m = /^(\d+)(s|m)$/.exec(duration);
  if (!m) throw new Error(`duration must look like 30s or 5m, not '${duration}'`);
  const seconds = Number(m[1]) * (m[2] === 'm' ? 60 : 1);
  return {
    lookup: { executor: 'constant-vus', exec: 'seatLookup', vus: lookupVus, duration },
    queue: { executor: 'constant-vus', exec: 'queueToken', vus: queueVus, duration, startTime: `${seconds + 30}s` },
  };
}

/** One seat lookup with the VU's own ACTIVE token (the API gates seats behind the queue). */
export function seatLookup() {
  const user = poolUser(exec.vu.idInTest);
  const token = cachedActiveToken(user, 120);
  if (!token) return;
  const concertId = randomConcert();
  const { res } = listSeats(token, concertId, randomSchedule(concertId), 'AVAILABLE', undefined, TOKEN_MAY_END);
  if (res.status === 401) forgetToken(user);
}

/** One token issue for a random user (idempotent per user: 201 the first time, 200 after). */
export function queueToken() {
  issueToken(randomUser());
}

// --- the end-of-test summary ---------------------------------------------------------------------

function executionSegment() {
  try {
    return exec.test.options.executionSegment || null;
  } catch (_) {
    return null;
  }
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);

/**
 * The one line a driver parses from a runner's log: `HEADROOM_SUMMARY {json}`. Counters carry
 * counts, rates carry passes/fails (so runners combine exactly), trends carry their stats
 * (a percentile of several runners can only be bounded from these, not combined).
 */
export function summaryLine(data, scenario) {
  const metrics = {};
  const thresholds = {};
  let failed = 0;
  for (const [name, m] of Object.entries(data.metrics)) {
    const v = m.values;
    if (m.type === 'counter') metrics[name] = { type: 'counter', count: num(v.count), rate: num(v.rate) };
    else if (m.type === 'rate') metrics[name] = { type: 'rate', rate: num(v.rate), passes: v.passes, fails: v.fails };
    else if (m.type === 'gauge') metrics[name] = { type: 'gauge', value: num(v.value), min: num(v.min), max: num(v.max) };
    else {
      metrics[name] = { type: 'trend' };
      for (const [k, x] of Object.entries(v)) metrics[name][k] = num(x);
    }
    for (const [expr, t] of Object.entries(m.thresholds || {})) {
      thresholds[`${name}: ${expr}`] = t.ok;
      if (!t.ok) failed++;
    }
  }
  const d = (data.metrics.http_req_duration || {}).values || {};
  const reqs = (data.metrics.http_reqs || {}).values || {};
  const fail = (data.metrics.http_req_failed || {}).values || {};
  const out = {
    scenario,
    testid: __ENV.TESTID || null,
    scale: SCALE,
    runners: RUNNERS,
    seed: SEED_SIZE,
    executionSegment: executionSegment(),
    durationMs: num(data.state && data.state.testRunDurationMs),
    http_reqs: reqs.count || 0,
    http_req_failed: { rate: num(fail.rate), fails: fail.passes || 0 },
    http_req_duration_ms: { avg: num(d.avg), p90: num(d['p(90)']), p95: num(d['p(95)']), p99: num(d['p(99)']), max: num(d.max) },
    thresholds: { passed: Object.keys(thresholds).length - failed, failed, results: thresholds },
    metrics,
  };
  return `HEADROOM_SUMMARY ${JSON.stringify(out)}`;
}

/** A short human summary: what the default text summary would stress (returning our own stdout replaces it). */
export function textSummary(data, scenario) {
  const lines = [`\n  scenario ${scenario}  scale ${SCALE}  runners ${RUNNERS}  seed ${SEED_SIZE}  base ${BASE_URL}`];
  const names = Object.keys(data.metrics).sort();
  for (const name of names) {
    const m = data.metrics[name];
    const v = m.values;
    let s;
    if (m.type === 'trend') s = `avg=${fmt(v.avg)} p(90)=${fmt(v['p(90)'])} p(95)=${fmt(v['p(95)'])} p(99)=${fmt(v['p(99)'])} max=${fmt(v.max)}`;
    else if (m.type === 'rate') s = `${(100 * v.rate).toFixed(2)}%  ${v.passes} of ${v.passes + v.fails}`;
    else if (m.type === 'counter') s = `${v.count}  ${v.rate.toFixed(2)}/s`;
    else s = `${v.value} (min ${v.min}, max ${v.max})`;
    lines.push(`  ${name.padEnd(34, '.')} ${s}`);
    for (const [expr, t] of Object.entries(m.thresholds || {})) lines.push(`    ${t.ok ? 'PASS' : 'FAIL'} ${expr}`);
  }
  return lines.join('\n') + '\n';
}

const fmt = (ms) => (typeof ms === 'number' ? `${ms.toFixed(1)}ms` : '-');

/** Every script's handleSummary: the text summary, then the HEADROOM_SUMMARY line, on stdout. */
export function summary(scenario) {
  return (data) => ({ stdout: `${textSummary(data, scenario)}\n${summaryLine(data, scenario)}\n` });
}
