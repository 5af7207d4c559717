/**
 * The recorder: watches one deployment under load and writes samples.csv and events.jsonl.
 *
 *   const rec = new Recorder(options: RecorderOptions)
 *   await rec.start()                    informers listed and watching, first sample written
 *   rec.mark(label, fields?, at?): RunEvent   a controller's marker (e.g. 'spike.start') in events.jsonl
 *   await rec.sampleNow(): Sample        one sample now (also what the timer does)
 *   await rec.stop()                     timer and watches stopped; files complete
 *   rec.samplesPath, rec.eventsPath, rec.startedAt
 *   options.onSample / options.onEvent   live progress for the terminal
 *
 * Kubernetes state comes from informers (list + watch, add/update/delete/error) on the Deployment,
 * the HPA (autoscaling/v2), the pods (label selector) and, when asked, k6-operator TestRuns
 * (k6.io/v1alpha1, through CustomObjectsApi). Informer errors become `recorder.error` events and
 * the informer restarts after `restartDelayMs`; Prometheus errors leave that column empty for the
 * sample and are reported once per distinct message. The rest of the node's CPU is the node's
 * total less the service, PostgreSQL, Redis and load-generator pods, all from the same sample.
 */

import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { join } from 'node:path';
import { GROUP, PLURAL, VERSION } from '@headroom/k6-controller/testrun';
import type { RunEvent, Sample } from '../model.js';
import { cpuCores, deploymentChanges, hpaChanges, hpaCpuUtil, podChanges, podReady, testRunChanges, type EventBody, type TestRun } from './changes.js';
import { EventsJsonl, SamplesCsv } from './files.js';
import type { PrometheusClient, PromVector } from './prometheus.js';
import { sampleQueries, type SampleQueries } from './queries.js';

export interface RecorderOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  deployment: string;
  /** HPA name; defaults to the deployment's */
  hpa?: string;
  /** label selector of the deployment's pods, e.g. app.kubernetes.io/instance=booking */
  podSelector: string;
  /** watch k6-operator TestRuns in this namespace (all of them, or only `name`) */
  testRuns?: { namespace: string; name?: string };
  /** null records Kubernetes state only */
  prometheus: PrometheusClient | null;
  outDir: string;
  /** sample interval, default 5000 ms */
  intervalMs?: number;
  /** PromQL rate window of the service's and k6's counters, default 30s */
  rateWindow?: string;
  /** seconds of the node CPU split's window, default 60 (see QueryTarget.cpuWindowS) */
  cpuWindowS?: number;
  /** PromQL range of k6's latency histogram, default 15s (see QueryTarget.k6Window) */
  k6Window?: string;
  /**
   * label matchers of the PostgreSQL, Redis and load-generator pods (QueryTarget's defaults: the
   * chart's StatefulSet pods in `namespace`; every pod in the TestRuns' namespace, else `loadtest`)
   */
  postgresPods?: string;
  redisPods?: string;
  loadGenPods?: string;
  restartDelayMs?: number;
  now?: () => Date;
  onSample?: (s: Sample) => void;
  onEvent?: (e: RunEvent) => void;
}

type Kind = 'deployment' | 'hpa' | 'pod' | 'testrun';

