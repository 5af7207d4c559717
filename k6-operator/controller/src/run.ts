/**
 * Runs one scenario's TestRun from outside the cluster and returns its combined result: the path
 * `make loadtest` and the experiment controller share.
 *   1. the scripts ConfigMap (every .js of k6-operator/scripts) and the TestRun from
 *      k6-operator/testruns/<scenario>.yaml, with SCALE, RUNNERS, parallelism, SEED, BASE_URL and a
 *      unique testid set, and any other env entry the caller gives;
 *   2. the previous TestRun of that name deleted first (the operator refuses to start over its Jobs);
 *   3. the stage followed with progress lines until finished or error;
 *   4. the result: with the headroom controller, its `headroom/result` annotation; with the upstream
 *      k6-operator, combined here from the runner pods' logs (same code, without Prometheus).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { errorText, isNotFound, kubeFrom, type Kube } from './kube.js';
export { kubeConfigFor } from './kube.js';
export { NAMESPACE } from './testrun.js';
import { ERROR_CONDITION, INITIALIZED_CONDITION, readRunners } from './reconcile.js';
import { combinedResult, combineRunners, type CombinedResult } from './result.js';
import { GROUP, NAMESPACE, PLURAL, RESULT_ANNOTATION, testIdOf, VERSION, type TestRun, type TestRunSpec } from './testrun.js';

const K6_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCRIPTS_CONFIGMAP = 'headroom-k6-scripts';

/** `20260102T030405Z`: the UTC second a test id or a run id is named after. */
export function utcStamp(at = new Date()): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Which controller runs TestRuns in this cluster. */
export type Controller = 'headroom' | 'k6-operator';

export interface RunOptions {
  scenario: string;
  scale: number;
  parallelism: number;
  seed?: string;
  baseUrl?: string;
  /** more runner env entries (each must exist in the TestRun) */
  env?: Record<string, string>;
  /** the k6 images, when they differ from the manifest's (a registry for CLUSTER=current) */
  k6Image?: string;
  starterImage?: string;
  /** how long after the script's own duration to give up (scheduling, images, setup, teardown) */
  slackS?: number;
  progress?: (line: string) => void;
}

export function scenarios(): string[] {
  return readdirSync(join(K6_DIR, 'testruns')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort();
}

/** The TestRun of `scenario` as it will be applied (exported for tests and dry runs). */
export function testRunFor(opts: RunOptions, testid: string): TestRun & { apiVersion: string; kind: string } {
  if (!scenarios().includes(opts.scenario)) throw new Error(`no scenario '${opts.scenario}': one of ${scenarios().join(', ')}`);
  if (!(opts.scale > 0)) throw new Error(`SCALE must be a positive number, not '${opts.scale}'`);
  if (!(Number.isInteger(opts.parallelism) && opts.parallelism >= 1)) throw new Error(`PARALLELISM must be a positive integer, not '${opts.parallelism}'`);
  const doc = yaml.load(readFileSync(join(K6_DIR, 'testruns', `${opts.scenario}.yaml`), 'utf8')) as TestRun & { apiVersion: string; kind: string };
  const spec = doc.spec as TestRunSpec;
  spec.parallelism = opts.parallelism;
  spec.arguments = (spec.arguments ?? '').replace(/--tag testid=\S+/, `--tag testid=${testid}`);
  for (const name of Object.keys(opts.env ?? {})) {
    if (!spec.runner?.env?.some((e) => e.name === name)) throw new Error(`${opts.scenario}'s TestRun has no runner env entry ${name}`);
  }
  const values: Record<string, string> = {
    SCALE: String(opts.scale), RUNNERS: String(opts.parallelism), TESTID: testid,
    ...(opts.seed ? { SEED: opts.seed } : {}), ...(opts.baseUrl ? { BASE_URL: opts.baseUrl } : {}), ...opts.env,
  };
  for (const pod of [spec.runner, spec.initializer]) {
    for (const e of pod?.env ?? []) if (e.name in values) e.value = values[e.name];
  }
  if (opts.k6Image) for (const pod of [spec.runner, spec.initializer]) if (pod) pod.image = opts.k6Image;
  if (opts.starterImage && spec.starter) spec.starter.image = opts.starterImage;
  doc.metadata.namespace = NAMESPACE;
  return doc;
}

/** The scripts ConfigMap: every .js beside the scenarios, as `kubectl apply -k k6-operator/` makes it. */
export function scriptsConfigMap(): V1ConfigMap {
  const dir = join(K6_DIR, 'scripts');
  const data = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.js')).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: SCRIPTS_CONFIGMAP, namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'headroom' } }, data };
}

/** The headroom controller, the upstream k6-operator manager, or none, by their Deployments. */
export async function detectController(kc: KubeConfig): Promise<Controller | undefined> {
  const apps = kc.makeApiClient(AppsV1Api);
  // Cluster-wide where the user may list Deployments; else the namespace both install into.
  const deployments = await apps.listDeploymentForAllNamespaces({}).then((l) => l.items,
    () => apps.listNamespacedDeployment({ namespace: 'k6-operator-system' }).then((l) => l.items, () => []));
  const ready = (name: string) => deployments.some((d) => d.metadata?.name === name && (d.status?.readyReplicas ?? 0) > 0);
  if (ready('k6-operator-controller-manager')) return 'k6-operator';
  if (ready('headroom-k6-controller')) return 'headroom';
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const durationS = (d: string) => {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?/.exec(d);
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : NaN;
};

/** Once per cluster and process (an experiment runs dozens of TestRuns): which controller runs
 *  them, and the namespace and scripts ConfigMap in place. The scripts are those of this start. */
const prepared = new WeakMap<KubeConfig, Promise<Controller>>();
function prepare(kc: KubeConfig, kube: Kube): Promise<Controller> {
  if (!prepared.has(kc)) {
    prepared.set(kc, (async () => {
      const controller = await detectController(kc);
      if (!controller) {
        throw new Error('no TestRun controller runs in this cluster: `make cluster-up` installs headroom\'s on the local cluster; ' +
          'elsewhere `make k6-operator CLUSTER=current`, or the upstream k6-operator Helm chart');
      }
      await ensureNamespace(kube);
      await upsertConfigMap(kube, scriptsConfigMap());
      return controller;
    })());
    prepared.get(kc)!.catch(() => prepared.delete(kc)); // a failure is tried again next time
  }
  return prepared.get(kc)!;
}

export async function runTestRun(kc: KubeConfig, opts: RunOptions): Promise<CombinedResult> {
  const kube = kubeFrom(kc);
  const say = opts.progress ?? (() => {});
  const controller = await prepare(kc, kube);
  const testid = `${opts.scenario}-${utcStamp()}`;
  const body = testRunFor(opts, testid);
  const name = body.metadata.name;
  say(`loadtest ${opts.scenario}: testid=${testid} scale=${opts.scale} parallelism=${opts.parallelism} (controller: ${controller})`);

  await deleteTestRun(kube, name, say);
  const ref = { group: GROUP, version: VERSION, plural: PLURAL, namespace: NAMESPACE };
  await kube.custom.createNamespacedCustomObject({ ...ref, body });

  const started = Date.now();
  let deadline = started + 30 * 60_000; // until the initializer says how long the script runs
  let last = '', lastAt = 0;
  let tr: TestRun;
  for (;;) {
    tr = (await kube.custom.getNamespacedCustomObject({ ...ref, name })) as TestRun;
    const stage = tr.status?.stage ?? 'pending';
    const init = tr.status?.conditions?.find((c) => c.type === INITIALIZED_CONDITION);
    const total = init ? durationS(/totalDuration (\S+)/.exec(init.message)?.[1] ?? '') : NaN;
    if (Number.isFinite(total)) deadline = started + (total + (opts.slackS ?? 600)) * 1000;
    const pods = (await kube.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `k6_cr=${name}` })).items;
    const line = `stage=${stage} pods: ${pods.map((p) => `${p.metadata?.labels?.['job-name']}=${p.status?.phase}`).join(' ') || 'none'}`;
    const elapsed = Math.round((Date.now() - started) / 1000);
    if (line !== last || Date.now() - lastAt > 30_000) {
      say(`[${String(elapsed).padStart(4)}s] ${line}`);
      last = line;
      lastAt = Date.now();
    }
    if (stage === 'error') {
      const err = tr.status?.conditions?.find((c) => c.type === ERROR_CONDITION);
      throw new Error(`TestRun ${name} ended in error${err ? ` (${err.reason}): ${err.message}` : ''}`);
    }
    if (stage === 'finished' && (controller === 'k6-operator' || tr.metadata.annotations?.[RESULT_ANNOTATION])) break;
    if (Date.now() > deadline) throw new Error(`TestRun ${name} still '${stage}' after ${elapsed} s: kubectl -n ${NAMESPACE} describe testrun ${name}`);
    await sleep(1000);
  }
  if (controller === 'headroom') return combinedResult.parse(JSON.parse(tr.metadata.annotations![RESULT_ANNOTATION]));
  return combineFromPods(kube, tr, body.spec as TestRunSpec);
}

