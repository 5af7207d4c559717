// The reports' tests as they ran them, at SCALE=1 with the large seed: what `shapes.mjs` compares
// every scenario script with (through `k6 inspect`). Facts from the reports (000-004) as issue 11
// quotes them, and DESIGN.md's table. Durations in seconds; stages as [seconds, target]; think =
// the scenario's THINK_S (journey.js think()), null = none.
// `ours`: thresholds the report did not have, with why we keep them. `differences`: every place
// where the script is not the report's test, with the reason (our API, or a choice).
const STAGED_5M = [[60, 1000], [60, 2000], [60, 5000], [60, 5000], [60, 0]];

/** Report 004: two targets, one after the other (journey.js lookupThenQueue), no think time. */
const report004 = (lookupVus, queueVus, seconds) => ({
  report: '004 (1 CPU / 1 GB)',
  scenarios: {
    lookup: { executor: 'constant-vus', exec: 'seatLookup', vus: lookupVus, duration: seconds, think: null },
    queue: { executor: 'constant-vus', exec: 'queueToken', vus: queueVus, duration: seconds, startTime: seconds + 30, think: null },
  },
  thresholds: { http_req_failed: ['rate==0'] },
  ours: { requests_lost: [['count==0'], 'a request with no answer at all is counted apart from HTTP errors'] },
  differences: [
    'the report ran seat lookup and queue as two separate tests; here they are two scenarios of one run, the queue starting once the lookups have stopped (their duration + the 30 s graceful stop), with figures apart by the scenario tag',
    'seat lookups need an ACTIVE queue token in our API: each lookup VU first gets one (and a new one when it ends, a 401 then being expected)',
  ],
});

