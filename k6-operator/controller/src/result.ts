/**
 * One result for a TestRun across all its runners, from each runner's exit code and the
 * `HEADROOM_SUMMARY {json}` line its handleSummary prints (k6-operator/scripts/journey.js
 * summaryLine). Counts and rates add up exactly; percentiles come from Prometheus' merged native
 * histograms when given, else they are bounded by the runners' own (see thresholds.ts). Every
 * threshold is judged again on the combined figures, and the verdict is:
 *   passed        every runner reported, none crashed, every threshold passed on the combined figures
 *   failed        a runner crashed or did not report, or a threshold failed on the combined figures
 *   undetermined  no failure, but a threshold's combined figure straddles its limit
 * The zod schema is the contract between the controller (writes it into the TestRun's annotation)
 * and its readers (make loadtest, the experiment controller).
 */
import { z } from 'zod';
import { exact, judge, parseThreshold, spanOf, splitKey, type Interval, type Outcome } from './thresholds.js';

const num = z.number().nullable().optional();
const summaryMetric = z.object({ type: z.enum(['counter', 'rate', 'gauge', 'trend']) }).catchall(z.unknown());
/** What one runner prints: HEADROOM_SUMMARY {json}. */
export const runnerSummary = z.object({
  scenario: z.string().nullable().optional(),
  testid: z.string().nullable().optional(),
  durationMs: num,
  http_reqs: z.number(),
  http_req_failed: z.object({ rate: num, fails: z.number() }),
  http_req_duration_ms: z.object({ avg: num, p90: num, p95: num, p99: num, max: num }),
  thresholds: z.object({ results: z.record(z.string(), z.boolean()) }),
  metrics: z.record(z.string(), summaryMetric),
});
export type RunnerSummary = z.infer<typeof runnerSummary>;

export interface RunnerReport {
  runner: number;
  /** the k6 container's exit code: 0, 99 (its own thresholds failed), anything else a crash */
  exitCode: number | null;
  summary: RunnerSummary | null;
}

/** A percentile or median over all runners from the merged native histograms, in the metric's unit. */
export type MergedStat = (metric: string, stat: string) => number | undefined;

const interval = z.object({ low: z.number(), high: z.number() });
export const thresholdResult = z.object({
  metric: z.string(),
  expression: z.string(),
  /** the combined figure the threshold was judged on (null: not computable) */
  value: interval.nullable(),
  passed: z.boolean().nullable(),
  /** how the combined figure was obtained */
  source: z.enum(['exact', 'bounds', 'prometheus', 'none']),
  /** the verdict of each runner's own k6, for comparison */
  runners: z.array(z.boolean().nullable()),
});
export type ThresholdResult = z.infer<typeof thresholdResult>;

/** A percentile of http_req_duration over all runners: `ms` is exact, Prometheus', or the upper bound. */
const percentile = z.object({ ms: z.number().nullable(), low: z.number().nullable(), high: z.number().nullable(), source: z.enum(['exact', 'bounds', 'prometheus', 'none']) });