/** The upstream operator says only `finished`: combine the runner pods' summaries here. */
async function combineFromPods(kube: Kube, tr: TestRun, spec: TestRunSpec): Promise<CombinedResult> {
  const { reports } = await readRunners(kube, tr, spec.parallelism);
  return combineRunners({ testrun: tr.metadata.name, testid: testIdOf(spec) ?? null, parallelism: spec.parallelism, runners: reports });
}

async function ensureNamespace(kube: Kube) {
  try {
    await kube.core.readNamespace({ name: NAMESPACE });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await kube.core.createNamespace({ body: { metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'headroom' } } } });
  }
}

async function upsertConfigMap(kube: Kube, cm: V1ConfigMap) {
  try {
    await kube.core.replaceNamespacedConfigMap({ name: cm.metadata!.name!, namespace: NAMESPACE, body: cm });
  } catch (err) {
    if (!isNotFound(err)) throw new Error(`ConfigMap ${cm.metadata!.name}: ${errorText(err)}`);
    await kube.core.createNamespacedConfigMap({ namespace: NAMESPACE, body: cm });
  }
}

/** Deletes the TestRun of that name and waits until its Jobs are gone too. */
async function deleteTestRun(kube: Kube, name: string, say: (l: string) => void) {
  const ref = { group: GROUP, version: VERSION, plural: PLURAL, namespace: NAMESPACE, name };
  await kube.custom.deleteNamespacedCustomObject({ ...ref, propagationPolicy: 'Foreground' }).catch((err) => { if (!isNotFound(err)) throw err; });
  const until = Date.now() + 180_000;
  for (let said = false; ; said = true) {
    const exists = await kube.custom.getNamespacedCustomObject(ref).then(() => true, (err: Error) => (isNotFound(err) ? false : Promise.reject(err)));
    const jobs = (await kube.batch.listNamespacedJob({ namespace: NAMESPACE, labelSelector: `k6_cr=${name}` })).items.length;
    if (!exists && jobs === 0) return;
    if (!said) say(`waiting for the previous TestRun ${name} and its Jobs to be deleted`);
    if (Date.now() > until) throw new Error(`the previous TestRun ${name} is still being deleted after 180 s: kubectl -n ${NAMESPACE} get testrun,jobs -l k6_cr=${name}`);
    await sleep(2000);
  }
}
