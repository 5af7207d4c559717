// Combines the HEADROOM_SUMMARY lines of a TestRun's runners (one JSON object per stdin line, each
// {runner, exitCode, summary}) into one result. Counts and rates combine exactly (sums of counts,
// passes and fails); a percentile of several runners cannot be rebuilt from their percentiles, so
// unless PROM_P95_MS (from Prometheus native histograms: exact) is given, the p95 shown is the
// largest runner p95, an upper bound of the true one (every runner has 95% of its requests below
// it, so 95% of all requests are). Prints the result and one `HEADROOM_RESULT {json}` line; exits 1
// on any failure.
import { createInterface } from 'node:readline';

const runners = [];
for await (const line of createInterface({ input: process.stdin })) if (line.trim()) runners.push(JSON.parse(line));
const expected = Number(process.env.PARALLELISM || runners.length);
const promP95 = process.env.PROM_P95_MS ? Number(process.env.PROM_P95_MS) : null;

const problems = [];
if (runners.length !== expected) problems.push(`${expected} runners expected, ${runners.length} reported`);
const summaries = runners.filter((r) => r.summary).map((r) => r.summary);
for (const r of runners) {
  if (!r.summary) problems.push(`runner ${r.runner}: no HEADROOM_SUMMARY line in its log (exit code ${r.exitCode})`);
  if (r.exitCode !== 0) problems.push(`runner ${r.runner}: exit code ${r.exitCode}${r.exitCode === 99 ? ' (thresholds failed)' : ''}`);
}

const sum = (f) => summaries.reduce((a, s) => a + (f(s) || 0), 0);
const reqs = sum((s) => s.http_reqs);
const fails = sum((s) => s.http_req_failed.fails);
const maxOf = (f) => summaries.reduce((a, s) => (f(s) == null ? a : Math.max(a ?? -Infinity, f(s))), null);
const durationS = maxOf((s) => s.durationMs) / 1000 || null;

// Custom counters and rates (data checks) summed over runners.
const metrics = {};
for (const s of summaries) {
  for (const [name, m] of Object.entries(s.metrics)) {
    if (m.type === 'counter') metrics[name] = { type: 'counter', count: (metrics[name]?.count || 0) + (m.count || 0) };
    if (m.type === 'rate') {
      const prev = metrics[name] || { type: 'rate', passes: 0, fails: 0 };
      metrics[name] = { type: 'rate', passes: prev.passes + m.passes, fails: prev.fails + m.fails };
    }
  }
}
for (const m of Object.values(metrics)) if (m.type === 'rate') m.rate = m.passes + m.fails ? m.passes / (m.passes + m.fails) : null;

// Per-threshold: passed only if it passed on every runner.
const thresholds = {};
for (const s of summaries) {
  for (const [k, ok] of Object.entries(s.thresholds.results)) thresholds[k] = (thresholds[k] ?? true) && ok;
}
const failedThresholds = Object.entries(thresholds).filter(([, ok]) => !ok).map(([k]) => k);
for (const t of failedThresholds) problems.push(`threshold failed on at least one runner: ${t}`);

const p95 = promP95 != null
  ? { ms: promP95, source: 'prometheus native histogram (exact over all runners)' }
  : { ms: maxOf((s) => s.http_req_duration_ms.p95), source: summaries.length > 1 ? 'max of runner p95 (upper bound)' : 'runner summary (exact)' };
const result = {
  scenario: summaries[0]?.scenario ?? process.env.SCENARIO,
  testid: process.env.TESTID,
  runners: runners.length,
  passed: problems.length === 0,
  http_reqs: reqs,
  runner_http_reqs: runners.map((r) => r.summary?.http_reqs ?? null),
  rps: durationS ? Math.round((reqs / durationS) * 10) / 10 : null,
  http_req_failed: { rate: reqs ? fails / reqs : null, fails },
  p95,
  p90_ms_upper_bound: maxOf((s) => s.http_req_duration_ms.p90),
  p99_ms_upper_bound: maxOf((s) => s.http_req_duration_ms.p99),
  mean_ms: reqs ? summaries.reduce((a, s) => a + (s.http_req_duration_ms.avg || 0) * s.http_reqs, 0) / reqs : null,
  thresholds: { passed: Object.keys(thresholds).length - failedThresholds.length, failed: failedThresholds.length, results: thresholds },
  metrics,
  problems,
};

const fmt = (v, d = 1) => (v == null ? '-' : Number(v).toFixed(d));
console.log(`\n=== ${result.scenario} (${result.testid}): ${result.passed ? 'PASSED' : 'FAILED'} ===`);
console.log(`requests ${reqs} (${fmt(result.rps)}/s)  failed ${fmt(100 * (result.http_req_failed.rate ?? 0), 3)}%  ` +
  `p95 ${fmt(p95.ms)} ms [${p95.source}]  mean ${fmt(result.mean_ms)} ms`);
for (const [k, ok] of Object.entries(thresholds)) console.log(`  ${ok ? 'PASS' : 'FAIL'} ${k}`);
for (const p of problems) console.log(`  problem: ${p}`);
console.log(`HEADROOM_RESULT ${JSON.stringify(result)}`);
process.exitCode = result.passed ? 0 : 1;
