// soak (report 004, 1 CPU / 1 GB): 50 VUs for about 3 m (SOAK_DURATION, default 3m, at most 4h, each), against two targets one after the other, each
// without think time: seat lookup alone, then queue (token issue) alone (journey.js lookupThenQueue).
// Threshold (the report's): errors 0; nothing lost; latency is reported, not judged.
// Where our API differs: seat lookups need an ACTIVE queue token, so each lookup VU first gets one
// (and a new one when it ends).
import { baseOptions, boundedDuration, lookupThenQueue, scaled, summary } from './journey.js';

export { seatLookup, queueToken } from './journey.js';

export const options = baseOptions({
  scenarios: lookupThenQueue({ lookupVus: scaled(50), queueVus: scaled(50), duration: boundedDuration('SOAK_DURATION', '3m', 240) }),
  thresholds: { http_req_failed: ['rate==0'], requests_lost: ['count==0'] },
});

export const handleSummary = summary('soak');
