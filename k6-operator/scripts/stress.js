// stress: browsing VUs ramp 0 -> 100 -> 200 -> 300 a minute per step, hold 1 m, ramp down.
// Threshold (the reports'): errors 0; latency is reported, not judged.
import { sleep } from 'k6';
import { baseOptions, browse, randomUser, scaled, summary } from './journey.js';

export const options = baseOptions({
  scenarios: {
    stress: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '1m', target: scaled(100) },
        { duration: '1m', target: scaled(200) },
        { duration: '1m', target: scaled(300) },
        { duration: '1m', target: scaled(300) },
        { duration: '30s', target: 0 },
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

export const handleSummary = summary('stress');
