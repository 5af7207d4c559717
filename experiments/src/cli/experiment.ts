/**
 * The experiment controller behind `make experiment PROFILE=...` (the chart is already deployed
 * with that profile when this starts). Phases, each skippable:
 *   saturation  one replica, stepped constant arrival rate -> per-pod TPS at the SLO, bracketed
 *               within 5 % and the knee rate run three times
 *   scaling     fixed replica counts 2..N (N: what the node holds, analysis/capacity.ts
 *               chooseCounts), the same search each -> throughput per replica count (USL)
 *   spike       the HPA back on, the scenario (normal-plus-spike) between spike.start/spike.end
 *               marks -> replicas against load over time; sized so the minimum replicas cannot absorb it
 *   validate    a prospective check: a target 10 % above the best throughput measured, run at the
 *               plan's N (must meet the SLO) and N − 1 (must miss it)
 *   respike     the spike again with the HPA advice of the first one applied: did the breach go away?
 * Every step records the node's CPU split (service, PostgreSQL, Redis, load generator, the rest).
 * The recorder samples the whole run; then the report is written to experiments/results/<run-id>/.
 *
 *   npx tsx experiments/src/cli/experiment.ts --profile 2cpu-2g [--scenario normal-plus-spike]
 *     [--targets <req/s,...>] [--scale 0.1] [--spike-scale auto|<n>] [--max-replicas auto|<n>] [--repeats 3] [--step-seconds 30]
 *     [--skip saturation,scaling,spike,validate,respike] [--cluster local|current] [--namespace booking] [--release booking]
 *     [--run-id <name>] [--from-run experiments/results/<run-id>] [--counts 5]
 *     [--mix sale|points] [--price-cpu-hour <p> --price-gb-hour <p>]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pins } from '@headroom/k6-controller/pins';
import type { CombinedResult } from '@headroom/k6-controller/result';
import { kubeConfigFor, NAMESPACE as TESTRUN_NAMESPACE, runTestRun, utcStamp } from '@headroom/k6-controller/run';
import { chooseCounts, countPoint, fitPoints, PROSPECTIVE_FACTOR, prospectiveTarget } from '../analysis/capacity.js';
import { memoryGiB, pricesFrom } from '../analysis/cost.js';
import { unavailableKey, type SystemLimits } from '../analysis/demand.js';
import { checkSlo, DEFAULT_SLO, findKnee, nextStep, type Knee, type NodeShare, type SloVerdict, type StepResult } from '../analysis/knee.js';
import { DEFAULT_HEADROOM, DEFAULT_TARGETS, PEAK_RPS_AT_SCALE_1, SPIKE_START_OFFSET_S, spikeScale } from '../analysis/plan.js';
import { fitUsl } from '../analysis/usl.js';
import { DEFAULT_PROMETHEUS, PrometheusClient, prometheusTransport } from '../record/prometheus.js';
import { coresOver } from '../record/counters.js';
import { cpuCounterSelectors, sampleQueries, stepServerQueries } from '../record/queries.js';
import { cpuCores } from '../record/changes.js';
import { Recorder } from '../record/recorder.js';
import { STEP_MIXES, writeReport, type LoadTestRow, type Prospective, type RunInfo } from '../report/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PHASES = ['saturation', 'scaling', 'spike', 'validate', 'respike'] as const;

const { values: flags } = parseArgs({
  options: {
    profile: { type: 'string' },
    scenario: { type: 'string', default: 'normal-plus-spike' },
    /** the steps' request mix (k6-operator/scripts/saturation.js MIX): sale, or points (PostgreSQL-bound) */
    mix: { type: 'string', default: 'sale' },
    /** the req/s to plan for, comma-separated; default analysis/plan.ts DEFAULT_TARGETS */
    targets: { type: 'string', default: DEFAULT_TARGETS.join(',') },
    scale: { type: 'string', default: '0.1' },
    /** SCALE for the spike phase: 'auto' sizes it from the per-pod TPS (spikeScale below) */
    'spike-scale': { type: 'string', default: 'auto' },
    /** 'auto': 1..min(5, pods the node holds at their CPU limit), at least 1..3 */
    'max-replicas': { type: 'string', default: 'auto' },
    /** measure only these replica counts (e.g. '5' to add or redo one count of a --from-run) */
    counts: { type: 'string' },
    /** runs at each knee rate (the spread is reported) */
    repeats: { type: 'string', default: '3' },
    'step-seconds': { type: 'string', default: '30' },
    'start-rate': { type: 'string', default: '50' },
    skip: { type: 'string', default: '' },
    cluster: { type: 'string', default: process.env.CLUSTER ?? 'local' },
    namespace: { type: 'string', default: 'booking' },
    release: { type: 'string', default: 'booking' },
    'shared-note': { type: 'string', default: '' },
    /** the results directory's name (make sweep names its runs); default <profile>-<UTC time> */
    'run-id': { type: 'string' },
    /** price the plan: one core for an hour, one GiB for an hour (any currency; both or neither) */
    'price-cpu-hour': { type: 'string' },
    'price-gb-hour': { type: 'string' },
    /** re-use an earlier run's saturation and scaling results (for --skip saturation,scaling,spike) */
    'from-run': { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`experiment: ${message}\n`);
  process.exit(2);
}

