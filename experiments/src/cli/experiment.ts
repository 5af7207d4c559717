/**
 * The experiment controller behind `make experiment PROFILE=...` (the chart is already deployed
 * with that profile when this starts). Phases, each skippable:
 *   saturation  one replica, stepped constant arrival rate -> per-pod TPS at the SLO
 *   scaling     fixed replica counts 2..N, a short search each -> throughput per replica count (USL)
 *   spike       the HPA back on, the scenario (normal-plus-spike) -> replicas against load over time;
 *               its size is chosen so that the surge needs more than the minimum replicas
 *   validate    a target within the node's reach, at the replica count the plan predicts for it:
 *               does it meet the SLO? (predicted vs observed, appended to the report)
 * The recorder samples the whole run; then the report is written to experiments/results/<run-id>/.
 *
 *   npx tsx experiments/src/cli/experiment.ts --profile 2cpu-2g [--scenario normal-plus-spike]
 *     [--targets 1000,10000,30000] [--scale 0.1] [--spike-scale auto|<n>] [--max-replicas 3] [--step-seconds 30]
 *     [--skip saturation,scaling,spike,validate] [--cluster local|current] [--namespace booking] [--release booking]
 *     [--run-id <name>] [--from-run experiments/results/<run-id>]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { checkSlo, DEFAULT_SLO, findKnee, nextStep, type StepResult } from '../analysis/knee.js';
import { PEAK_RPS_AT_SCALE_1, spikeScale, validationPlan } from '../analysis/plan.js';
import { fitUsl } from '../analysis/usl.js';
import { DEFAULT_PROMETHEUS, PrometheusClient, prometheusTransport } from '../record/prometheus.js';
import { Recorder } from '../record/recorder.js';
import { writeReport, type LoadTestRow, type RunInfo, type ScalingPoint, type Validation } from '../report/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const LOADTEST = join(ROOT, 'k6-operator', 'scripts', 'loadtest.sh');
const PHASES = ['saturation', 'scaling', 'spike', 'validate'] as const;

const { values: flags } = parseArgs({
  options: {
    profile: { type: 'string' },
    scenario: { type: 'string', default: 'normal-plus-spike' },
    targets: { type: 'string', default: '1000,10000,30000' },
    scale: { type: 'string', default: '0.1' },
    /** SCALE for the spike phase: 'auto' sizes it from the per-pod TPS (spikeScale below) */
    'spike-scale': { type: 'string', default: 'auto' },
    'max-replicas': { type: 'string', default: '3' },
    'step-seconds': { type: 'string', default: '30' },
    'start-rate': { type: 'string', default: '50' },
    skip: { type: 'string', default: '' },
    cluster: { type: 'string', default: process.env.CLUSTER ?? 'local' },
    namespace: { type: 'string', default: 'booking' },
    release: { type: 'string', default: 'booking' },
    'shared-note': { type: 'string', default: '' },
    /** the results directory's name (make sweep names its runs); default <profile>-<UTC time> */
    'run-id': { type: 'string' },
    /** re-use an earlier run's saturation and scaling results (for --skip saturation,scaling,spike) */
    'from-run': { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`experiment: ${message}\n`);
  process.exit(2);
}

const profile = flags.profile ?? fail('--profile is required (make experiment PROFILE=<name>)');
const skip = new Set(flags.skip.split(',').filter(Boolean));
for (const s of skip) if (!(PHASES as readonly string[]).includes(s)) fail(`--skip takes ${PHASES.join(', ')}; not '${s}'`);
const targets = flags.targets.split(',').map(Number);
if (targets.some((t) => !(t > 0))) fail(`--targets must be positive numbers, not '${flags.targets}'`);
const maxReplicas = Number(flags['max-replicas']);
const stepSeconds = Number(flags['step-seconds']);
const { namespace, release } = flags;

const kc = new KubeConfig();
if (flags.cluster === 'current') kc.loadFromDefault();
else {
  const path = join(process.env.HEADROOM_CACHE ?? join(homedir(), '.cache', 'headroom'), 'cluster', 'kubeconfig');
  if (!existsSync(path)) fail(`no local cluster (${path} missing): run 'make cluster-up', or use CLUSTER=current`);
  kc.loadFromFile(path);
}
const apps = kc.makeApiClient(AppsV1Api);
const autoscaling = kc.makeApiClient(AutoscalingV2Api);
const core = kc.makeApiClient(CoreV1Api);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const runId = flags['from-run'] ? flags['from-run'].replace(/\/+$/, '').split('/').at(-1)! : flags['run-id'] ?? `${profile}-${stamp}`;
if (!/^[\w.-]+$/.test(runId)) fail(`--run-id may hold letters, digits, '.', '_' and '-' only; not '${runId}'`);
const outDir = flags['from-run'] ? resolve(flags['from-run']) : join(ROOT, 'experiments', 'results', runId);
mkdirSync(flags['from-run'] ? join(outDir, 'validation') : outDir, { recursive: true });
const started = Date.now();
const say = (msg: string) => process.stdout.write(`[experiment ${String(Math.round((Date.now() - started) / 1000)).padStart(4)}s] ${msg}\n`);

