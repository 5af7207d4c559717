// normal-plus-spike: 50 VUs browse for 1 m while a spike ramps 0 -> 400 VUs in 10 s, holds 30 s and
// leaves in 10 s, starting at 10 s. The load `make experiment` replays with the HPA on.
// Thresholds (the reports'): no request lost; p95 < P95_MS (default 500 ms); errors < 1%.
import { sleep } from 'k6';
import { baseOptions, browse, positiveNumber, randomUser, scaled, summary } from './journey.js';

/** The p95 bound in ms: the reports' 500 unless the SLO being checked is another. */
const P95_MS = positiveNumber('P95_MS', 500, 0.001, 60000);

export const options = baseOptions({
  scenarios: {
    normal: { executor: 'constant-vus', vus: scaled(50), duration: '1m', gracefulStop: '10s' },
    spike: {
      executor: 'ramping-vus',
      startTime: '10s',
      startVUs: 0,
      stages: [
        { duration: '10s', target: scaled(400) },
        { duration: '30s', target: scaled(400) },
        { duration: '10s', target: 0 },
      ],
      gracefulRampDown: '10s',
      gracefulStop: '10s',
    },
  },
  thresholds: {
    requests_lost: ['count==0'],
    http_req_duration: [`p(95)<${P95_MS}`],
    http_req_failed: ['rate<0.01'],
  },
});

export default function () {
  browse(randomUser());
  sleep(1);
}

export const handleSummary = summary('normal-plus-spike');