function parsePrices(cpu: string | undefined, gb: string | undefined) {
  try {
    return pricesFrom(cpu, gb);
  } catch (err) {
    return fail((err as Error).message);
  }
}

const profile = flags.profile ?? fail('--profile is required (make experiment PROFILE=<name>)');
const skip = new Set(flags.skip.split(',').filter(Boolean));
for (const s of skip) if (!(PHASES as readonly string[]).includes(s)) fail(`--skip takes ${PHASES.join(', ')}; not '${s}'`);
const targets = flags.targets.split(',').map(Number);
if (targets.some((t) => !(t > 0))) fail(`--targets must be positive numbers, not '${flags.targets}'`);
const maxReplicas = flags['max-replicas'] === 'auto' ? 'auto' : Number(flags['max-replicas']);
if (maxReplicas !== 'auto' && !(Number.isInteger(maxReplicas) && maxReplicas >= 1)) fail(`--max-replicas takes 'auto' or a whole number ≥ 1, not '${flags['max-replicas']}'`);
const onlyCounts = flags.counts?.split(',').map(Number);
if (onlyCounts?.some((n) => !(Number.isInteger(n) && n >= 1))) fail(`--counts takes whole numbers ≥ 1, e.g. 1,2,5; not '${flags.counts}'`);
const repeats = Number(flags.repeats);
if (!(Number.isInteger(repeats) && repeats >= 1)) fail(`--repeats takes a whole number ≥ 1, not '${flags.repeats}'`);
const stepSeconds = Number(flags['step-seconds']);
const mix = STEP_MIXES.find((m) => m === flags.mix) ?? fail(`--mix takes ${STEP_MIXES.join(' or ')}, not '${flags.mix}'`);
const { namespace, release } = flags;
const prices = parsePrices(flags['price-cpu-hour'], flags['price-gb-hour']) ?? undefined;

const kc = (() => {
  try {
    return kubeConfigFor(flags.cluster);
  } catch (err) {
    return fail((err as Error).message);
  }
})();
const apps = kc.makeApiClient(AppsV1Api);
const autoscaling = kc.makeApiClient(AutoscalingV2Api);
const core = kc.makeApiClient(CoreV1Api);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const prometheus = new PrometheusClient(prometheusTransport(DEFAULT_PROMETHEUS, kc));
/** the service's own pods (PostgreSQL, Redis and the Jobs carry app.kubernetes.io/component) */
const SERVICE_PODS = `app.kubernetes.io/instance=${release},!app.kubernetes.io/component`;

const runId = flags['from-run'] ? flags['from-run'].replace(/\/+$/, '').split('/').at(-1)! : flags['run-id'] ?? `${profile}-${utcStamp()}`;
if (!/^[\w.-]+$/.test(runId)) fail(`--run-id may hold letters, digits, '.', '_' and '-' only; not '${runId}'`);
const outDir = flags['from-run'] ? resolve(flags['from-run']) : join(ROOT, 'experiments', 'results', runId);
mkdirSync(flags['from-run'] ? join(outDir, 'follow-up') : outDir, { recursive: true });
const started = Date.now();
const say = (msg: string) => process.stdout.write(`[experiment ${String(Math.round((Date.now() - started) / 1000)).padStart(4)}s] ${msg}\n`);

/** Runs one scenario's TestRun (the path `make loadtest` takes) and returns its combined result. */
async function loadtest(scenario: string, overrides: { SCALE?: string } = {}, k6Env: Record<string, string> = {}): Promise<CombinedResult> {
  return runTestRun(kc, {
    scenario, scale: Number(overrides.SCALE ?? flags.scale), parallelism: 1, env: k6Env,
    // make experiment exports where the cluster gets k6 (IMAGES, REGISTRY: charts/charts.mk)
    k6Image: process.env.K6_IMAGE, starterImage: process.env.K6_STARTER_IMAGE,
    progress: (line) => process.stdout.write(`    ${line}\n`),
  });
}

