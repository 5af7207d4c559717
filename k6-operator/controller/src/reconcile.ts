/**
 * One TestRun's reconciliation: looks at the TestRun and the objects it owns, and takes the next
 * step of k6-operator's stages (level-triggered: safe to run again at any time).
 *   ''              -> initialization  create the initializer Job
 *   initialization  -> initialized     the initializer succeeded and the script's VUs cover parallelism
 *                   -> error           it failed (its log is the message) or parallelism is too high
 *   initialized     -> created         runner Services and paused runner Jobs created
 *   created         -> started         every runner's REST API answers: the starter Job resumes them all
 *   started         -> stopped         no runner Job is active
 *   stopped         -> finished        the combined result and the verdict are written
 *   finished        (cleanup: post)    the TestRun is deleted, and with it everything it owns
 * Returns when to look again (ms), or undefined when nothing will change without an event.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { createIfAbsent, errorText, isNotFound, mergePatch, type Kube } from './kube.js';
import {
  INSPECT_MARKER, initializerJob, initializerName, isPaused, runnerJob, runnerName, runnerService, runnerUrl, selectorOf, starterJob, starterName,
} from './resources.js';
import type { RunSeries } from './prometheus.js';
import { combineRunners, summaryFromLog, verdictMessage, type CombinedResult, type MergedStat, type RunnerReport } from './result.js';
import {
  GROUP, parseSpec, PLURAL, RESULT_ANNOTATION, testIdOf, VERDICT_CONDITION, VERSION, type Condition, type Stage, type TestRun, type TestRunSpec,
} from './testrun.js';
import { parseThreshold, splitKey } from './thresholds.js';

export interface Context {
  kube: Kube;
  log: (msg: string) => void;
  /** merged percentiles of a finished run, when Prometheus is configured */
  mergedStats?: (run: RunSeries, wanted: Array<[string, string]>) => Promise<MergedStat>;
  /** whether a runner's REST API answers (the controller must reach the runner pods) */
  runnerAnswers?: (url: string) => Promise<boolean>;
}

