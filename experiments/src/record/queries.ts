/**
 * The PromQL the recorder samples, built for one deployment in one namespace.
 *
 *   sampleQueries(target: QueryTarget): SampleQueries
 *
 * Pods are matched by name (`<deployment>-<template hash>-<5 chars>`), which works for the service's own
 * metrics (scraped with `namespace`/`pod` labels) and for cAdvisor's alike. The rate window must
 * hold at least two scrapes: 30 s suits a 15 s scrape interval at the edge; give it 4× the
 * interval for smooth curves. k6 series carry `testrun_name` and one `instance_id` per runner,
 * so counters are summed over runners.
 */

export interface QueryTarget {
  namespace: string;
  deployment: string;
  /** TestRun whose k6 series to read; all k6 series when absent */
  testRunName?: string;
  /** PromQL range for rate(), e.g. "30s" */
  rateWindow?: string;
  quantile?: number;
}

export interface SampleQueries {
  rps: string;
  p95Seconds: string;
  errorRate: string;
  /** one series per pod, cores */
  cpuPerPod: string;
  k6Rps: string;
  k6Vus: string;
}

export function sampleQueries(t: QueryTarget): SampleQueries {
  const w = t.rateWindow ?? '30s';
  const q = t.quantile ?? 0.95;
  const pods = `namespace="${esc(t.namespace)}",pod=~"${esc(regexQuote(t.deployment))}-${SAFE}+-${SAFE}{5}"`;
  const k6 = t.testRunName ? `{testrun_name="${esc(t.testRunName)}"}` : '';
  return {
    rps: `sum(rate(http_requests_total{${pods}}[${w}]))`,
    p95Seconds: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${pods}}[${w}])))`,
    // `or vector(0)`: with no 5xx series at all the share is 0, not "no data".
    errorRate: `(sum(rate(http_requests_total{${pods},status=~"5.."}[${w}])) or vector(0)) / sum(rate(http_requests_total{${pods}}[${w}]))`,
    // The pod's own cgroup (container=""), which every cAdvisor reports; per-container series are
    // missing where the runtime cannot name containers (containerd 1.6 on cgroupfs here).
    cpuPerPod: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods},container="",id=~".*pod[^/]*"}[${w}]))`,
    k6Rps: `sum(rate(k6_http_reqs_total${k6}[${w}]))`,
    k6Vus: `sum(k6_vus${k6})`,
  };
}

// Kubernetes' "safe" alphabet for pod-template hashes and pod suffixes (no vowels): it keeps
// other workloads that share the prefix, such as `<deployment>-migrate-xxxxx` Job pods, out.
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

function regexQuote(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** PromQL string literals use Go escaping: backslashes and double quotes need escaping. */
function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