/** The spike phase's SCALE: the flag, or sized from the per-pod TPS (analysis/plan.ts spikeScale). */
function spikePhaseScale(perPodTps: number | undefined, minReplicas: number): string {
  if (flags['spike-scale'] !== 'auto') return flags['spike-scale'];
  const peakAt1 = PEAK_RPS_AT_SCALE_1[flags.scenario];
  if (!peakAt1 || !perPodTps) return flags.scale;
  return String(spikeScale({ perPodTps, minReplicas, peakRpsAtScale1: peakAt1, minScale: Number(flags.scale) }));
}

/** Holds the replica count at n through the HPA (min = max = n) and waits until n pods are ready. */
async function pinReplicas(n: number, timeoutMs = 300_000) {
  await autoscaling.patchNamespacedHorizontalPodAutoscaler(
    { name: release, namespace, body: { spec: { minReplicas: n, maxReplicas: n } } }, mergePatch);
  say(`replicas pinned to ${n}; waiting for them to be ready`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await apps.readNamespacedDeployment({ name: release, namespace });
    if ((d.status?.readyReplicas ?? 0) === n && (d.status?.replicas ?? 0) === n) return;
    if (Date.now() > deadline) throw new Error(`${n} replicas not ready after ${timeoutMs / 1000} s: kubectl -n ${namespace} get pods`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** One constant-rate step of the saturation script: what was offered, what came back, and when
 *  it ended (k6's last push to Prometheus; read now, while the series is within the lookback). */
async function step(rate: number): Promise<StepResult & { endS: number | null }> {
  const restartsBefore = await serviceRestarts();
  const result = await loadtest('saturation', {}, { RATES: String(rate), STEP_SECONDS: String(stepSeconds), MIX: mix });
  const restarts = (await serviceRestarts()) - restartsBefore;
  const endS = await prometheus.scalar(`max(timestamp(k6_http_reqs_total{testid="${(result.testid ?? '').replace(/["\\]/g, '')}"}))`).catch(() => null);
  const s = {
    offeredRps: rate,
    achievedRps: result.rps ?? 0,
    p95Ms: result.p95.ms ?? Number.NaN,
    errorRate: result.http_req_failed.rate ?? 1,
    droppedIterations: result.metrics.dropped_iterations?.count ?? 0,
    ...(restarts > 0 ? { restarts } : {}),
    endS,
  };
  if (restarts > 0) say(`  ${restarts} service container restart(s) during this step: the step fails, and the next one waits for ready pods and a warm-up`);
  say(`  ${rate}/s offered -> ${s.achievedRps}/s, p95 ${s.p95Ms.toFixed(1)} ms, errors ${(100 * s.errorRate).toFixed(2)}%`);
  return s;
}

/** Each step's node CPU split, once cAdvisor has reported past the last step's end, and the service's own view of it. */
async function addNodeShares(steps: Array<StepResult & { endS: number | null }>, replicas: number): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const { endS, ...s } of steps) {
    const node = await stepNodeShare(endS, replicas).catch((err: Error) => {
      say(`  (node CPU of the ${s.offeredRps}/s step unreadable: ${err.message})`);
      return undefined;
    });
    if (node) say(`  ${s.offeredRps}/s: node ${node.usedCores.toFixed(2)}/${node.capacityCores} cores (service ${node.serviceCores.toFixed(2)}, ` +
      `PostgreSQL ${node.postgresCores.toFixed(2)}, Redis ${node.redisCores.toFixed(2)}, k6 ${node.loadgenCores.toFixed(2)}, rest ${node.restCores.toFixed(2)})`);
    const server = endS === null ? undefined : await stepServer(endS).catch((err: Error) => {
      say(`  (the service's metrics of the ${s.offeredRps}/s step unreadable: ${err.message})`);
      return undefined;
    });
    out.push({ ...s, ...(node ? { node } : {}), ...(server ? { server } : {}) });
  }
  return out;
}

/** The service's own metrics over a step: PostgreSQL connections held, 5xx by status, dependency 503s by why. */
async function stepServer(endS: number): Promise<NonNullable<StepResult['server']>> {
  const q = stepServerQueries({ namespace, deployment: release }, stepSeconds);
  const at = new Date(endS * 1000);
  // Totals at the step's start and one scrape after its end (the service is scraped every 15 s).
  const [from, to] = [new Date((endS - stepSeconds) * 1000), new Date((endS + SCRAPE_S) * 1000)];
  const counts = async (promql: string, key: (m: Record<string, string>) => string) => {
    const before = new Map((await prometheus.query(promql, from)).map((e) => [key(e.metric), Number(e.value[1])]));
    return Object.fromEntries((await prometheus.query(promql, to))
      .map((e) => [key(e.metric), Math.max(0, Math.round(Number(e.value[1]) - (before.get(key(e.metric)) ?? 0)))] as const)
      .filter(([, n]) => n > 0));
  };
  const errorsByStatus = await counts(q.serverErrorsByStatus, (m) => m.status ?? '?');
  const unavailableByKind = await counts(q.unavailableByKind, (m) => unavailableKey(m.dependency ?? '?', m.kind ?? '?'));
  const server = { dbConnectionsMax: await prometheus.scalar(q.dbConnectionsMax, at), errorsByStatus, unavailableByKind };
  const fives = Object.entries({ ...errorsByStatus, ...unavailableByKind }).map(([k, n]) => `${n} × ${k}`).join(', ');
  say(`  service: up to ${server.dbConnectionsMax ?? '?'} PostgreSQL connections held${fives ? `; ${fives}` : ''}`);
  return server;
}

/** The ramp-bisect-repeat search of analysis/knee.ts from `startRps`, its steps with the node's CPU split. */
async function search(startRps: number, growth: number, replicas: number): Promise<Knee> {
  const history: Array<StepResult & { endS: number | null }> = [];
  // The first judged step must not meet a cold process (JIT, empty pools and caches).
  await warmUp(startRps);
  for (;;) {
    const next = nextStep(history, { startRps, growth, repeats });
    if (next.done) {
      say(`  search done: ${next.reason}`);
      const knee = findKnee(await addNodeShares(history, replicas));
      // nextStep's own warnings (bracket width, repeats) and the node-bound ones of findKnee
      knee.warnings = [...new Set([...next.knee.warnings, ...knee.warnings])];
      for (const w of knee.warnings) say(`  warning: ${w}`);
      return knee;
    }
    const last = await step(Math.round(next.offeredRps));
    history.push(last);
    if (last.restarts) await recover(replicas, Math.round(last.offeredRps / 2));
  }
}

/** Service containers' restarts so far (kubelet's counts, summed over the service pods). */
async function serviceRestarts(): Promise<number> {
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: SERVICE_PODS })).items;
  return pods.reduce((sum, p) => sum + (p.status?.containerStatuses ?? []).reduce((a, c) => a + (c.restartCount ?? 0), 0), 0);
}

