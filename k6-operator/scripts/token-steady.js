// token-steady: 100 VUs issue queue tokens for random users 1..3,000 for 30 s, 1 s think time.
// Thresholds (the reports'): p95 < 200 ms; errors < 1%.
import { baseOptions, issueToken, randomUser, requireUsers, scaled, summary, think } from './journey.js';

const USERS = requireUsers(scaled(3000), 'token-steady');

export const options = baseOptions({
  scenarios: {
    tokens: { executor: 'constant-vus', vus: scaled(100), duration: '30s', env: { THINK_S: '1' } },
  },
  thresholds: {
    http_req_duration: ['p(95)<200'],
    http_req_failed: ['rate<0.01'],
  },
});

export default function () {
  issueToken(randomUser(USERS));
  think();
}

export const handleSummary = summary('token-steady');