const POLL_MS = 3000;
/** Waiting reasons that will not go away by themselves: the run stops with `error`. */
const STUCK = new Set(['ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);
export const ERROR_CONDITION = 'Error';
export const INITIALIZED_CONDITION = 'Initialized';

export async function reconcile(ctx: Context, tr: TestRun): Promise<number | undefined> {
  if (tr.metadata.deletionTimestamp) return undefined; // owner references delete the rest
  const stage = tr.status?.stage;
  if (stage === 'error') return undefined;
  if (stage === 'finished') return finish(ctx, tr);
  const parsed = parseSpec(tr.spec);
  if ('error' in parsed) return fail(ctx, tr, 'InvalidSpec', parsed.error);
  const spec = parsed.spec;
  const { kube } = ctx;
  const ns = tr.metadata.namespace;

  switch (stage ?? '') {
    case '': {
      for (const name of [initializerName(tr), runnerName(tr, 1)]) {
        const leftover = await readJob(kube, ns, name);
        if (leftover && !ownedBy(leftover, tr)) {
          return fail(ctx, tr, 'PreviousRunExists', `Job ${name} of an earlier run exists: delete it (kubectl -n ${ns} delete jobs -l k6_cr=${tr.metadata.name})`);
        }
      }
      await createIfAbsent(() => kube.batch.createNamespacedJob({ namespace: ns, body: initializerJob(tr) }));
      await setStage(ctx, tr, 'initialization');
      return POLL_MS;
    }
    case 'initialization': {
      const job = await readJob(kube, ns, initializerName(tr));
      if (!job) {
        await createIfAbsent(() => kube.batch.createNamespacedJob({ namespace: ns, body: initializerJob(tr) }));
        return POLL_MS;
      }
      const [pod] = await podsOf(kube, ns, `job-name=${initializerName(tr)}`);
      const stuck = stuckReason(pod);
      if (stuck) return fail(ctx, tr, 'InitializerNotStarting', stuck);
      if (!done(job)) return POLL_MS;
      const log = pod ? await podLog(kube, ns, pod) : '';
      if (!job.status?.succeeded) return fail(ctx, tr, 'InitializerFailed', `the initializer (k6 archive + k6 inspect) failed: ${tail(log)}`);
      const inspect = parseInspect(log);
      if (!inspect) return fail(ctx, tr, 'InitializerFailed', `the initializer's output has no k6 inspect JSON: ${tail(log)}`);
      if (spec.parallelism > inspect.maxVUs) {
        return fail(ctx, tr, 'ParallelismTooHigh', `parallelism ${spec.parallelism} exceeds the script's maximum VUs (${inspect.maxVUs}): every runner needs at least one VU`);
      }
      // The run's length, for whoever follows it (make loadtest sets its deadline from it).
      await setStage(ctx, tr, 'initialized', condition(tr, INITIALIZED_CONDITION, 'True', 'ScriptInspected',
        `maxVUs ${inspect.maxVUs}, totalDuration ${inspect.totalDuration}`));
      return 0;
    }
    case 'initialized': {
      for (let i = 1; i <= spec.parallelism; i++) {
        await createIfAbsent(() => kube.core.createNamespacedService({ namespace: ns, body: runnerService(tr, i) }));
        await createIfAbsent(() => kube.batch.createNamespacedJob({ namespace: ns, body: runnerJob(tr, i) }));
      }
      await setStage(ctx, tr, 'created');
      return POLL_MS;
    }
    case 'created': {
      const runners = await podsOf(kube, ns, `${selectorOf(tr)},runner=true`);
      for (const pod of runners) {
        const stuck = stuckReason(pod);
        if (stuck) return fail(ctx, tr, 'RunnerNotStarting', stuck);
      }
      const jobs = await runnerJobs(kube, tr, spec);
      // Runners that ended while paused (their script failed to start) end the run here.
      if (jobs.every((j) => j && done(j))) return setStage(ctx, tr, 'stopped').then(() => 0);
      if (!isPaused(spec)) return setStage(ctx, tr, 'started').then(() => POLL_MS);
      const running = runners.filter((p) => p.status?.phase === 'Running').length;
      if (running < spec.parallelism) return POLL_MS;
      if (ctx.runnerAnswers) {
        for (let i = 1; i <= spec.parallelism; i++) if (!(await ctx.runnerAnswers(runnerUrl(tr, i)))) return POLL_MS;
      }
      await createIfAbsent(() => kube.batch.createNamespacedJob({ namespace: ns, body: starterJob(tr) }));
      ctx.log(`${key(tr)}: ${spec.parallelism} runner(s) paused and reachable: starter created`);
      await setStage(ctx, tr, 'started');
      return POLL_MS;
    }
    case 'started': {
      const starter = isPaused(spec) ? await readJob(kube, ns, starterName(tr)) : undefined;
      if (starter?.status?.failed) {
        const [pod] = await podsOf(kube, ns, `job-name=${starterName(tr)}`);
        ctx.log(`${key(tr)}: the starter failed: ${tail(pod ? await podLog(kube, ns, pod) : '')}`);
      }
      const jobs = await runnerJobs(kube, tr, spec);
      if (!jobs.every((j) => j && done(j))) return POLL_MS;
      await setStage(ctx, tr, 'stopped');
      return 0;
    }
    case 'stopped': {
      const result = await collect(ctx, tr, spec);
      await writeResult(ctx, tr, result);
      ctx.log(`${key(tr)}: ${result.verdict}: ${verdictMessage(result)}`);
      return spec.cleanup === 'post' ? 0 : undefined;
    }
  }
  return undefined;
}

/** cleanup: post deletes the finished TestRun; its Jobs, pods and Services go with it. */
async function finish(ctx: Context, tr: TestRun): Promise<undefined> {
  const parsed = parseSpec(tr.spec);
  if ('spec' in parsed && parsed.spec.cleanup === 'post') {
    await ctx.kube.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: tr.metadata.namespace, name: tr.metadata.name, propagationPolicy: 'Background' })
      .catch((err) => { if (!isNotFound(err)) throw err; });
    ctx.log(`${key(tr)}: cleanup post: deleted`);
  }
  return undefined;
}

/** Each runner's exit code and HEADROOM_SUMMARY, and when the first of them started: what the
 *  verdict is made of (the controller's, and make loadtest's when the upstream operator ran it). */
export async function readRunners(kube: Kube, tr: TestRun, parallelism: number): Promise<{ reports: RunnerReport[]; since?: Date }> {
  const ns = tr.metadata.namespace;
  const reports: RunnerReport[] = [];
  let since: Date | undefined;
  for (let i = 1; i <= parallelism; i++) {
    const [pod] = await podsOf(kube, ns, `job-name=${runnerName(tr, i)}`);
    const started = pod?.status?.startTime ? new Date(pod.status.startTime) : undefined;
    if (started && (!since || started < since)) since = started;
    const terminated = pod?.status?.containerStatuses?.find((c) => c.name === 'k6')?.state?.terminated;
    reports.push({ runner: i, exitCode: terminated?.exitCode ?? null, summary: pod ? summaryFromLog(await podLog(kube, ns, pod)) : null });
  }
  return { reports, since };
}

/** Each runner's exit code and summary, then one result across them. */
async function collect(ctx: Context, tr: TestRun, spec: TestRunSpec): Promise<CombinedResult> {
  const { reports, since } = await readRunners(ctx.kube, tr, spec.parallelism);
  // Percentiles of several runners: the headline p90 and p95, and every percentile a threshold judges.
  const wanted: Array<[string, string]> = [['http_req_duration', 'p(90)'], ['http_req_duration', 'p(95)']];
  for (const r of reports) {
    for (const k of Object.keys(r.summary?.thresholds.results ?? {})) {
      const { metric, expression } = splitKey(k);
      const stat = parseThreshold(expression)?.stat;
      if (stat && (stat === 'med' || stat.startsWith('p('))) wanted.push([metric, stat]);
    }
  }
  const merged = since && spec.parallelism > 1 && ctx.mergedStats
    ? await ctx.mergedStats({ testid: testIdOf(spec), testrun: tr.metadata.name, since }, wanted)
    : undefined;
  return combineRunners({ testrun: tr.metadata.name, testid: testIdOf(spec) ?? null, parallelism: spec.parallelism, runners: reports, merged });
}