/** After a restart: ready pods again, then an unjudged warm-up, so the next step does not measure a cold process. */
async function recover(replicas: number, warmRps: number) {
  await pinReplicas(replicas);
  await warmUp(warmRps);
}

async function warmUp(rps: number) {
  say(`  warm-up: ${Math.round(rps)}/s for 15 s (not judged)`);
  const r = await loadtest('saturation', {}, { RATES: String(Math.max(1, Math.round(rps))), STEP_SECONDS: '15', MIX: mix });
  // Nothing below capacity fails wholesale: the data is missing or the service is broken, and every step would measure that.
  const failed = r.http_req_failed.rate ?? 1;
  if (failed > 0.5) {
    fail(`${Math.round(failed * 100)} % of the warm-up's requests failed at ${Math.round(rps)}/s: is the database seeded? ` +
      `kubectl -n ${namespace} logs job/${release}-seed; kubectl -n ${namespace} get pods. Deploy again with 'make experiment' (it seeds on every upgrade).`);
  }
}

/**
 * Who used the node's CPU during a step: each part's raw cAdvisor counters interpolated at the
 * step's edges (record/counters.ts; cAdvisor's samples are too sparse for rate() over a step).
 * The step ends at `endS` (step()) and lasts `stepSeconds`.
 */
const MARGIN_S = 30;
const SCRAPE_S = 15;
let capacityCores: number | null = null;
async function stepNodeShare(endS: number | null, replicas: number): Promise<NodeShare> {
  if (endS === null) throw new Error('the step\'s k6 series was not found in Prometheus');
  const startS = endS - stepSeconds;
  // cAdvisor reports a cgroup every 10-15 s, later when busy: read 30 s either side.
  await new Promise((r) => setTimeout(r, Math.max(0, (endS + MARGIN_S) * 1000 - Date.now())));
  const selectors = cpuCounterSelectors({ namespace, deployment: release });
  const at = new Date((endS + MARGIN_S) * 1000);
  const cores = async (part: keyof typeof selectors) => {
    const series = await prometheus.samples(selectors[part], stepSeconds + 2 * MARGIN_S, at);
    if (part === 'loadgen') {
      // A k6 runner lives for its step only and cAdvisor may sample it once: its counter was 0
      // when its cgroup started, which cAdvisor also reports.
      const starts = await prometheus.query(`last_over_time(${selectors.loadgen.replace('container_cpu_usage_seconds_total', 'container_start_time_seconds')}[${stepSeconds + 2 * MARGIN_S}s])`, at);
      for (const s of series) {
        const start = starts.find((x) => x.metric.id === s.metric.id)?.value[1];
        if (start !== undefined && s.values.length && start < s.values[0][0]) s.values.unshift([start, 0]);
      }
    }
    const v = coresOver(series, startS, endS);
    if (v === null) throw new Error(`no ${part} CPU samples around the step`);
    return v;
  };
  const [serviceCores, postgresCores, redisCores, loadgenCores, usedCores] = await Promise.all(
    (['service', 'postgres', 'redis', 'loadgen', 'node'] as const).map(cores));
  // The node(s)' CPU capacity does not change during a run: asked once.
  capacityCores ??= await prometheus.scalar(sampleQueries({ namespace, deployment: release }).nodeCpuCores);
  if (capacityCores === null) throw new Error('no node CPU capacity in Prometheus');
  return {
    serviceCores, postgresCores, redisCores, loadgenCores, usedCores, capacityCores,
    restCores: Math.max(0, usedCores - serviceCores - postgresCores - redisCores - loadgenCores),
    serviceLimitCores: replicas * limitCores,
  };
}

