// peak: a 1,000-VU burst of browsing: 0 -> 1,000 in 10 s, 30 s at 1,000, down in 10 s.
// Threshold (the reports'): errors 0; latency is reported, not judged.
import { sleep } from 'k6';
import { baseOptions, browse, randomUser, scaled, summary } from './journey.js';

export const options = baseOptions({
  scenarios: {
    peak: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '10s', target: scaled(1000) },
        { duration: '30s', target: scaled(1000) },
        { duration: '10s', target: 0 },
      ],
      gracefulRampDown: '10s',
      gracefulStop: '10s',
    },
  },
  thresholds: { http_req_failed: ['rate==0'], requests_lost: ['count==0'] },
});

export default function () {
  browse(randomUser());
  sleep(1);
}

export const handleSummary = summary('peak');
