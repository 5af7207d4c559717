/**
 * The PromQL the recorder samples, built for one deployment in one namespace.
 *
 *   sampleQueries(target: QueryTarget): SampleQueries
 *   cpuCounterSelectors(target: QueryTarget): Record<part, string>   raw CPU counters per part
 *   stepServerQueries(target: QueryTarget, seconds: number)          the service's side of one step
 *   servicePodPattern(deployment: string): string                    the service's pod names (RE2, anchored by =~)
 *
 * Pods are matched by name (`<deployment>-<template hash>-<5 chars>`), which works for the service's own
 * metrics (scraped with `namespace`/`pod` labels) and for cAdvisor's alike. The rate window must
 * hold at least two scrapes: 30 s suits a 15 s scrape interval at the edge; give it 4× the
 * interval for smooth curves. k6 series carry `testrun_name` and one `instance_id` per runner,
 * so counters are summed over runners.
 *
 * The node's CPU split comes from cAdvisor's pod-level cgroups (`container=""`) and its root
 * cgroup (`id="/"`: the whole machine, host processes included), all over one window
 * (`cpuWindowS`) so the parts add up to the whole. A cAdvisor series has only `namespace`/`pod`
 * to select by (no pod labels), so PostgreSQL and Redis are matched by their StatefulSet pod
 * names. A pod with fewer than two cAdvisor samples (a k6 runner in its first 20–40 s) has no
 * rate yet; if it started inside the window, all its CPU so far was used inside it, so its
 * counter over the window's length stands in.
 */
import { promString } from '@headroom/k6-controller/prometheus';
import { NAMESPACE as TESTRUN_NAMESPACE } from '@headroom/k6-controller/testrun';

export interface QueryTarget {
  namespace: string;
  deployment: string;
  /** TestRun whose k6 series to read; all k6 series when absent */
  testRunName?: string;
  /** PromQL range for rate() of the service's and k6's counters, default "30s" */
  rateWindow?: string;
  /**
   * seconds of the node CPU split's rate() window, default 60. cAdvisor stamps its samples with
   * its own housekeeping time, which backs off: 10–20 s apart on the local cluster, where a 30 s
   * window missed a pod in one query out of five and 45 s never did.
   */
  cpuWindowS?: number;
  /**
   * PromQL range for k6's latency histogram, default "15s". rate() needs two points of a series in
   * the window, and k6 pushes every 5 s (K6_PROMETHEUS_RW_PUSH_INTERVAL in k6-operator/testruns/),
   * so 10 s looks like the least that works. But the points' timestamps are 4.5–5.3 s apart and
   * reach Prometheus up to a push interval later: measured on the local cluster, a 10 s window
   * left ~15 % of samples empty and dropped the sparse series (~5 % of requests) from the rest;
   * 15 s held two points of nearly every series. It spans three 5 s sample intervals, the newest
   * of which is mostly not in Prometheus yet.
   */
  k6Window?: string;
  quantile?: number;
  /** label matchers of the PostgreSQL pods, default the chart's `<deployment>-postgresql-N` in `namespace` */
  postgresPods?: string;
  /** label matchers of the Redis pods, default the chart's `<deployment>-redis-N` in `namespace` */
  redisPods?: string;
  /** label matchers of the load generator's pods, default every pod in the TestRuns' namespace */
  loadGenPods?: string;
}

export interface SampleQueries {
  rps: string;
  p95Seconds: string;
  errorRate: string;
  /** one series per pod, cores, over the rate window */
  cpuPerPod: string;
  k6Rps: string;
  k6Vus: string;
  /** seconds, over `k6Window` */
  k6P95Seconds: string;
  /** cores, over the CPU window */
  cpuService: string;
  cpuPostgres: string;
  cpuRedis: string;
  cpuLoadGen: string;
  /** cores used on the node(s), everything included */
  cpuNode: string;
  /** cores the node(s) have */
  nodeCpuCores: string;
  /** share of the service pods' CFS periods throttled, 0..1 */
  cpuThrottledShare: string;
}