async function nodeFacts() {
  const nodes = (await core.listNode()).items;
  const node = nodes[0];
  const cpusOnNode = Number(node?.status?.capacity?.cpu ?? cpus().length);
  const memKi = Number((node?.status?.capacity?.memory ?? '').replace(/Ki$/, '')) || totalmem() / 1024;
  const pods = (await core.listPodForAllNamespaces()).items
    .filter((p) => p.status?.phase === 'Running' && p.metadata?.namespace !== namespace)
    .map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  return {
    node: {
      cpus: cpusOnNode, memoryGiB: Math.round((memKi / 1024 / 1024) * 10) / 10,
      description: `${nodes.length} node(s); ${node?.metadata?.name}: kubelet ${node?.status?.nodeInfo?.kubeletVersion}, ${node?.status?.nodeInfo?.osImage}`,
    },
    sharedWith: [
      ...(flags.cluster === 'current' ? [] : ['the k6 load generator (runner pods on the same node)',
        'PostgreSQL and Redis of the chart (same node)', 'the Kubernetes control plane (host processes on the same machine)']),
      ...(flags['shared-note'] ? [flags['shared-note']] : []),
      ...pods,
    ],
    kubeletVersion: node?.status?.nodeInfo?.kubeletVersion ?? 'unknown',
  };
}

/** What the shared parts can take as deployed: PostgreSQL's and Redis' CPU limits, workers, pool, max_connections. */
async function systemLimits(): Promise<SystemLimits | undefined> {
  try {
    const config = (await core.readNamespacedConfigMap({ name: release, namespace })).data ?? {};
    const statefulLimit = async (name: string) => {
      const set = await apps.readNamespacedStatefulSet({ name, namespace }).catch(() => undefined);
      const container = set?.spec?.template.spec?.containers[0];
      return { limit: cpuCores(container?.resources?.limits?.cpu), memory: memoryGiB(container?.resources?.limits?.memory), args: container?.args ?? [] };
    };
    const pg = await statefulLimit(`${release}-postgresql`);
    const redis = await statefulLimit(`${release}-redis`);
    const maxConnections = Number(/max_connections=(\d+)/.exec(pg.args.join(' '))?.[1] ?? 100);
    return {
      postgresLimitCores: pg.limit, redisLimitCores: redis.limit, postgresMemoryGiB: pg.memory, redisMemoryGiB: redis.memory,
      workersPerPod: Number(config.WEB_CONCURRENCY ?? 1), dbPoolPerWorker: Number(config.DB_POOL_MAX ?? 10), maxConnections,
    };
  } catch (err) {
    say(`could not read PostgreSQL, Redis and pool settings (${(err as Error).message}): no whole-system plan`);
    return undefined;
  }
}

/** The pins a run records: the cluster's and the load's tools. */
const versionsEnv = () => Object.fromEntries(Object.entries(pins())
  .filter(([name]) => ['KUBERNETES_VERSION', 'K6_VERSION', 'PROMETHEUS_VERSION', 'HELM_VERSION'].includes(name)));

// The run's state, shared by the phases below.
let info: RunInfo;
let recorder: Recorder;
/** the service container's CPU limit, cores (0: none) */
let limitCores = 0;
const loadtests: LoadTestRow[] = [];

function writeInfo() {
  if (!flags['from-run']) writeFileSync(join(outDir, 'run.json'), JSON.stringify(info, null, 2));
}

function addRow(name: string, r: CombinedResult) {
  loadtests.push({
    name, profile, requests: r.http_reqs, meanMs: r.mean_ms ?? 0, p90Ms: r.p90.ms ?? 0, p95Ms: r.p95.ms ?? 0,
    rps: r.rps ?? 0, shareUnderSlo: null, failures: r.http_req_failed.fails,
  });
}