export const VERDICTS = ['passed', 'failed', 'undetermined'] as const;
export const combinedResult = z.object({
  testrun: z.string(),
  testid: z.string().nullable(),
  scenario: z.string().nullable(),
  verdict: z.enum(VERDICTS),
  passed: z.boolean(),
  runners: z.number(),
  runnersReported: z.number(),
  runner_http_reqs: z.array(z.number().nullable()),
  http_reqs: z.number(),
  durationS: z.number().nullable(),
  rps: z.number().nullable(),
  http_req_failed: z.object({ rate: z.number().nullable(), fails: z.number() }),
  p90: percentile,
  p95: percentile,
  mean_ms: z.number().nullable(),
  thresholds: z.array(thresholdResult),
  metrics: z.record(z.string(), z.object({ type: z.string(), count: z.number().optional(), passes: z.number().optional(), fails: z.number().optional(), rate: z.number().nullable().optional() })),
  problems: z.array(z.string()),
});
export type CombinedResult = z.infer<typeof combinedResult>;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The combined figure of one metric's statistic, and how it was obtained. */
function combinedFigure(metric: string, stat: string, summaries: RunnerSummary[], merged?: MergedStat):
  { value: Interval | null; source: ThresholdResult['source'] } {
  const ms = summaries.map((s) => s.metrics[metric]).filter((m) => m !== undefined);
  if (ms.length === 0) return { value: null, source: 'none' };
  const type = ms[0].type;
  const field = (m: Record<string, unknown>, k: string) => (finite(m[k]) ? m[k] : undefined);
  const values = (k: string) => ms.map((m) => field(m, k)).filter(finite);
  const single = ms.length === 1 && summaries.length === 1;
  if (type === 'counter' && stat === 'count') return { value: exact(sum(values('count'))), source: 'exact' };
  if (type === 'counter' && stat === 'rate') {
    const durations = summaries.map((s) => s.durationMs).filter(finite).filter((d) => d > 0);
    if (!durations.length) return { value: null, source: 'none' };
    const total = sum(values('count'));
    // Runners run side by side: the combined rate is the total over the wall time, which lies
    // between the longest and the shortest runner's duration.
    const value = { low: total / (Math.max(...durations) / 1000), high: total / (Math.min(...durations) / 1000) };
    return { value, source: value.low === value.high ? 'exact' : 'bounds' };
  }
  if (type === 'rate' && stat === 'rate') {
    const passes = sum(values('passes')), fails = sum(values('fails'));
    return passes + fails ? { value: exact(passes / (passes + fails)), source: 'exact' } : { value: null, source: 'none' };
  }
  if (type === 'trend' && (stat === 'min' || stat === 'max')) {
    const vs = values(stat);
    return vs.length ? { value: exact(stat === 'min' ? Math.min(...vs) : Math.max(...vs)), source: 'exact' } : { value: null, source: 'none' };
  }
  if (type === 'trend' && stat === 'avg' && metric === 'http_req_duration') {
    // Weighted by each runner's request count: exact.
    const pairs = summaries.map((s) => [s.metrics[metric]?.avg, s.http_reqs] as const).filter(([a, n]) => finite(a) && n > 0) as Array<[number, number]>;
    const n = sum(pairs.map(([, c]) => c));
    if (n) return { value: exact(sum(pairs.map(([a, c]) => a * c)) / n), source: 'exact' };
  }
  const key = stat === 'med' ? 'med' : stat;
  const span = spanOf(values(key));
  if (!span) return { value: null, source: 'none' };
  if (single || span.low === span.high) return { value: span, source: 'exact' };
  if (type === 'trend' && (stat === 'med' || stat.startsWith('p('))) {
    const m = merged?.(metric, stat);
    if (finite(m)) return { value: exact(m), source: 'prometheus' };
  }
  // Averages, percentiles and gauges of several runners: the combined figure lies within theirs.
  return { value: span, source: 'bounds' };
}

