// token-burst: 3,000 users each issue a queue token once, all within 10 s (one report lost two
// thirds of them). Thresholds: every 2xx token exists afterwards; errors 0.
//
// How "exists afterwards" is proved: each VU issues the tokens of its own users concurrently
// (http.batch), remembers them, waits until the whole burst window is over, then asks
// GET /queue/status for each. The service answers that from Redis alone (QueueRepository.find runs
// one Lua script over q:tok:<token> and the waiting/active sets; a token missing there is
// 401 TOKEN_INVALID), so 200 with the same token and WAITING/ACTIVE means the token is in Redis and
// still in the queue after the burst. The check is done by the VU that issued the token because k6
// gives teardown() no way to see what VUs collected, and under k6-operator every runner runs its
// own teardown anyway.
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { baseOptions, batch, data, integrity, poolUser, scaled, summary } from './journey.js';

const USERS = scaled(3000);
const PER_VU = 30; // tokens one VU issues at once; VUs = USERS / PER_VU
const VUS = Math.ceil(USERS / PER_VU);
const WINDOW_S = 10;
const tokensIssued = new Counter('tokens_issued');
const tokensLost = new Counter('tokens_lost');

export const options = baseOptions({
  // http.batch sends at most `batchPerHost` requests at a time: let the whole batch go at once.
  batch: PER_VU,
  batchPerHost: PER_VU,
  scenarios: {
    burst: { executor: 'per-vu-iterations', vus: VUS, iterations: 1, maxDuration: '90s', gracefulStop: '30s' },
  },
  thresholds: {
    http_req_failed: ['rate==0'],
    requests_lost: ['count==0'],
    data_integrity: ['rate==1'],
    tokens_lost: ['count==0'],
  },
});

export default function () {
  const vu = exec.vu.idInTest; // unique over all runners: 1..VUS
  const first = (vu - 1) * PER_VU + 1;
  const users = [];
  for (let n = first; n < first + PER_VU && n <= USERS; n++) users.push(poolUser(n));
  if (users.length === 0) return;

  // Spread the VUs over the window so the burst arrives within 10 s, not in one instant.
  const started = exec.scenario.startTime;
  sleep(((vu - 1) / VUS) * WINDOW_S);
  const issued = batch(users.map((userId) => ({ method: 'POST', path: '/queue/token', body: { userId }, step: 'issue_token' })));
  const tokens = [];
  issued.forEach((res) => {
    const d = data(res);
    if ((res.status === 200 || res.status === 201) && d && d.token) tokens.push(d.token);
  });
  tokensIssued.add(tokens.length);
  // One log line per VU with its tokens: a test can then look each one up in Redis itself.
  if (tokens.length) console.log(`TOKENS ${tokens.join(' ')}`);

  // After the window (plus 2 s for the slowest answers) every 2xx token must still be there.
  const wait = (started + (WINDOW_S + 2) * 1000 - Date.now()) / 1000;
  if (wait > 0) sleep(wait);
  const verified = batch(tokens.map((token) => ({ method: 'GET', path: '/queue/status', headers: { 'User-Token': token }, step: 'verify_token' })));
  verified.forEach((res, i) => {
    const d = data(res);
    const ok = res.status === 200 && !!d && d.token === tokens[i] && (d.status === 'WAITING' || d.status === 'ACTIVE');
    integrity.add(ok, { check: 'token_exists' });
    if (!ok) tokensLost.add(1);
  });
}

export const handleSummary = summary('token-burst');