async function main() {
  const facts = await nodeFacts();
  const deployment = await apps.readNamespacedDeployment({ name: release, namespace }).catch(() =>
    fail(`no deployment ${namespace}/${release}: run 'make deploy PROFILE=${profile}' first (make experiment does)`));
  const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: release, namespace }).catch(() =>
    fail(`no HPA ${namespace}/${release}: the chart must be deployed with autoscaling.enabled=true`));
  const hpaRange = { minReplicas: hpa.spec?.minReplicas ?? 1, maxReplicas: hpa.spec?.maxReplicas ?? 4 };
  const container = deployment.spec?.template.spec?.containers[0];
  limitCores = cpuCores(container?.resources?.limits?.cpu) ?? 0;
  info = {
    runId,
    // make experiment passes its command line; run directly, the flags say what was asked
    command: process.env.HEADROOM_COMMAND ?? `npx tsx experiments/src/cli/experiment.ts ${process.argv.slice(2).join(' ')}`,
    createdAt: new Date(started).toISOString(),
    profile,
    scenario: flags.scenario,
    mix,
    node: facts.node,
    sharedWith: facts.sharedWith,
    versions: {
      ...versionsEnv(), kubelet: facts.kubeletVersion, image: container?.image ?? 'unknown',
      resources: JSON.stringify(container?.resources ?? {}), k6Scale: flags.scale,
    },
    slo: DEFAULT_SLO,
    targets,
    headroom: DEFAULT_HEADROOM,
    system: await systemLimits(),
    ...(prices ? { prices } : {}),
  };
  writeInfo();
  say(`run ${runId}: profile ${profile}, ${facts.node.cpus} CPUs node, results in ${outDir}`);

  recorder = new Recorder({
    kubeConfig: kc, namespace, deployment: release, podSelector: SERVICE_PODS,
    // A follow-up run keeps the first run's recording and records beside it.
    // k6's series are those of the replayed scenario only: the saturation runs' gauges linger in
    // Prometheus for minutes after they end (remote write sends no staleness markers).
    testRuns: { namespace: TESTRUN_NAMESPACE, name: flags.scenario },
    prometheus, outDir: flags['from-run'] ? join(outDir, 'follow-up') : outDir, rateWindow: '30s',
    onSample: (s) => say(`sample: replicas desired ${s.desiredReplicas ?? '-'} ready ${s.readyReplicas ?? '-'}, ` +
      `${s.rps?.toFixed(1) ?? '-'} req/s, p95 ${s.p95Ms?.toFixed(1) ?? '-'} ms`),
  });
  await recorder.start();

  const previous = flags['from-run'] ? readJson<CountRecord[]>(join(outDir, 'scaling.json')) : undefined;
  const scaling: CountRecord[] = previous ?? [];
  let perPodTps = scaling.find((p) => p.replicas === 1)?.throughputRps || undefined;
  try {
    if (!skip.has('saturation') || !skip.has('scaling')) {
      const choice = chooseCounts(facts.node.cpus, limitCores, maxReplicas, profileCpus());
      info.countsNote = choice.note;
      writeInfo();
      say(choice.note);
      for (const n of onlyCounts ?? choice.counts) {
        if (n === 1 ? skip.has('saturation') : skip.has('scaling')) continue;
        say(n === 1 ? 'phase saturation: one replica, stepped constant arrival rate' : `phase scaling: ${n} replicas`);
        recorder.mark(n === 1 ? 'phase.saturation' : 'phase.scaling', { replicas: n });
        try {
          await pinReplicas(n, 180_000);
        } catch (err) {
          say(`  this node could not run ${n} replicas (${(err as Error).message}); the scaling phase stops at ${n - 1}`);
          info.countsNote = `${choice.note}; the node could not schedule ${n} replicas, so the counts stop at ${n - 1}`;
          writeInfo();
          break;
        }
        // One pod's knee from far below in ×2 steps; each further count from the count below's in ×1.25 steps.
        const below = scaling.find((p) => p.replicas === n - 1)?.throughputRps;
        const knee = await search(n === 1 || !below ? Number(flags['start-rate']) : Math.round(below), n === 1 ? 2 : 1.25, n);
        const point = { ...countPoint(n, knee), steps: knee.steps.map(stripVerdict) };
        scaling.splice(0, scaling.length, ...scaling.filter((p) => p.replicas !== n), point);
        scaling.sort((x, y) => x.replicas - y.replicas);
        writeFileSync(join(outDir, 'scaling.json'), JSON.stringify(scaling, null, 2));
        if (n === 1) writeFileSync(join(outDir, 'saturation.json'), JSON.stringify(point.steps, null, 2));
        say(`  ${n} replica(s): ${knee.perPodTps ?? 'nothing'} req/s within the SLO; capacity in [${point.lo}, ${point.hi ?? '∞'}) req/s` +
          `${point.censored !== 'none' ? ` (censored: ${point.censored}, not fitted)` : ''}${point.nodeBound ? ' (node-bound)' : ''}`);
        if (n === 1) perPodTps = knee.perPodTps ?? undefined;
        if (n === 1 && !perPodTps) { say('no rate met the SLO on one replica: the scaling phase has nothing to start from'); break; }
      }
    }
    if (!skip.has('spike')) {
      await spike('spike', spikePhaseScale(perPodTps, hpaRange.minReplicas), hpaRange);
      // The scale-down is part of the picture too, but bounded.
      await new Promise((r) => setTimeout(r, 30_000));
    }
  } finally {
    await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: release, namespace, body: { spec: hpaRange } }, mergePatch)
      .catch(() => undefined);
  }

  try {
    if (!skip.has('validate')) await validate(scaling, hpaRange);
    if (!skip.has('respike')) await respike(spikePhaseScale(perPodTps, hpaRange.minReplicas), hpaRange);
  } finally {
    await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: release, namespace, body: { spec: hpaRange } }, mergePatch)
      .catch(() => undefined);
    await recorder.stop();
    // A follow-up run (--from-run) keeps the first run's load-test rows.
    if (!flags['from-run'] || loadtests.length) writeFileSync(join(outDir, 'loadtests.json'), JSON.stringify(loadtests, null, 2));
  }
  const { summary, files } = await writeReport(outDir);
  say(`report: ${join(outDir, 'report.md')} (${files.length} files)`);
  process.stdout.write(`\n${JSON.stringify(summary.headline ?? summary.warnings, null, 2).slice(0, 2000)}\n`);
}

