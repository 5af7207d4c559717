/**
 * The records a run leaves behind, shared by the recorder (writes them) and the analysis and
 * report (read them).
 *
 *   Sample      one row of samples.csv, taken every interval
 *   RunEvent    one line of events.jsonl
 *   SAMPLE_COLUMNS  the CSV header, in order, with the Sample field behind each column
 *   FIRST_OPTIONAL_SAMPLE_COLUMN  older files end before this column
 *
 * `null` is "not measured" (no series in Prometheus, object not seen yet): an empty CSV cell.
 * Columns added later go at the end of SAMPLE_COLUMNS and are nullable: readSamplesCsv reads an
 * older file without them as null.
 */

export interface Sample {
  /** seconds since the recorder started */
  t: number;
  /** wall-clock time of the sample, ISO 8601 */
  time: string;
  desiredReplicas: number | null;
  currentReplicas: number | null;
  readyReplicas: number | null;
  /** requests per second served by the pods, from http_requests_total */
  rps: number | null;
  /** p95 latency of the pods, milliseconds, from http_request_duration_seconds */
  p95Ms: number | null;
  /** share of 5xx responses, 0..1 */
  errorRate: number | null;
  /** pods with a CPU series */
  cpuPods: number | null;
  cpuMinCores: number | null;
  cpuMeanCores: number | null;
  cpuMaxCores: number | null;
  /** mean CPU use as a share of the pods' CPU request, 0..1 (what the HPA compares with its target) */
  cpuMeanUtil: number | null;
  /** the HPA's own view of average CPU utilisation, percent of request */
  hpaCpuUtilPercent: number | null;
  /** requests per second sent by k6, from k6_http_reqs_total */
  k6Rps: number | null;
  k6Vus: number | null;
  /**
   * p95 latency clients saw, milliseconds, from k6's native histogram k6_http_req_duration_seconds
   * over the last 15 s (the shortest window that holds two of k6's pushes; see
   * QueryTarget.k6Window); the server's p95Ms is over the 30 s rate window
   */
  k6P95Ms: number | null;
  /**
   * Where the node's CPU went, cores, over the last 60 s (cAdvisor's samples are too sparse for
   * less): the service's pods, PostgreSQL, Redis, the load generator (k6 runners), the whole node
   * (root cgroup: host processes such as the control plane included), and the rest of the node
   * (node − the four before it: control plane, kubelet, Prometheus, other add-ons, and any other
   * process on the machine).
   * On a cluster of several nodes, node, rest and capacity are over all nodes.
   */
  cpuServiceCores: number | null;
  cpuPostgresCores: number | null;
  cpuRedisCores: number | null;
  cpuLoadGenCores: number | null;
  cpuNodeCores: number | null;
  cpuRestCores: number | null;
  /** CPU cores the node has */
  nodeCpuCores: number | null;
  /** share of the service pods' CFS periods that were throttled, 0..1 (only with a CPU limit) */
  cpuThrottledShare: number | null;
}

export interface RunEvent {
  /** seconds since the recorder started */
  t: number;
  /** wall-clock time, ISO 8601 */
  time: string;
  /**
   * hpa.desired {from, to, current} | hpa.condition {type, status, reason, message} |
   * pod.added / pod.ready / pod.unready / pod.terminated / pod.deleted {pod} |
   * deployment.replicas {desired, ready} | testrun.stage {from, to} | mark {label, ...} |
   * recorder.error {source, message}
   */
  kind: string;
  [field: string]: unknown;
}

export const SAMPLE_COLUMNS: ReadonlyArray<readonly [string, keyof Sample]> = [
  ['t_s', 't'],
  ['time', 'time'],
  ['desired_replicas', 'desiredReplicas'],
  ['current_replicas', 'currentReplicas'],
  ['ready_replicas', 'readyReplicas'],
  ['rps', 'rps'],
  ['p95_ms', 'p95Ms'],
  ['error_rate', 'errorRate'],
  ['cpu_pods', 'cpuPods'],
  ['cpu_min_cores', 'cpuMinCores'],
  ['cpu_mean_cores', 'cpuMeanCores'],
  ['cpu_max_cores', 'cpuMaxCores'],
  ['cpu_mean_util', 'cpuMeanUtil'],
  ['hpa_cpu_util_percent', 'hpaCpuUtilPercent'],
  ['k6_rps', 'k6Rps'],
  ['k6_vus', 'k6Vus'],
  ['k6_p95_ms', 'k6P95Ms'],
  ['cpu_service_cores', 'cpuServiceCores'],
  ['cpu_postgres_cores', 'cpuPostgresCores'],
  ['cpu_redis_cores', 'cpuRedisCores'],
  ['cpu_loadgen_cores', 'cpuLoadGenCores'],
  ['cpu_node_cores', 'cpuNodeCores'],
  ['cpu_rest_cores', 'cpuRestCores'],
  ['node_cpu_cores', 'nodeCpuCores'],
  ['cpu_throttled_share', 'cpuThrottledShare'],
];

/** The first column added after samples.csv files existed: from it on, a column may be missing. */
export const FIRST_OPTIONAL_SAMPLE_COLUMN = 'k6_p95_ms';
