// token-steady: 100 VUs issue queue tokens for random users 1..3,000 for 30 s, 1 s think time.
// Thresholds (the reports'): p95 < 200 ms; errors < 1%.
import { sleep } from 'k6';
import { baseOptions, issueToken, randomUser, scaled, summary } from './journey.js';

export const options = baseOptions({
  scenarios: {
    tokens: { executor: 'constant-vus', vus: scaled(100), duration: '30s', gracefulStop: '10s' },
  },
  thresholds: {
    http_req_duration: ['p(95)<200'],
    http_req_failed: ['rate<0.01'],
  },
});

export default function () {
  issueToken(randomUser(3000));
  sleep(1);
}

export const handleSummary = summary('token-steady');
