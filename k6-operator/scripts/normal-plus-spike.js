// normal-plus-spike: 50 VUs browse for 1 m while a spike ramps 0 -> 400 VUs in 10 s, holds 30 s and
// leaves in 10 s, starting at 10 s. The load `make experiment` replays with the HPA on.
// FLOW=browse (default): each iteration browses as most users do (journey.js browse: a token, its
// status, concerts, a concert's dates and, once active, its seats), then thinks 1 s. This is what
// make experiment replays: a sale's spike hits the whole read path (Redis and PostgreSQL), and the
// p95 bound judges it. Thresholds: no request lost; p95 < P95_MS (default 500 ms); errors < 1%.
// FLOW=token: report 000 as it ran: each iteration issues a queue token only, and no thresholds.
import { baseOptions, browse, issueToken, positiveNumber, randomUser, scaled, summary, think } from './journey.js';

const FLOW = __ENV.FLOW || 'browse';
if (!['browse', 'token'].includes(FLOW)) throw new Error(`FLOW must be browse or token, not '${FLOW}'`);

/** The p95 bound in ms: the reports' 500 unless the SLO being checked is another. */
const P95_MS = positiveNumber('P95_MS', 500, 0.001, 60000);

export const options = baseOptions({
  scenarios: {
    normal: { executor: 'constant-vus', vus: scaled(50), duration: '1m', env: { THINK_S: '1' } },
    spike: {
      executor: 'ramping-vus',
      startTime: '10s',
      startVUs: 0,
      stages: [
        { duration: '10s', target: scaled(400) },
        { duration: '30s', target: scaled(400) },
        { duration: '10s', target: 0 },
      ],
      env: { THINK_S: '1' },
    },
  },
  thresholds: FLOW === 'token' ? {} : {
    requests_lost: ['count==0'],
    http_req_duration: [`p(95)<${P95_MS}`],
    http_req_failed: ['rate<0.01'],
  },
});

export default function () {
  if (FLOW === 'token') issueToken(randomUser());
  else browse(randomUser());
  think();
}

export const handleSummary = summary('normal-plus-spike');