/** Runs one scenario through `make loadtest`'s script and returns its combined HEADROOM_RESULT. */
async function loadtest(scenario: string, env: Record<string, string> = {}, k6Env: Record<string, string> = {}) {
  const k6EnvLine = Object.entries(k6Env).map(([k, v]) => `${k}=${v}`).join(' ');
  return new Promise<LoadResult>((resolveRun, reject) => {
    const child = spawn('bash', [LOADTEST], {
      env: { ...process.env, SCENARIO: scenario, SCALE: flags.scale, K6_ENV: k6EnvLine, CLUSTER: flags.cluster, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let result: LoadResult | undefined;
    const onLine = (line: string) => {
      if (line.startsWith('HEADROOM_RESULT ')) result = JSON.parse(line.slice('HEADROOM_RESULT '.length));
      else if (line.trim()) process.stdout.write(`    ${line}\n`);
    };
    let buffer = '';
    const feed = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('exit', () => {
      if (buffer) onLine(buffer);
      if (result) resolveRun(result);
      else reject(new Error(`loadtest ${scenario} gave no result; see the lines above`));
    });
  });
}

interface LoadResult {
  scenario: string; testid: string; passed: boolean; http_reqs: number; rps: number | null;
  http_req_failed: { rate: number | null; fails: number }; p95: { ms: number; source: string };
  p90_ms_upper_bound: number | null; mean_ms: number | null; metrics: Record<string, { count?: number }>;
}

/** The spike phase's SCALE: the flag, or sized from the per-pod TPS (analysis/plan.ts spikeScale). */
function spikePhaseScale(perPodTps: number | undefined, minReplicas: number): string {
  if (flags['spike-scale'] !== 'auto') return flags['spike-scale'];
  const peakAt1 = PEAK_RPS_AT_SCALE_1[flags.scenario];
  if (!peakAt1 || !perPodTps) return flags.scale;
  return String(spikeScale({ perPodTps, minReplicas, peakRpsAtScale1: peakAt1, minScale: Number(flags.scale) }));
}

/** Holds the replica count at n through the HPA (min = max = n) and waits until n pods are ready. */
async function pinReplicas(n: number) {
  await autoscaling.patchNamespacedHorizontalPodAutoscaler(
    { name: release, namespace, body: { spec: { minReplicas: n, maxReplicas: n } } }, mergePatch);
  say(`replicas pinned to ${n}; waiting for them to be ready`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    const d = await apps.readNamespacedDeployment({ name: release, namespace });
    if ((d.status?.readyReplicas ?? 0) === n && (d.status?.replicas ?? 0) === n) return;
    if (Date.now() > deadline) throw new Error(`${n} replicas not ready after 5 minutes: kubectl -n ${namespace} get pods`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** One constant-rate step of the saturation script: what was offered, what came back. */
async function step(rate: number): Promise<StepResult & { result: LoadResult }> {
  const result = await loadtest('saturation', {}, { RATES: String(rate), STEP_SECONDS: String(stepSeconds) });
  const step = {
    offeredRps: rate,
    achievedRps: result.rps ?? 0,
    p95Ms: result.p95.ms,
    errorRate: result.http_req_failed.rate ?? 1,
    droppedIterations: result.metrics.dropped_iterations?.count ?? 0,
  };
  say(`  ${rate}/s offered -> ${step.achievedRps}/s, p95 ${step.p95Ms.toFixed(1)} ms, errors ${(100 * step.errorRate).toFixed(2)}%`);
  return { ...step, result };
}

/** The ramp-then-bisect search of analysis/knee.ts, from `startRate`, at most `maxSteps` steps. */
async function search(startRate: number, maxSteps: number): Promise<StepResult[]> {
  const history: StepResult[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const next = nextStep(history, { startRps: startRate });
    if (next.done) break;
    history.push(await step(Math.round(next.offeredRps)));
  }
  return history;
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

function versionsEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, 'versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.+)$/.exec(line.trim());
    if (m && /KUBERNETES_VERSION|K6_VERSION|PROMETHEUS_VERSION|HELM_VERSION/.test(m[1])) out[m[1]] = m[2];
  }
  return out;
}

async function main() {
  const facts = await nodeFacts();
  const deployment = await apps.readNamespacedDeployment({ name: release, namespace }).catch(() =>
    fail(`no deployment ${namespace}/${release}: run 'make deploy PROFILE=${profile}' first (make experiment does)`));
  const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ name: release, namespace }).catch(() =>
    fail(`no HPA ${namespace}/${release}: the chart must be deployed with autoscaling.enabled=true`));
  const hpaRange = { minReplicas: hpa.spec?.minReplicas ?? 1, maxReplicas: hpa.spec?.maxReplicas ?? 4 };
  const container = deployment.spec?.template.spec?.containers[0];
  const info: RunInfo = {
    runId,
    command: `make experiment PROFILE=${profile}${flags.cluster === 'current' ? ' CLUSTER=current' : ''}`,
    createdAt: new Date(started).toISOString(),
    profile,
    scenario: flags.scenario,
    node: facts.node,
    sharedWith: facts.sharedWith,
    versions: {
      ...versionsEnv(), kubelet: facts.kubeletVersion, image: container?.image ?? 'unknown',
      resources: JSON.stringify(container?.resources ?? {}), k6Scale: flags.scale,
    },
    slo: DEFAULT_SLO,
    targets,
    headroom: 0.3,
  };
  if (!flags['from-run']) writeFileSync(join(outDir, 'run.json'), JSON.stringify(info, null, 2));
  say(`run ${runId}: profile ${profile}, ${facts.node.cpus} CPUs node, results in ${outDir}`);

  const prometheus = new PrometheusClient(prometheusTransport(DEFAULT_PROMETHEUS, kc));
  const recorder = new Recorder({
    kubeConfig: kc, namespace, deployment: release, podSelector: `app.kubernetes.io/instance=${release},!app.kubernetes.io/component`,
    // A follow-up run keeps the first run's recording and records beside it.
    // k6's series are those of the replayed scenario only: the saturation runs' gauges linger in
    // Prometheus for minutes after they end (remote write sends no staleness markers).
    testRuns: { namespace: 'loadtest', name: flags.scenario },
    prometheus, outDir: flags['from-run'] ? join(outDir, 'validation') : outDir, rateWindow: '30s',
    onSample: (s) => say(`sample: replicas desired ${s.desiredReplicas ?? '-'} ready ${s.readyReplicas ?? '-'}, ` +
      `${s.rps?.toFixed(1) ?? '-'} req/s, p95 ${s.p95Ms?.toFixed(1) ?? '-'} ms`),
  });
  await recorder.start();

  const loadtests: LoadTestRow[] = [];
  const addRow = (name: string, r: LoadResult) => loadtests.push({
    name, profile, requests: r.http_reqs, meanMs: r.mean_ms ?? 0, p90Ms: r.p90_ms_upper_bound ?? 0, p95Ms: r.p95.ms,
    rps: r.rps ?? 0, shareUnderSlo: null, failures: r.http_req_failed.fails,
  });
  let perPodTps: number | undefined = flags['from-run'] ? findKnee(readJson(join(outDir, 'saturation.json')) ?? []).perPodTps ?? undefined : undefined;
  const scaling: ScalingPoint[] = [];
  try {
    if (!skip.has('saturation')) {
      say('phase saturation: one replica, stepped constant arrival rate');
      recorder.mark('phase.saturation');
      await pinReplicas(1);
      const steps = await search(Number(flags['start-rate']), 10);
      writeFileSync(join(outDir, 'saturation.json'), JSON.stringify(steps.map(({ result: _r, ...s }: any) => s), null, 2));
      const knee = findKnee(steps);
      perPodTps = knee.perPodTps ?? undefined;
      if (perPodTps) scaling.push({ replicas: 1, throughputRps: perPodTps });
      say(`per-pod TPS at the SLO: ${perPodTps ?? 'none (no rate met the SLO)'}`);
    }
    if (!skip.has('scaling') && perPodTps) {
      say(`phase scaling: fixed replicas 2..${maxReplicas}`);
      for (let n = 2; n <= maxReplicas; n++) {
        recorder.mark('phase.scaling', { replicas: n });
        await pinReplicas(n);
        const knee = findKnee(await search(Math.round(perPodTps * n * 0.8), 4));
        scaling.push({ replicas: n, throughputRps: knee.perPodTps ?? 0 });
        say(`  ${n} replicas: ${knee.perPodTps ?? 0} req/s within the SLO`);
      }
      writeFileSync(join(outDir, 'scaling.json'), JSON.stringify(scaling, null, 2));
    }
    if (!skip.has('spike')) {
      say(`phase spike: HPA ${hpaRange.minReplicas}..${hpaRange.maxReplicas}, scenario ${flags.scenario}`);
      await pinReplicas(hpaRange.minReplicas);
      await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: release, namespace, body: { spec: hpaRange } }, mergePatch);
      const scale = spikePhaseScale(perPodTps, hpaRange.minReplicas);
      info.versions.k6SpikeScale = scale;
      if (!flags['from-run']) writeFileSync(join(outDir, 'run.json'), JSON.stringify(info, null, 2));
      say(`spike at SCALE ${scale}${flags['spike-scale'] === 'auto' ? ' (auto: about twice what the minimum replicas serve, at most 1)' : ''}`);
      recorder.mark('phase.spike', { scale });
      const result = await loadtest(flags.scenario, { SCALE: scale });
      addRow(flags.scenario, result);
      say(`${flags.scenario}: ${result.passed ? 'thresholds met' : 'thresholds FAILED'}; ${result.http_reqs} requests, p95 ${result.p95.ms.toFixed(1)} ms`);
      recorder.mark('spike.end');
      // The scale-down is part of the picture too, but bounded.
      await new Promise((r) => setTimeout(r, 30_000));
    }
  } finally {
    await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: release, namespace, body: { spec: hpaRange } }, mergePatch)
      .catch(() => undefined);
    await recorder.stop();
    // A follow-up run (--from-run) keeps the first run's load-test rows.
    if (!flags['from-run'] || loadtests.length) writeFileSync(join(outDir, 'loadtests.json'), JSON.stringify(loadtests, null, 2));
  }

  if (!skip.has('validate')) await validate(scaling.length ? scaling : readJson(join(outDir, 'scaling.json')) ?? [], hpaRange);
  const { summary, files } = await writeReport(outDir);
  say(`report: ${join(outDir, 'report.md')} (${files.length} files)`);
  process.stdout.write(`\n${JSON.stringify(summary, null, 2).slice(0, 2000)}\n`);
}