export class Recorder {
  readonly samplesPath: string;
  readonly eventsPath: string;
  startedAt: Date | null = null;
  private readonly samples: SamplesCsv;
  private readonly events: EventsJsonl;
  private readonly queries: SampleQueries;
  private readonly informers: Array<{ kind: Kind; informer: Informer<KubernetesObject> }> = [];
  private readonly seen = new Map<string, KubernetesObject>();
  private readonly reportedErrors = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<Sample> | null = null;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly o: RecorderOptions) {
    this.samplesPath = join(o.outDir, 'samples.csv');
    this.eventsPath = join(o.outDir, 'events.jsonl');
    this.samples = new SamplesCsv(this.samplesPath);
    this.events = new EventsJsonl(this.eventsPath);
    this.queries = sampleQueries({
      namespace: o.namespace, deployment: o.deployment, testRunName: o.testRuns?.name, rateWindow: o.rateWindow, cpuWindowS: o.cpuWindowS, k6Window: o.k6Window,
      postgresPods: o.postgresPods, redisPods: o.redisPods,
      loadGenPods: o.loadGenPods ?? (o.testRuns ? `namespace="${o.testRuns.namespace}"` : undefined),
    });
    this.now = o.now ?? (() => new Date());
  }

  async start(): Promise<void> {
    this.startedAt = this.now();
    this.stopped = false;
    const { kubeConfig: kc, namespace } = this.o;
    const apps = kc.makeApiClient(AppsV1Api);
    const autoscaling = kc.makeApiClient(AutoscalingV2Api);
    const core = kc.makeApiClient(CoreV1Api);
    this.watch('deployment', makeInformer<V1Deployment>(kc, `/apis/apps/v1/namespaces/${namespace}/deployments`, () => apps.listNamespacedDeployment({ namespace })));
    this.watch('hpa', makeInformer<V2HorizontalPodAutoscaler>(kc, `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`, () => autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace })));
    this.watch('pod', makeInformer<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace, labelSelector: this.o.podSelector }), this.o.podSelector));
    if (this.o.testRuns) {
      const custom = kc.makeApiClient(CustomObjectsApi);
      const ns = this.o.testRuns.namespace;
      const list = () => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL }) as Promise<KubernetesListObject<TestRun & KubernetesObject>>;
      this.watch('testrun', makeInformer<TestRun & KubernetesObject>(kc, `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`, list));
    }
    await Promise.all(this.informers.map((i) => i.informer.start()));
    await this.sampleNow();
    this.timer = setInterval(() => void this.sampleNow().catch((err) => this.error('sample', err)), this.o.intervalMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.informers.map((i) => i.informer.stop()));
    if (this.sampling) await this.sampling.catch(() => undefined);
  }

  /** `at`: when it happened, if that was before now (a time the controller learns afterwards). */
  mark(label: string, fields: Record<string, unknown> = {}, at?: Date): RunEvent {
    return this.emit({ kind: 'mark', label, ...fields }, at);
  }

  /** Samples are serialised: a slow Prometheus delays the next one instead of interleaving rows. */
  sampleNow(): Promise<Sample> {
    const run = (this.sampling ?? Promise.resolve()).catch(() => undefined).then(() => this.takeSample());
    this.sampling = run;
    return run;
  }

  private watch<T extends KubernetesObject>(kind: Kind, informer: Informer<T>): void {
    const key = (o: KubernetesObject) => `${kind}/${o.metadata?.namespace}/${o.metadata?.name}`;
    const relevant = (o: KubernetesObject) => {
      const name = o.metadata?.name;
      if (kind === 'deployment') return name === this.o.deployment;
      if (kind === 'hpa') return name === (this.o.hpa ?? this.o.deployment);
      if (kind === 'testrun') return !this.o.testRuns?.name || name === this.o.testRuns.name;
      return true;
    };
    const changed = (prev: KubernetesObject | undefined, next: KubernetesObject | undefined): EventBody[] => {
      switch (kind) {
        case 'deployment': return deploymentChanges(prev, next);
        case 'hpa': return hpaChanges(prev, next);
        case 'pod': return podChanges(prev, next);
        case 'testrun': return testRunChanges(prev, next);
      }
    };
    const onUpsert = (obj: T) => {
      if (!relevant(obj)) return;
      const prev = this.seen.get(key(obj));
      this.seen.set(key(obj), obj);
      for (const e of changed(prev, obj)) this.emit(e);
    };
    informer.on('add', onUpsert);
    informer.on('update', onUpsert);
    informer.on('delete', (obj: T) => {
      if (!relevant(obj)) return;
      const prev = this.seen.get(key(obj)) ?? obj;
      this.seen.delete(key(obj));
      for (const e of changed(prev, undefined)) this.emit(e);
    });
    informer.on('error', (err: unknown) => {
      // stop() aborts the watches, which reports an abort as an error: that is no news.
      if (this.stopped) return;
      this.error(`watch ${kind}`, err);
      // A 404 on the TestRun list means the CRD is not installed: retrying cannot help.
      const absent = kind === 'testrun' && (err instanceof ApiException ? err.code : (err as { statusCode?: number })?.statusCode) === 404;
      if (!absent) {
        setTimeout(() => {
          if (!this.stopped) void informer.start();
        }, this.o.restartDelayMs ?? 5000).unref();
      }
    });
    this.informers.push({ kind, informer });
  }

  private objects<T>(kind: Kind): T[] {
    return [...this.seen.entries()].filter(([k]) => k.startsWith(`${kind}/`)).map(([, v]) => v as T);
  }

  private async takeSample(): Promise<Sample> {
    const at = this.now();
    const deployment = this.objects<V1Deployment>('deployment')[0];
    const hpa = this.objects<V2HorizontalPodAutoscaler>('hpa')[0];
    const pods = this.objects<V1Pod>('pod');
    const q = this.queries;
    const [rps, p95, errorRate, cpu, k6Rps, k6Vus, k6P95, service, postgres, redis, loadGen, node, nodeCpuCores, throttled] = await Promise.all([
      this.scalar('rps', q.rps, at),
      this.scalar('p95', q.p95Seconds, at),
      this.scalar('error rate', q.errorRate, at),
      this.vector('cpu', q.cpuPerPod, at),
      this.scalar('k6 rps', q.k6Rps, at),
      this.scalar('k6 vus', q.k6Vus, at),
      this.scalar('k6 p95', q.k6P95Seconds, at),
      this.vector('cpu service', q.cpuService, at),
      this.vector('cpu postgres', q.cpuPostgres, at),
      this.vector('cpu redis', q.cpuRedis, at),
      this.vector('cpu load generator', q.cpuLoadGen, at),
      this.scalar('cpu node', q.cpuNode, at),
      this.scalar('node cpu cores', q.nodeCpuCores, at),
      this.scalar('cpu throttled', q.cpuThrottledShare, at),
    ]);

    const cores = cpu ? cpu.map((s) => s.value[1]).filter(Number.isFinite) : [];
    const requests = new Map(pods.map((p) => [p.metadata?.name, sumRequests(p)]));
    const utils = (cpu ?? []).flatMap((s) => {
      const req = requests.get(s.metric.pod);
      return req && Number.isFinite(s.value[1]) ? [s.value[1] / req] : [];
    });
    const sample: Sample = {
      t: this.seconds(at),
      time: at.toISOString(),
      desiredReplicas: hpa?.status?.desiredReplicas ?? deployment?.spec?.replicas ?? null,
      currentReplicas: deployment?.status?.replicas ?? (deployment ? 0 : null),
      readyReplicas: deployment ? deployment.status?.readyReplicas ?? 0 : pods.length ? pods.filter(podReady).length : null,
      rps,
      p95Ms: p95 === null ? null : p95 * 1000,
      errorRate,
      cpuPods: cpu ? cores.length : null,
      cpuMinCores: cores.length ? Math.min(...cores) : null,
      cpuMeanCores: cores.length ? cores.reduce((a, b) => a + b, 0) / cores.length : null,
      cpuMaxCores: cores.length ? Math.max(...cores) : null,
      cpuMeanUtil: utils.length ? utils.reduce((a, b) => a + b, 0) / utils.length : null,
      hpaCpuUtilPercent: hpaCpuUtil(hpa),
      k6Rps,
      k6Vus,
      k6P95Ms: k6P95 === null ? null : k6P95 * 1000,
      cpuServiceCores: coresOf(service),
      cpuPostgresCores: coresOf(postgres),
      cpuRedisCores: coresOf(redis),
      cpuLoadGenCores: coresOf(loadGen),
      cpuNodeCores: node,
      cpuRestCores: restOfNode(node, [service, postgres, redis, loadGen]),
      nodeCpuCores,
      cpuThrottledShare: throttled,
    };
    this.samples.append(sample);
    this.o.onSample?.(sample);
    return sample;
  }

  private scalar(what: string, promql: string, at: Date): Promise<number | null> {
    return this.ask(what, (p) => p.scalar(promql, at));
  }

  private vector(what: string, promql: string, at: Date): Promise<PromVector | null> {
    return this.ask(what, (p) => p.query(promql, at));
  }

  /** null without Prometheus or when the query fails; a failure becomes one recorder.error event. */
  private async ask<T>(what: string, query: (p: PrometheusClient) => Promise<T>): Promise<T | null> {
    if (!this.o.prometheus) return null;
    try {
      return await query(this.o.prometheus);
    } catch (err) {
      this.error(`prometheus ${what}`, err);
      return null;
    }
  }

  private error(source: string, err: unknown): void {
    const message = describeError(err);
    const key = `${source}: ${message}`;
    if (this.reportedErrors.has(key)) return;
    this.reportedErrors.add(key);
    this.emit({ kind: 'recorder.error', source, message });
  }

  private emit(body: EventBody, when?: Date): RunEvent {
    const at = when ?? this.now();
    const event: RunEvent = { t: this.seconds(at), time: at.toISOString(), ...body };
    this.events.append(event);
    this.o.onEvent?.(event);
    return event;
  }

  private seconds(at: Date): number {
    const t0 = this.startedAt ?? at;
    return Math.round((at.getTime() - t0.getTime())) / 1000;
  }
}