/** The scenario with the HPA on, between spike.start and spike.end marks (analysis/reaction.ts reads them). */
async function spike(phase: 'spike' | 'respike', scale: string, hpa: { minReplicas: number; maxReplicas: number }) {
  say(`phase ${phase}: HPA ${hpa.minReplicas}..${hpa.maxReplicas}, scenario ${flags.scenario} at SCALE ${scale}` +
    `${flags['spike-scale'] === 'auto' ? ' (auto: about twice what the minimum replicas serve, at most 1)' : ''}`);
  await pinReplicas(hpa.minReplicas);
  await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: release, namespace, body: { spec: hpa } }, mergePatch);
  info.versions[phase === 'spike' ? 'k6SpikeScale' : 'k6RespikeScale'] = scale;
  writeInfo();
  recorder.mark(`phase.${phase}`, { scale, ...hpa });
  const result = await loadtest(flags.scenario, { SCALE: scale });
  // The marks carry when k6 really ran: its runners' containers started (Kubernetes' own
  // timestamps, to the second) plus the scenario's start offset, until the last runner ended.
  const run = await runnerTimes(flags.scenario);
  if (run) {
    const offsetS = SPIKE_START_OFFSET_S[flags.scenario] ?? 0;
    recorder.mark('spike.start', { phase, source: `runner start + ${offsetS} s` }, new Date(run.start.getTime() + offsetS * 1000));
    recorder.mark('spike.end', { phase, source: 'runner end' }, run.end);
  } else say(`  (the runner pods were gone: no spike marks, the reaction is read from the load signal)`);
  addRow(phase === 'spike' ? flags.scenario : `${flags.scenario} (advised HPA)`, result);
  say(`${flags.scenario}: ${result.passed ? 'thresholds met' : 'thresholds FAILED'}; ${result.http_reqs} requests, p95 ${result.p95.ms?.toFixed(1) ?? '-'} ms`);
}

/** First runner container start and last runner end of a scenario's k6 Jobs (pods labelled k6_cr=<scenario>). */
async function runnerTimes(scenario: string): Promise<{ start: Date; end: Date } | null> {
  const pods = (await core.listNamespacedPod({ namespace: TESTRUN_NAMESPACE, labelSelector: `k6_cr=${scenario}` })).items
    .filter((p) => /-\d+$/.test(p.metadata?.labels?.['job-name'] ?? ''));
  const states = pods.map((p) => p.status?.containerStatuses?.[0]?.state?.terminated).filter((t) => t?.startedAt && t?.finishedAt);
  if (!states.length) return null;
  return {
    start: new Date(Math.min(...states.map((t) => new Date(t!.startedAt!).getTime()))),
    end: new Date(Math.max(...states.map((t) => new Date(t!.finishedAt!).getTime()))),
  };
}

