/**
 * k6 thresholds judged on several runners at once. k6 judges thresholds per runner only, so a
 * rate or count threshold can fail on every runner of a passing test (each has 1/N of the
 * requests) or pass on every runner of a failing one. Here each threshold is judged again on the
 * combined figures. A combined figure is an interval [low, high]: exact (low = high) for counts,
 * rates, min and max; bounded by the runners' own values for percentiles and medians, which
 * cannot be merged from summaries. A threshold is passed or failed only when the whole interval
 * says so; otherwise it is undetermined (never a false PASS or a false FAIL), unless Prometheus'
 * merged native histogram supplies the figure.
 */
export interface Interval { low: number; high: number }
export type Outcome = true | false | null;

export const OPERATORS = ['<=', '>=', '===', '==', '!=', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Threshold {
  /** the aggregation: avg, min, max, med, count, rate, value, or p(N) */
  stat: string;
  op: Operator;
  value: number;
}

const PATTERN = /^\s*(avg|min|max|med|count|rate|value|p\(\s*\d+(?:\.\d+)?\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

/** Parses `p(95)<500`, `rate<0.01`, `count>=100`... as k6 writes them; undefined if not one. */
export function parseThreshold(expression: string): Threshold | undefined {
  const m = PATTERN.exec(expression);
  if (!m) return undefined;
  return { stat: m[1].replace(/\s+/g, '').toLowerCase(), op: m[2] as Operator, value: Number(m[3]) };
}

/** Whether every value in the interval meets `op value` (true), none does (false), or some do (null). */
export function judge(x: Interval, op: Operator, v: number): Outcome {
  const { low, high } = x;
  switch (op) {
    case '<': return high < v ? true : low >= v ? false : null;
    case '<=': return high <= v ? true : low > v ? false : null;
    case '>': return low > v ? true : high <= v ? false : null;
    case '>=': return low >= v ? true : high < v ? false : null;
    case '==':
    case '===': return low === v && high === v ? true : v < low || v > high ? false : null;
    case '!=': return v < low || v > high ? true : low === v && high === v ? false : null;
  }
}

export const exact = (v: number): Interval => ({ low: v, high: v });
export const spanOf = (values: number[]): Interval | undefined =>
  values.length ? { low: Math.min(...values), high: Math.max(...values) } : undefined;

/** Splits a summary key `http_req_duration{scenario:spike}: p(95)<500` into metric and expression. */
export function splitKey(key: string): { metric: string; expression: string } {
  const at = key.lastIndexOf(': ');
  return at < 0 ? { metric: key, expression: '' } : { metric: key.slice(0, at), expression: key.slice(at + 2) };
}

/** `http_req_duration{scenario:spike}` -> base name and tags. */
export function metricTags(metric: string): { name: string; tags: Record<string, string> } {
  const m = /^([^{]+)(?:\{(.*)\})?$/.exec(metric);
  const tags: Record<string, string> = {};
  for (const pair of (m?.[2] ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf(':');
    if (at > 0) tags[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return { name: m?.[1] ?? metric, tags };
}
