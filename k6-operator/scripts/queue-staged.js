// queue-staged: 1,000 -> 2,000 -> 5,000 VUs over 5 m issue queue tokens, 1 s think time.
// Thresholds (the reports'): p95 < 1 s; errors < 1%; > 500 req/s; checks > 99.9%.
// The request-rate threshold is the whole test's: the TestRun controller judges it on all runners together.
import { sleep } from 'k6';
import { baseOptions, issueToken, wholeRunRate, randomUser, scaled, summary } from './journey.js';

export const options = baseOptions({
  scenarios: {
    staged: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '30s', target: scaled(1000) },
        { duration: '60s', target: scaled(1000) },
        { duration: '30s', target: scaled(2000) },
        { duration: '60s', target: scaled(2000) },
        { duration: '30s', target: scaled(5000) },
        { duration: '60s', target: scaled(5000) },
        { duration: '30s', target: 0 },
      ],
      gracefulRampDown: '10s',
      gracefulStop: '10s',
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<1000'],
    http_req_failed: ['rate<0.01'],
    http_reqs: [`rate>${wholeRunRate(500)}`],
    checks: ['rate>0.999'],
  },
});

export default function () {
  issueToken(randomUser());
  sleep(1);
}

export const handleSummary = summary('queue-staged');