export function combineRunners(input: {
  testrun: string; testid: string | null; parallelism: number; runners: RunnerReport[]; merged?: MergedStat;
}): CombinedResult {
  const { runners, parallelism } = input;
  const problems: string[] = [];
  const summaries = runners.map((r) => r.summary).filter((s): s is RunnerSummary => s !== null);
  if (runners.length !== parallelism) problems.push(`${parallelism} runners expected, ${runners.length} found`);
  for (const r of runners) {
    if (!r.summary) problems.push(`runner ${r.runner}: no HEADROOM_SUMMARY line in its log (exit code ${r.exitCode ?? 'unknown'})`);
    else if (r.exitCode !== 0 && r.exitCode !== 99) problems.push(`runner ${r.runner}: exit code ${r.exitCode ?? 'unknown'} (k6 stopped abnormally)`);
  }

  // Every threshold any runner defined, judged on the combined figures.
  const keys = [...new Set(summaries.flatMap((s) => Object.keys(s.thresholds.results)))].sort();
  const thresholds: ThresholdResult[] = keys.map((key) => {
    const { metric, expression } = splitKey(key);
    const perRunner = runners.map((r) => (r.summary ? r.summary.thresholds.results[key] ?? null : null));
    const t = parseThreshold(expression);
    if (!t) {
      problems.push(`threshold '${key}': not an expression this controller can judge across runners`);
      const passed: Outcome = perRunner.every((p) => p === true) && runners.length === 1 ? true : null;
      return { metric, expression, value: null, passed, source: 'none' as const, runners: perRunner };
    }
    const { value, source } = combinedFigure(metric, t.stat, summaries, input.merged);
    let passed: Outcome = value ? judge(value, t.op, t.value) : null;
    // One runner: k6's own verdict is the combined one.
    if (runners.length === 1 && perRunner[0] !== null) passed = perRunner[0];
    return { metric, expression, value, passed, source, runners: perRunner };
  });

  const reqs = summaries.map((s) => s.http_reqs);
  const httpReqs = sum(reqs);
  const fails = sum(summaries.map((s) => s.http_req_failed.fails));
  const durations = summaries.map((s) => s.durationMs).filter(finite);
  const durationS = durations.length ? Math.max(...durations) / 1000 : null;
  const percentileOf = (stat: string): CombinedResult['p95'] => {
    const { value, source } = combinedFigure('http_req_duration', stat, summaries, input.merged);
    return { ms: value ? (source === 'bounds' ? value.high : value.low) : null, low: value?.low ?? null, high: value?.high ?? null, source };
  };
  const mean = combinedFigure('http_req_duration', 'avg', summaries);

  const metrics: CombinedResult['metrics'] = {};
  for (const s of summaries) {
    for (const [name, m] of Object.entries(s.metrics)) {
      if (m.type === 'counter') {
        metrics[name] = { type: 'counter', count: (metrics[name]?.count ?? 0) + (finite(m.count) ? m.count : 0) };
      } else if (m.type === 'rate') {
        const prev = metrics[name] ?? { type: 'rate', passes: 0, fails: 0 };
        metrics[name] = { type: 'rate', passes: (prev.passes ?? 0) + (finite(m.passes) ? m.passes : 0), fails: (prev.fails ?? 0) + (finite(m.fails) ? m.fails : 0) };
      }
    }
  }
  for (const m of Object.values(metrics)) if (m.type === 'rate') m.rate = m.passes! + m.fails! ? m.passes! / (m.passes! + m.fails!) : null;

  const failedThresholds = thresholds.filter((t) => t.passed === false);
  for (const t of failedThresholds) problems.push(`threshold failed: ${t.metric}: ${t.expression}`);
  const crashed = runners.length !== parallelism || runners.some((r) => !r.summary || (r.exitCode !== 0 && r.exitCode !== 99));
  const verdict = crashed || failedThresholds.length ? 'failed' : thresholds.some((t) => t.passed === null) ? 'undetermined' : 'passed';
  return {
    testrun: input.testrun,
    testid: input.testid,
    scenario: summaries.find((s) => s.scenario)?.scenario ?? null,
    verdict,
    passed: verdict === 'passed',
    runners: parallelism,
    runnersReported: summaries.length,
    runner_http_reqs: runners.map((r) => r.summary?.http_reqs ?? null),
    http_reqs: httpReqs,
    durationS,
    rps: durationS ? Math.round((httpReqs / durationS) * 10) / 10 : null,
    http_req_failed: { rate: httpReqs ? fails / httpReqs : null, fails },
    p90: percentileOf('p(90)'),
    p95: percentileOf('p(95)'),
    mean_ms: mean.value && mean.value.low === mean.value.high ? mean.value.low : null,
    thresholds,
    metrics,
    problems,
  };
}

/** The HEADROOM_SUMMARY line of a runner's log, checked; null when absent or malformed. */
export function summaryFromLog(log: string): RunnerSummary | null {
  const line = log.split('\n').filter((l) => l.startsWith('HEADROOM_SUMMARY ')).at(-1);
  if (!line) return null;
  try {
    const parsed = runnerSummary.safeParse(JSON.parse(line.slice('HEADROOM_SUMMARY '.length)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** One line for the verdict condition's message, and for people. */
export function verdictMessage(r: CombinedResult): string {
  const failed = r.thresholds.filter((t) => t.passed === false).map((t) => `${t.metric}: ${t.expression}`);
  const open = r.thresholds.filter((t) => t.passed === null).map((t) => `${t.metric}: ${t.expression}`);
  const parts = [
    `${r.http_reqs} requests (${r.rps ?? '-'}/s) from ${r.runnersReported}/${r.runners} runners`,
    `failed ${r.http_req_failed.rate === null ? '-' : (100 * r.http_req_failed.rate).toFixed(3)}%`,
    `p95 ${r.p95.ms === null ? '-' : r.p95.ms.toFixed(1)} ms (${r.p95.source})`,
  ];
  if (failed.length) parts.push(`failed thresholds: ${failed.join('; ')}`);
  if (open.length) parts.push(`undetermined thresholds: ${open.join('; ')}`);
  const other = r.problems.filter((p) => !p.startsWith('threshold failed: '));
  if (other.length) parts.push(`problems: ${other.join('; ')}`);
  return parts.join('. ');
}
