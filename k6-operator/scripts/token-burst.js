// token-burst (report 000): 3,000 VUs released at once, each issuing one queue token for a user of
// its own (shared-iterations, 3,000 iterations, 10 s at most; one report lost two thirds of them).
// Thresholds: errors 0 and nothing lost in the burst; every 2xx token exists afterwards.
//
// How "exists afterwards" is proved: the VU that issued a token remembers it, waits until the burst
// window (10 s) plus 2 s is over, then asks GET /queue/status for it. The service answers that
// from Redis alone (QueueRepository.find runs one Lua script over q:tok:<token> and the waiting/
// active sets; a token missing there is 401 TOKEN_INVALID), so 200 with the same token and
// WAITING/ACTIVE means the token is in Redis and still in the queue after the burst. These reads are
// tagged phase=verify and kept out of the burst's thresholds (they judge phase=burst only). Each
// iteration lasts past the window, so no VU issues twice. Every runner logs its tokens (TOKENS ...)
// so a test can look each one up in Redis itself.
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { baseOptions, data, get, integrity, poolUser, post, requireUsers, scaled, summary } from './journey.js';

const USERS = requireUsers(scaled(3000), 'token-burst');
const WINDOW_S = 10;
const tokensIssued = new Counter('tokens_issued');
const tokensLost = new Counter('tokens_lost');

export const options = baseOptions({
  scenarios: {
    burst: { executor: 'shared-iterations', vus: USERS, iterations: USERS, maxDuration: `${WINDOW_S}s` },
  },
  thresholds: {
    'http_req_failed{phase:burst}': ['rate==0'],
    'requests_lost{phase:burst}': ['count==0'],
    data_integrity: ['rate==1'],
    tokens_lost: ['count==0'],
  },
});

export default function () {
  const userId = poolUser(exec.scenario.iterationInTest + 1); // unique over all runners
  const res = post('/queue/token', { userId }, 'issue_token', {}, null, { phase: 'burst' });
  const d = data(res);
  if (!((res.status === 200 || res.status === 201) && d && d.token)) return;
  tokensIssued.add(1);
  console.log(`TOKENS ${d.token}`);

  const wait = (exec.scenario.startTime + (WINDOW_S + 2) * 1000 - Date.now()) / 1000;
  if (wait > 0) sleep(wait);
  const check = get('/queue/status', 'verify_token', { 'User-Token': d.token }, null, { phase: 'verify' });
  const v = data(check);
  const ok = check.status === 200 && !!v && v.token === d.token && (v.status === 'WAITING' || v.status === 'ACTIVE');
  integrity.add(ok, { check: 'token_exists' });
  if (!ok) tokensLost.add(1);
}

export const handleSummary = summary('token-burst');
