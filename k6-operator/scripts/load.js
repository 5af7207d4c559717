// load: 100 VUs browse for 1 m. Threshold (the reports'): errors 0; latency is reported, not judged.
import { sleep } from 'k6';
import { baseOptions, browse, randomUser, scaled, summary } from './journey.js';

export const options = baseOptions({
  scenarios: { load: { executor: 'constant-vus', vus: scaled(100), duration: '1m', gracefulStop: '10s' } },
  thresholds: { http_req_failed: ['rate==0'], requests_lost: ['count==0'] },
});

export default function () {
  browse(randomUser());
  sleep(1);
}

export const handleSummary = summary('load');