async function writeResult(ctx: Context, tr: TestRun, result: CombinedResult) {
  const target = { group: GROUP, version: VERSION, plural: PLURAL, namespace: tr.metadata.namespace, name: tr.metadata.name };
  await ctx.kube.custom.patchNamespacedCustomObject({ ...target, body: { metadata: { annotations: { [RESULT_ANNOTATION]: JSON.stringify(result) } } } }, mergePatch);
  const reason = { passed: 'ThresholdsPassed', failed: 'ThresholdsFailed', undetermined: 'Undetermined' }[result.verdict];
  const status = { passed: 'True', failed: 'False', undetermined: 'Unknown' }[result.verdict] as Condition['status'];
  await setStage(ctx, tr, 'finished', condition(tr, VERDICT_CONDITION, status, reason, verdictMessage(result)));
}

async function fail(ctx: Context, tr: TestRun, reason: string, message: string): Promise<undefined> {
  ctx.log(`${key(tr)}: error (${reason}): ${message}`);
  await setStage(ctx, tr, 'error', condition(tr, ERROR_CONDITION, 'True', reason, message));
  return undefined;
}

function condition(tr: TestRun, type: string, status: Condition['status'], reason: string, message: string): Condition {
  return { type, status, reason, message: message.slice(0, 32_000), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), observedGeneration: tr.metadata.generation };
}

async function setStage(ctx: Context, tr: TestRun, stage: Stage, cond?: Condition) {
  const conditions = [...(tr.status?.conditions ?? []).filter((c) => c.type !== cond?.type), ...(cond ? [cond] : [])];
  await ctx.kube.custom.patchNamespacedCustomObjectStatus({
    group: GROUP, version: VERSION, plural: PLURAL, namespace: tr.metadata.namespace, name: tr.metadata.name,
    body: { status: { stage, conditions } },
  }, mergePatch);
  tr.status = { ...tr.status, stage, conditions };
  ctx.log(`${key(tr)}: stage ${stage}`);
}

const key = (tr: TestRun) => `${tr.metadata.namespace}/${tr.metadata.name}`;
const done = (job: V1Job) => (job.status?.succeeded ?? 0) + (job.status?.failed ?? 0) > 0 && !job.status?.active;
const ownedBy = (job: V1Job, tr: TestRun) => job.metadata?.ownerReferences?.some((o) => o.uid === tr.metadata.uid) ?? false;
const tail = (log: string, lines = 15) => log.trim().split('\n').slice(-lines).join('\n') || '(no log)';

async function readJob(kube: Kube, namespace: string, name: string): Promise<V1Job | undefined> {
  try {
    return await kube.batch.readNamespacedJob({ name, namespace });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function runnerJobs(kube: Kube, tr: TestRun, spec: TestRunSpec) {
  return Promise.all(Array.from({ length: spec.parallelism }, (_, k) => readJob(kube, tr.metadata.namespace, runnerName(tr, k + 1))));
}

async function podsOf(kube: Kube, namespace: string, labelSelector: string): Promise<V1Pod[]> {
  return (await kube.core.listNamespacedPod({ namespace, labelSelector })).items;
}

async function podLog(kube: Kube, namespace: string, pod: V1Pod): Promise<string> {
  try {
    return await kube.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace, container: pod.spec?.containers[0]?.name });
  } catch (err) {
    return `(log unreadable: ${errorText(err)})`;
  }
}

/** Why a pod will not start by itself, if it will not. */
function stuckReason(pod: V1Pod | undefined): string | undefined {
  const waiting = pod?.status?.containerStatuses?.map((c) => c.state?.waiting).find((w) => w?.reason && STUCK.has(w.reason));
  return waiting ? `pod ${pod!.metadata!.name}: ${waiting.reason}: ${waiting.message ?? ''}`.trim() : undefined;
}

/** `k6 inspect --execution-requirements` JSON after the initializer's marker line. */
export function parseInspect(log: string): { maxVUs: number; totalDuration: string } | undefined {
  const at = log.indexOf(INSPECT_MARKER);
  if (at < 0) return undefined;
  const rest = log.slice(at + INSPECT_MARKER.length);
  const start = rest.indexOf('{'), end = rest.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    const j = JSON.parse(rest.slice(start, end + 1)) as { maxVUs?: unknown; totalDuration?: unknown };
    if (typeof j.maxVUs !== 'number') return undefined;
    return { maxVUs: j.maxVUs, totalDuration: typeof j.totalDuration === 'string' ? j.totalDuration : '' };
  } catch {
    return undefined;
  }
}