export const SHAPES = {
  'normal-plus-spike': {
    report: '000',
    scenarios: {
      normal: { executor: 'constant-vus', vus: 50, duration: 60, think: '1' },
      spike: { executor: 'ramping-vus', startTime: 10, startVUs: 0, stages: [[10, 400], [30, 400], [10, 0]], think: '1' },
    },
    thresholds: {},
    ours: {
      requests_lost: [['count==0'], 'DESIGN.md: no request lost'],
      http_req_duration: [['p(95)<500'], 'DESIGN.md: the p95 bound the experiments check (P95_MS)'],
      http_req_failed: [['rate<0.01'], 'DESIGN.md: errors < 1%'],
    },
    differences: [
      'FLOW=browse (default): each iteration browses (token, status, concerts, dates, seats) instead of issuing a token only: make experiment replays this, as a sale\'s spike hits the whole read path; FLOW=token is the report\'s token-only test with no thresholds',
      'think time 1 s: not given in the report facts we have; kept from the earlier script',
    ],
  },
  'normal-plus-spike FLOW=token': {
    report: '000',
    env: { FLOW: 'token' },
    script: 'normal-plus-spike',
    scenarios: {
      normal: { executor: 'constant-vus', vus: 50, duration: 60, think: '1' },
      spike: { executor: 'ramping-vus', startTime: 10, startVUs: 0, stages: [[10, 400], [30, 400], [10, 0]], think: '1' },
    },
    thresholds: {},
    ours: {},
    differences: ['think time 1 s: not given in the report facts we have; kept from the earlier script'],
  },
  'token-burst': {
    report: '000',
    scenarios: { burst: { executor: 'shared-iterations', vus: 3000, iterations: 3000, maxDuration: 10 } },
    thresholds: { 'http_req_failed{phase:burst}': ['rate==0'] },
    ours: {
      'requests_lost{phase:burst}': [['count==0'], 'a request with no answer at all is counted apart from HTTP errors'],
      data_integrity: [['rate==1'], 'DESIGN.md: every 2xx token exists afterwards (one report lost two thirds)'],
      tokens_lost: [['count==0'], 'the same, as a count'],
    },
    differences: ['each VU reads its token back after the 10 s window (+2 s), tagged phase=verify and kept out of the burst\'s thresholds'],
  },
  'token-steady': {
    report: 'DESIGN.md',
    scenarios: { tokens: { executor: 'constant-vus', vus: 100, duration: 30, think: '1' } },
    thresholds: { http_req_duration: ['p(95)<200'], http_req_failed: ['rate<0.01'] },
    ours: {},
    differences: [],
  },
  'hot-and-cold': {
    report: 'DESIGN.md',
    scenarios: {
      cold: { executor: 'constant-arrival-rate', exec: 'cold', rate: 2, duration: 75, preAllocatedVUs: 4, maxVUs: 10 },
      hot: { executor: 'constant-vus', exec: 'hot', vus: 1000, duration: 60, startTime: 15 },
    },
    thresholds: { 'http_req_failed{scenario:cold}': ['rate==0'] },
    ours: {
      'requests_lost{scenario:cold}': [['count==0'], 'a request with no answer at all is counted apart from HTTP errors'],
      'http_req_duration{scenario:cold}': [['p(95)<500'], 'A must also stay fast, not only answer'],
      'http_req_duration{scenario:hot}': [['max>=0'], 'always true: makes k6 report B\'s latency apart'],
    },
    differences: ['the trickle is 2 lookups/s for 75 s, starting 15 s before B so its tokens are ACTIVE first; B\'s VUs pause 0.1 s between lookups'],
  },
  'seats-rate': {
    report: '001',
    scenarios: {
      warmup: { executor: 'per-vu-iterations', exec: 'warmup', vus: 100, iterations: 1, maxDuration: 30, gracefulStop: 0 },
      lookups: { executor: 'constant-arrival-rate', exec: 'lookup', startTime: 30, rate: 50, duration: 5, preAllocatedVUs: 20, maxVUs: 100, think: '1' },
    },
    thresholds: { 'http_req_duration{scenario:lookups}': ['p(95)<200'], 'http_req_failed{scenario:lookups}': ['rate<0.01'] },
    ours: {},
    differences: ['a 30 s warm-up first gives every VU an ACTIVE queue token (our API gates seats behind the queue); it is not judged'],
  },
  contention: {
    report: '001',
    scenarios: {
      holders: { executor: 'per-vu-iterations', exec: 'hold', vus: 50, iterations: 50, maxDuration: 180, think: '1' },
      chargers: { executor: 'constant-vus', exec: 'charge', vus: 10, duration: 5, startTime: 5, think: '1' },
    },
    thresholds: {
      'http_req_failed{scenario:holders}': ['rate<0.1'],
      'http_req_duration{scenario:holders}': ['p(95)<500'],
      'http_req_duration{scenario:chargers}': ['p(95)<200'],
    },
    ours: {
      holds_won: [['count==1'], 'the invariant the report was after: exactly one hold of the seat'],
      hold_attempts: [['count==2500'], 'every attempt was made (50 VUs x 50)'],
      charge_ledger: [['count==0'], 'the balance moved by exactly the successful charges'],
      charges_ok: [['count>0'], 'the ledger check means something only if charges went through'],
      data_integrity: [['rate==1'], 'the balance and the seat map were read back'],
      requests_lost: [['count==0'], 'a request with no answer at all is counted apart from HTTP errors'],
    },
    differences: [
      'holders first get ACTIVE tokens, then all send their first hold at one instant (30 s after setup); 409 (seat taken) is an expected answer, not an error',
      'maxDuration 3 m for the holders (50 tries 1 s apart after up to 30 s of waiting) and chargers starting at 5 s: ours',
      'one runner only: a per-runner count of winners cannot say "exactly one"',
    ],
  },
  'queue-staged': {
    report: '002',
    scenarios: { staged: { executor: 'ramping-vus', startVUs: 0, stages: STAGED_5M, think: '1' } },
    thresholds: {
      http_req_duration: ['p(95)<1000'], http_req_failed: ['rate<0.01'], http_reqs: ['rate>500.00'], checks: ['rate>0.999'],
    },
    ours: {},
    differences: [],
  },
  'status-polling': {
    report: '002',
    scenarios: { poll: { executor: 'ramping-vus', startVUs: 0, stages: STAGED_5M, think: '1.5' } },
    thresholds: {
      'http_req_duration{scenario:poll}': ['p(99)<500'], 'http_req_failed{scenario:poll}': ['rate<0.005'],
      'http_reqs{scenario:poll}': ['rate>1000.00'], 'checks{scenario:poll}': ['rate>0.9999'],
    },
    ours: {},
    differences: [
      'the thresholds judge the polling only: setup()\'s 10,000 token issues are not the load under test',
      'an ACTIVE token ends after 300 s in our API: polling it then answers 401 TOKEN_EXPIRED, which the check accepts',
    ],
  },
  'full-journey': {
    report: '002',
    scenarios: { journey: { executor: 'ramping-vus', startVUs: 0, stages: STAGED_5M, think: '5-10' } },
    thresholds: {
      http_req_duration: ['p(90)<2000'], http_req_failed: ['rate<0.001'], http_reqs: ['rate>100.00'], checks: ['rate>0.9999'],
      data_integrity: ['rate==1'],
    },
    ours: {},
    differences: [
      'before paying, the user is charged the seat\'s price in points (payments spend points; balances would run dry over many runs): one request more per journey',
      'the seats listed are those of a random date, without listing the concert\'s dates first',
    ],
  },
  'decreasing-rate': {
    report: '003',
    scenarios: { decreasing: { executor: 'ramping-vus', startVUs: 0, stages: [[1, 600], [2, 500], [2, 400], [2, 300], [3, 200]], think: '0.5' } },
    thresholds: { http_req_duration: ['p(95)<200'], http_req_failed: ['rate==0'] },
    ours: {},
    differences: ['a token issued again for the same user answers 200 (idempotent), not 201: the status check accepts both'],
  },
  'decreasing-rate SHAPE=arrival': {
    report: 'ours',
    env: { SHAPE: 'arrival' },
    script: 'decreasing-rate',
    scenarios: {
      decreasing: {
        executor: 'ramping-arrival-rate', startRate: 600, preAllocatedVUs: 200, maxVUs: 600,
        stages: [[0, 600], [2, 600], [0, 500], [2, 500], [0, 400], [2, 400], [0, 300], [2, 300], [0, 200], [2, 200]],
      },
    },
    thresholds: { http_req_duration: ['p(95)<200'], http_req_failed: ['rate==0'] },
    ours: {},
    differences: ['not the report\'s shape: equal 2 s arrival-rate steps, kept as a variant'],
  },
  load: report004(100, 100, 60),
  soak: report004(50, 50, 180),
  stress: report004(200, 300, 300),
  peak: report004(1000, 1000, 30),
};

/** Scenarios that need the large seed at SCALE=1 and must refuse the small one. */
export const NEED_LARGE_SEED = ['token-burst', 'token-steady', 'queue-staged', 'status-polling'];
/** Scripts that are not a report's test. */
export const NOT_FROM_A_REPORT = { saturation: 'the experiments\' stepped arrival rate (ours)' };
