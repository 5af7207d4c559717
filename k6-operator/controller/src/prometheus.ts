/**
 * Percentiles over all runners from Prometheus: k6 pushes its trends as native histograms
 * (K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM), which add up across runners; histogram_quantile on
 * their sum is the run's percentile, to within one histogram bucket.
 */
import type { MergedStat } from './result.js';
import { metricTags } from './thresholds.js';

const quantileOf = (stat: string) => (stat === 'med' ? 0.5 : Number(/^p\(([\d.]+)\)$/.exec(stat)?.[1]) / 100);
/** A PromQL string literal's contents: Go escaping, so backslashes and double quotes are escaped. */
export const promString = (v: string) => v.replace(/["\\]/g, '\\$&');

export interface RunSeries {
  /** `--tag testid=...` of the run, when it has one */
  testid?: string;
  /** the TestRun's name (k6 runners tag testrun_name) */
  testrun: string;
  /** the first runner's start: an earlier run with the same names ended before it */
  since: Date;
}

/** The PromQL for one trend statistic of one run, in seconds; undefined if not a percentile. */
export function mergedQuery(metric: string, stat: string, run: RunSeries, now = Date.now()): string | undefined {
  const q = quantileOf(stat);
  if (!(q > 0 && q < 1)) return undefined;
  const { name, tags } = metricTags(metric);
  const matchers = [run.testid ? `testid="${promString(run.testid)}"` : '', `testrun_name="${promString(run.testrun)}"`,
    ...Object.entries(tags).map(([k, v]) => `${k.replace(/\W/g, '_')}="${promString(v)}"`)].filter(Boolean);
  const windowS = Math.ceil((now - run.since.getTime()) / 1000 + 5);
  return `histogram_quantile(${q}, sum(last_over_time(k6_${name.replace(/\W/g, '_')}_seconds{${matchers.join(',')}}[${windowS}s])))`;
}

/** Asks Prometheus at `baseUrl` for each wanted [metric, stat]; what it cannot answer stays unknown. */
export async function prometheusMerged(baseUrl: string, run: RunSeries, wanted: Array<[string, string]>): Promise<MergedStat> {
  const values = new Map<string, number>();
  for (const [metric, stat] of wanted) {
    const query = mergedQuery(metric, stat, run);
    if (!query) continue;
    try {
      const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) continue;
      const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
      const v = Number(body.data?.result?.[0]?.value[1]);
      if (Number.isFinite(v)) values.set(`${metric}|${stat}`, v * 1000); // seconds -> the ms k6 reports
    } catch {
      // unreachable or slow: that figure stays bounded by the runners' own
    }
  }
  return (metric, stat) => values.get(`${metric}|${stat}`);
}