export function sampleQueries(t: QueryTarget): SampleQueries {
  const w = t.rateWindow ?? '30s';
  const cw = t.cpuWindowS ?? 60;
  const q = t.quantile ?? 0.95;
  const parts = partMatchers(t);
  const pods = parts.service;
  const k6 = t.testRunName ? `{testrun_name="${promString(t.testRunName)}"}` : '';
  const podCpu = (sel: string) => {
    const c = `container_cpu_usage_seconds_total{${sel},${POD_CGROUP}}`;
    const young = `container_start_time_seconds{${sel},${POD_CGROUP}} > time() - ${cw}`;
    return `sum(rate(${c}[${cw}s]) or (${c} / ${cw} and on(id) ${young}))`;
  };
  return {
    rps: `sum(rate(http_requests_total{${pods}}[${w}]))`,
    p95Seconds: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${pods}}[${w}])))`,
    // `or vector(0)`: with no 5xx series at all the share is 0, not "no data".
    errorRate: `(sum(rate(http_requests_total{${pods},status=~"5.."}[${w}])) or vector(0)) / sum(rate(http_requests_total{${pods}}[${w}]))`,
    cpuPerPod: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods},${POD_CGROUP}}[${w}]))`,
    k6Rps: `sum(rate(k6_http_reqs_total${k6}[${w}]))`,
    k6Vus: `sum(k6_vus${k6})`,
    // Native histogram: rate() of the cumulative histogram is the window's own distribution, and
    // summing merges the runners exactly.
    k6P95Seconds: `histogram_quantile(${q}, sum(rate(k6_http_req_duration_seconds${k6}[${t.k6Window ?? '15s'}])))`,
    cpuService: podCpu(pods),
    cpuPostgres: podCpu(parts.postgres),
    cpuRedis: podCpu(parts.redis),
    cpuLoadGen: podCpu(parts.loadgen),
    cpuNode: `sum(rate(container_cpu_usage_seconds_total{id="/"}[${cw}s]))`,
    // cAdvisor's machine_cpu_cores, else kube-state-metrics' view of the Node object.
    nodeCpuCores: `sum(machine_cpu_cores) or sum(kube_node_status_capacity{resource="cpu"})`,
    // cAdvisor reports CFS periods only for a cgroup with a quota: no CPU limit, no series.
    cpuThrottledShare: `sum(rate(container_cpu_cfs_throttled_periods_total{${pods},${POD_CGROUP}}[${cw}s])) / sum(rate(container_cpu_cfs_periods_total{${pods},${POD_CGROUP}}[${cw}s]))`,
  };
}

// The pod's own cgroup (container=""), which every cAdvisor reports; per-container series are
// missing where the runtime cannot name containers (containerd 1.6 on cgroupfs here).
const POD_CGROUP = 'container="",id=~".*pod[^/]*"';

// Kubernetes' "safe" alphabet for pod-template hashes and pod suffixes (no vowels): it keeps
// other workloads that share the prefix, such as `<deployment>-migrate-xxxxx` Job pods, out.
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

function regexQuote(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The raw CPU counters of each part, for an exact window (record/counters.ts coresOver). */
export function cpuCounterSelectors(t: QueryTarget): Record<'service' | 'postgres' | 'redis' | 'loadgen' | 'node', string> {
  const parts = partMatchers(t);
  const counter = (sel: string) => `container_cpu_usage_seconds_total{${sel},${POD_CGROUP}}`;
  return {
    service: counter(parts.service), postgres: counter(parts.postgres), redis: counter(parts.redis), loadgen: counter(parts.loadgen),
    node: 'container_cpu_usage_seconds_total{id="/"}',
  };
}

/**
 * The service's own view of a step that ended at the query's time and lasted `seconds`: the most
 * PostgreSQL connections its pools held at once (summed over pods and workers), and the totals of
 * its 5xx responses by status (503: a dependency refused or the service shed load; 500: a bug) and
 * of its 503s for a dependency by why (e.g. postgresql, too_many_connections). The totals are read
 * at both ends of the step and subtracted, a series missing at the start counting as 0: a counter
 * first created inside the step has one sample there, which increase() would ignore.
 */
export function stepServerQueries(t: QueryTarget, seconds: number): { dbConnectionsMax: string; serverErrorsByStatus: string; unavailableByKind: string } {
  const pods = partMatchers(t).service;
  const s = Math.max(1, Math.round(seconds));
  return {
    dbConnectionsMax: `max_over_time(sum(booking_db_pool_connections{${pods}})[${s}s:5s])`,
    serverErrorsByStatus: `sum by (status) (http_requests_total{${pods},status=~"5.."})`,
    unavailableByKind: `sum by (dependency, kind) (booking_dependency_unavailable_total{${pods}})`,
  };
}

/** The Deployment's own pods' names, `<deployment>-<template hash>-<5 chars>`, as a regex (PromQL's =~ anchors it). */
export function servicePodPattern(deployment: string): string {
  return `${regexQuote(deployment)}-${SAFE}+-${SAFE}{5}`;
}

/** Label matchers of each part's pods: the service's by name pattern, the chart's StatefulSets by name. */
function partMatchers(t: QueryTarget): Record<'service' | 'postgres' | 'redis' | 'loadgen', string> {
  const ns = `namespace="${promString(t.namespace)}"`;
  const statefulPod = (suffix: string) => `${ns},pod=~"${promString(regexQuote(t.deployment))}-${suffix}-[0-9]+"`;
  return {
    service: `${ns},pod=~"${promString(servicePodPattern(t.deployment))}"`,
    postgres: t.postgresPods ?? statefulPod('postgresql'),
    redis: t.redisPods ?? statefulPod('redis'),
    loadgen: t.loadGenPods ?? `namespace="${TESTRUN_NAMESPACE}"`,
  };
}