/** Cores of a `sum(...)` answer: null when nothing matched (no such pods) or the query failed. */
function coresOf(v: PromVector | null): number | null {
  const x = v?.[0]?.value[1];
  return x !== undefined && Number.isFinite(x) ? x : null;
}

/**
 * The node's CPU not spent by the parts. A part with no series (e.g. no PostgreSQL pod in the
 * cluster) used none of it; a part whose query failed (null) leaves the rest unknown.
 */
function restOfNode(node: number | null, parts: Array<PromVector | null>): number | null {
  if (node === null || parts.some((p) => p === null)) return null;
  let used = 0;
  for (const p of parts) for (const s of p!) if (Number.isFinite(s.value[1])) used += s.value[1];
  return node - used;
}

function sumRequests(pod: V1Pod): number | null {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    const v = cpuCores(c.resources?.requests?.cpu);
    if (v === null) return null;
    total += v;
  }
  return total > 0 ? total : null;
}

function describeError(err: unknown): string {
  if (err instanceof ApiException) return `HTTP ${err.code}: ${typeof err.body === 'string' ? err.body.slice(0, 200) : JSON.stringify(err.body)?.slice(0, 200)}`;
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
    const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : null;
    const msg = typeof e.message === 'string' ? e.message.split('\n')[0] : JSON.stringify(err);
    return status !== null ? `HTTP ${status}: ${msg}` : msg;
  }
  return String(err);
}