function readJson<T = any>(path: string): T | undefined {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

/** A target this cluster has shown it can serve, at the replica count the model predicts for it
 *  (analysis/plan.ts validationPlan): the load is offered at the target rate, the SLO judged as in saturation. */
async function validate(scaling: ScalingPoint[], hpaRange: { minReplicas: number; maxReplicas: number }) {
  const fit = scaling.length >= 2 ? fitUsl(scaling.map((p) => ({ n: p.replicas, x: p.throughputRps }))) : null;
  const plan = validationPlan(scaling, fit);
  if (!plan) return say('validate: skipped, no throughput was measured');
  const { targetTps, predictedReplicas: predicted, method } = plan;
  say(`phase validate: target ${targetTps} req/s, the model says ${predicted} replica(s) (${method})`);
  await pinReplicas(predicted);
  // Pods that just started (a rollout, a scale-up) run cold JIT code and empty caches: a short
  // unjudged step at half the rate first, as the saturation search's own ramp gives its steps.
  say(`  warm-up: ${Math.round(targetTps / 2)}/s for 15 s (not judged)`);
  await loadtest('saturation', {}, { RATES: String(Math.round(targetTps / 2)), STEP_SECONDS: '15' });
  const observed = await step(targetTps);
  const metSlo = checkSlo(observed).ok;
  const v: Validation = {
    targetTps, predictedReplicas: predicted, method, observedRps: observed.achievedRps,
    p95Ms: observed.p95Ms, errorRate: observed.errorRate, metSlo,
  };
  writeFileSync(join(outDir, 'validation.json'), JSON.stringify(v, null, 2));
  say(`validate: ${metSlo ? 'met' : 'MISSED'} the SLO at ${predicted} replicas: ${observed.achievedRps}/s, p95 ${observed.p95Ms.toFixed(1)} ms`);
  await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: release, namespace, body: { spec: hpaRange } }, mergePatch);
}

main().catch((err) => {
  process.stderr.write(`experiment failed: ${err.message ?? err}\nThe partial results are in ${outDir}; re-render with ` +
    `npx tsx experiments/src/cli/report.ts ${outDir}\n`);
  process.exitCode = 1;
});