/** The spike again with the first spike's advice applied (minReplicas; the chart's scale-up
 *  behavior is already Kubernetes' fastest, 0 s window and 100 %/4 pods per 15 s, so it stays). */
async function respike(scale: string, hpa: { minReplicas: number; maxReplicas: number }) {
  writeFileSync(join(outDir, 'loadtests.json'), JSON.stringify(loadtests, null, 2));
  const { summary } = await writeReport(outDir);
  const advice = summary.hpaAdvice;
  if (!advice) return say('respike: skipped, the first spike gave no HPA advice (see the report\'s warnings)');
  const advised = { minReplicas: advice.minReplicas, maxReplicas: Math.max(hpa.maxReplicas, advice.minReplicas + 1) };
  await spike('respike', scale, advised);
  await new Promise((r) => setTimeout(r, 30_000));
}

type CountRecord = ReturnType<typeof countPoint> & { steps: StepResult[] };

function stripVerdict(s: StepResult & Partial<SloVerdict>): StepResult {
  const { ok: _o, reasons: _r, generatorBound: _g, nodeBound: _n, ...rest } = s;
  return rest;
}

/** Every chart profile with its CPU limit, to name those that fit the node five times. */
function profileCpus(): Array<{ name: string; cpuCores: number }> {
  const dir = join(ROOT, 'charts', 'booking', 'profiles');
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => {
    const m = /limits:\s*\{[^}]*cpu:\s*"?([\d.]+m?)"?/.exec(readFileSync(join(dir, f), 'utf8'));
    const cores = m ? cpuCores(m[1]) : null;
    return cores ? [{ name: f.replace(/\.yaml$/, ''), cpuCores: cores }] : [];
  }).sort((a, b) => a.cpuCores - b.cpuCores);
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as T : undefined;
}

/**
 * The prospective check (analysis/capacity.ts): a target 10 % above the best throughput any count
 * sustained, run at the plan's N (it must meet the SLO) and at N − 1 (it must miss). Where the
 * curve says no count reaches it, the count where the curve peaks is run and must miss.
 */
async function validate(scaling: CountRecord[], hpaRange: { minReplicas: number; maxReplicas: number }) {
  const measured = fitPoints(scaling);
  if (new Set(measured.map((p) => p.n)).size < 3) return say('validate: skipped, fewer than 3 measured replica counts to fit');
  const fit = fitUsl(measured.map((p) => ({ n: p.n, x: scaling.find((c) => c.replicas === p.n)!.throughputRps })));
  const target = prospectiveTarget(scaling, fit);
  if (!target) return say('validate: skipped, no throughput was measured');
  const counts = target.replicas !== null ? [target.replicas, target.replicas - 1].filter((n) => n >= 1) : [Math.max(1, Math.round(fit.peakN ?? 1))];
  say(`phase validate: target ${target.targetTps} req/s (${PROSPECTIVE_FACTOR} × the best measured, ${Math.round(target.bestMeasuredRps)}); ` +
    `the plan says ${target.replicas ?? 'no count reaches it'}${target.replicas ? ` replica(s): running ${counts.join(' and ')}` : `: running ${counts[0]}, which must miss`}`);
  const runs: Prospective['runs'] = [];
  for (const n of counts) {
    try {
      await pinReplicas(n, 120_000);
    } catch (err) {
      say(`  this node could not run ${n} replicas: ${(err as Error).message}`);
      runs.push({ replicas: n, ran: false, note: `this node could not run ${n} replicas within 2 minutes` });
      continue;
    }
    recorder.mark('phase.validate', { replicas: n, targetTps: target.targetTps });
    // Pods that just started run cold code: a short unjudged step at half the rate first.
    await warmUp(target.targetTps / 2);
    const [observed] = await addNodeShares([await step(target.targetTps)], n);
    const verdict = checkSlo(observed);
    runs.push({ replicas: n, ran: true, observedRps: observed.achievedRps, p95Ms: observed.p95Ms, errorRate: observed.errorRate, metSlo: verdict.ok, nodeBound: verdict.nodeBound });
  }
  const p: Prospective = { ...target, factor: PROSPECTIVE_FACTOR, runs };
  writeFileSync(join(outDir, 'prospective.json'), JSON.stringify(p, null, 2));
  await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: release, namespace, body: { spec: hpaRange } }, mergePatch);
}

main().catch((err: Error) => {
  process.stderr.write(`experiment failed: ${err.message ?? String(err)}\nThe partial results are in ${outDir}; re-render with ` +
    `npx tsx experiments/src/cli/report.ts ${outDir}\n`);
  process.exitCode = 1;
});
