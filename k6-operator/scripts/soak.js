// soak: 50 VUs browse for a long hold, SOAK_DURATION (default 30m, at most 4h).
// Threshold (the reports'): errors 0; latency is reported, not judged.
import { sleep } from 'k6';
import { baseOptions, boundedDuration, browse, randomUser, scaled, summary } from './journey.js';

export const options = baseOptions({
  scenarios: {
    soak: { executor: 'constant-vus', vus: scaled(50), duration: boundedDuration('SOAK_DURATION', '30m', 240), gracefulStop: '10s' },
  },
  thresholds: { http_req_failed: ['rate==0'], requests_lost: ['count==0'] },
});

export default function () {
  browse(randomUser());
  sleep(1);
}

export const handleSummary = summary('soak');
