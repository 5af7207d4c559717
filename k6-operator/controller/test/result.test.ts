import { expect } from 'chai';
import { combineRunners, combinedResult, summaryFromLog, type RunnerReport, type RunnerSummary } from '../src/result.js';

/** A runner's summary as journey.js prints it. */
function summary(o: {
  reqs: number; fails?: number; durationMs?: number; p95: number; p90?: number; avg?: number; max?: number;
  thresholds: Record<string, boolean>; extra?: RunnerSummary['metrics'];
}): RunnerSummary {
  const fails = o.fails ?? 0;
  const durationMs = o.durationMs ?? 60_000;
  return {
    scenario: 'token-burst', testid: 't1', durationMs,
    http_reqs: o.reqs,
    http_req_failed: { rate: fails / o.reqs, fails },
    http_req_duration_ms: { avg: o.avg ?? 50, p90: o.p90 ?? o.p95 * 0.9, p95: o.p95, p99: o.p95 * 1.2, max: o.max ?? o.p95 * 2 },
    thresholds: { results: o.thresholds },
    metrics: {
      http_reqs: { type: 'counter', count: o.reqs, rate: o.reqs / (durationMs / 1000) },
      http_req_failed: { type: 'rate', rate: fails / o.reqs, passes: fails, fails: o.reqs - fails },
      http_req_duration: { type: 'trend', avg: o.avg ?? 50, min: 1, med: o.p95 / 2, max: o.max ?? o.p95 * 2, 'p(90)': o.p90 ?? o.p95 * 0.9, 'p(95)': o.p95 },
      ...o.extra,
    },
  };
}
const run = (runners: RunnerReport[], merged?: (m: string, s: string) => number | undefined) =>
  combinedResult.parse(combineRunners({ testrun: 'token-burst', testid: 't1', parallelism: 2, runners, merged }));
const threshold = (r: ReturnType<typeof run>, expr: string) => r.thresholds.find((t) => `${t.metric}: ${t.expression}` === expr)!;

describe('combining runners', () => {
  it('sums counts and errors, and judges a rate threshold on the total', () => {
    // Runner 2 has 1 error in 10 requests (10 %): its own k6 fails `rate<0.01`; over both it is
    // 1 in 1,010 (0.1 %): the run passes. No false FAIL.
    const r = run([
      { runner: 1, exitCode: 0, summary: summary({ reqs: 1000, p95: 100, thresholds: { 'http_req_failed: rate<0.01': true, 'http_req_duration: p(95)<500': true } }) },
      { runner: 2, exitCode: 99, summary: summary({ reqs: 10, fails: 1, p95: 120, thresholds: { 'http_req_failed: rate<0.01': false, 'http_req_duration: p(95)<500': true } }) },
    ]);
    expect(r.http_reqs).to.equal(1010);
    expect(r.http_req_failed.fails).to.equal(1);
    expect(threshold(r, 'http_req_failed: rate<0.01')).to.include({ passed: true, source: 'exact' });
    expect(threshold(r, 'http_req_failed: rate<0.01').runners).to.deep.equal([true, false]);
    expect(r.verdict).to.equal('passed');
    expect(r.problems).to.deep.equal([]);
  });

  it('a count threshold every runner passes can fail on the total (no false PASS)', () => {
    const extra = { tokens_lost: { type: 'counter' as const, count: 6 } };
    const r = run([1, 2].map((i) => ({ runner: i, exitCode: 0, summary: summary({ reqs: 500, p95: 90, thresholds: { 'tokens_lost: count<10': true }, extra }) })));
    expect(threshold(r, 'tokens_lost: count<10')).to.deep.include({ passed: false, value: { low: 12, high: 12 } });
    expect(r.verdict).to.equal('failed');
    expect(r.problems).to.deep.equal(['threshold failed: tokens_lost: count<10']);
  });

  it('a request-rate threshold divided over runners passes on the total', () => {
    const r = run([1, 2].map((i) => ({ runner: i, exitCode: 99, summary: summary({ reqs: 3600, durationMs: 60_000, p95: 90, thresholds: { 'http_reqs: rate>100': false } }) })));
    expect(threshold(r, 'http_reqs: rate>100')).to.deep.include({ passed: true, value: { low: 120, high: 120 } });
    expect(r.verdict).to.equal('passed');
  });

  it('percentiles of unbalanced runners: bounded by theirs, undetermined when the bounds straddle the limit', () => {
    // A busy runner at p95 600 ms and an idle one at 100 ms: the true p95 is somewhere in 100..600.
    const runners: RunnerReport[] = [
      { runner: 1, exitCode: 99, summary: summary({ reqs: 9000, p95: 600, thresholds: { 'http_req_duration: p(95)<500': false } }) },
      { runner: 2, exitCode: 0, summary: summary({ reqs: 100, p95: 100, thresholds: { 'http_req_duration: p(95)<500': true } }) },
    ];
    const bounded = run(runners);
    expect(threshold(bounded, 'http_req_duration: p(95)<500')).to.deep.include({ passed: null, source: 'bounds', value: { low: 100, high: 600 } });
    expect(bounded.verdict).to.equal('undetermined');
    expect(bounded.passed).to.equal(false);
    expect(bounded.p95).to.deep.include({ ms: 600, low: 100, high: 600, source: 'bounds' });

    // Prometheus' merged histogram decides it, either way.
    const slow = run(runners, (m, s) => (m === 'http_req_duration' && s === 'p(95)' ? 590 : undefined));
    expect(threshold(slow, 'http_req_duration: p(95)<500')).to.deep.include({ passed: false, source: 'prometheus' });
    expect(slow.verdict).to.equal('failed');
    expect(slow.p95).to.deep.include({ ms: 590, source: 'prometheus' });
    const fast = run(runners, () => 450);
    expect(fast.verdict).to.equal('passed');
  });

  it('runners that all pass a percentile threshold pass it combined, without Prometheus', () => {
    const r = run([1, 2].map((i) => ({ runner: i, exitCode: 0, summary: summary({ reqs: 100 * i, p95: 100 * i, thresholds: { 'http_req_duration: p(95)<500': true } }) })));
    expect(threshold(r, 'http_req_duration: p(95)<500')).to.include({ passed: true, source: 'bounds' });
    expect(r.verdict).to.equal('passed');
    // The mean is exact: weighted by each runner's requests.
    expect(r.mean_ms).to.equal(50);
  });

  it('a runner that crashed or never reported fails the run', () => {
    const ok = { runner: 1, exitCode: 0, summary: summary({ reqs: 100, p95: 50, thresholds: { 'http_req_duration: p(95)<500': true } }) };
    const missing = run([ok, { runner: 2, exitCode: 107, summary: null }]);
    expect(missing.verdict).to.equal('failed');
    expect(missing.problems).to.deep.equal(['runner 2: no HEADROOM_SUMMARY line in its log (exit code 107)']);
    const crashed = run([ok, { runner: 2, exitCode: 1, summary: summary({ reqs: 100, p95: 50, thresholds: {} }) }]);
    expect(crashed.verdict).to.equal('failed');
    expect(crashed.problems[0]).to.match(/runner 2: exit code 1/);
  });

  it('reads the summary line from a runner log and ignores the rest', () => {
    const s = summary({ reqs: 3, p95: 1, thresholds: {} });
    expect(summaryFromLog(`text summary\nHEADROOM_SUMMARY ${JSON.stringify(s)}\n`)?.http_reqs).to.equal(3);
    expect(summaryFromLog('no line here')).to.equal(null);
    expect(summaryFromLog('HEADROOM_SUMMARY {not json')).to.equal(null);
  });
});
