/**
 * The headroom TestRun controller: reconciles k6-operator TestRuns (k6.io/v1alpha1) in the
 * namespaces of WATCH_NAMESPACES (default `loadtest`), for clusters without the upstream manager.
 * Watches (informers) queue a TestRun on every change of it, of its Jobs and of its pods (labelled
 * k6_cr=<name>), so a stage moves on as soon as what it waits for happens; runs in progress are
 * also looked at every few seconds (a runner's REST API answering is no event). One worker, one
 * TestRun at a time: a single replica, so no leader election (the Deployment uses the Recreate
 * strategy).
 * Env: WATCH_NAMESPACES, PROMETHEUS_URL (merged percentiles; unset: runner bounds only),
 * HEALTH_PORT (default 8081: /healthz, /readyz).
 */
import { createServer } from 'node:http';
import { KubeConfig, makeInformer, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { errorText, isNotFound, kubeFrom } from './kube.js';
import { prometheusMerged } from './prometheus.js';
import { reconcile, type Context } from './reconcile.js';
import { GROUP, PLURAL, VERSION, type TestRun } from './testrun.js';

const namespaces = (process.env.WATCH_NAMESPACES ?? 'loadtest').split(',').map((s) => s.trim()).filter(Boolean);
const prometheusUrl = process.env.PROMETHEUS_URL;
const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);

const kc = new KubeConfig();
kc.loadFromDefault();
const kube = kubeFrom(kc);

const ctx: Context = {
  kube,
  log,
  mergedStats: prometheusUrl ? (run, wanted) => prometheusMerged(prometheusUrl, run, wanted) : undefined,
  runnerAnswers: async (url) => {
    try {
      return (await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  },
};

// The queue: keys waiting, and when each is due. One worker drains it in order.
const due = new Map<string, number>();
let wake: (() => void) | undefined;
function enqueue(key: string, delayMs = 0) {
  const at = Date.now() + delayMs;
  if (!due.has(key) || due.get(key)! > at) due.set(key, at);
  wake?.();
}

async function worker() {
  for (;;) {
    const now = Date.now();
    const next = [...due.entries()].sort((a, b) => a[1] - b[1])[0];
    if (!next || next[1] > now) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, next ? next[1] - now : 60_000);
      });
      continue;
    }
    const [key] = next;
    due.delete(key);
    const [namespace, name] = key.split('/');
    try {
      const tr = (await kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name })) as TestRun;
      const again = await reconcile(ctx, tr);
      if (again !== undefined) enqueue(key, again);
    } catch (err) {
      if (isNotFound(err)) continue; // deleted meanwhile
      log(`${key}: reconcile failed, retrying in 10 s: ${errorText(err)}`);
      enqueue(key, 10_000);
    }
  }
}

let ready = false;
/** Starts an informer on `path` that queues the TestRun each object belongs to. */
async function watch<T extends KubernetesObject>(what: string, path: string, list: () => Promise<KubernetesListObject<T>>,
  keyOf: (o: T) => string | undefined, labelSelector?: string) {
  const informer = makeInformer<T>(kc, path, list, labelSelector);
  const onChange = (o: T) => {
    const key = keyOf(o);
    if (key) enqueue(key);
  };
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', onChange);
  informer.on('error', (err) => {
    log(`watch ${what}: ${errorText(err)}; restarting in 5 s`);
    setTimeout(() => void informer.start().catch((e) => log(`watch ${what}: ${errorText(e)}`)), 5000);
  });
  await informer.start();
}

async function watchNamespace(namespace: string) {
  const owner = (o: KubernetesObject) => (o.metadata?.labels?.k6_cr ? `${namespace}/${o.metadata.labels.k6_cr}` : undefined);
  await watch<TestRun>(`testruns in ${namespace}`, `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
    () => kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace }) as Promise<KubernetesListObject<TestRun>>,
    (tr) => `${namespace}/${tr.metadata.name}`);
  await watch(`jobs in ${namespace}`, `/apis/batch/v1/namespaces/${namespace}/jobs`,
    () => kube.batch.listNamespacedJob({ namespace, labelSelector: 'app=k6' }), owner, 'app=k6');
  await watch(`pods in ${namespace}`, `/api/v1/namespaces/${namespace}/pods`,
    () => kube.core.listNamespacedPod({ namespace, labelSelector: 'app=k6' }), owner, 'app=k6');
  log(`watching TestRuns, and their Jobs and pods, in namespace ${namespace}`);
}

createServer((req, res) => {
  const ok = req.url === '/healthz' || (req.url === '/readyz' && ready);
  res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'not ready');
}).listen(Number(process.env.HEALTH_PORT ?? 8081));

for (const ns of namespaces) await watchNamespace(ns);
ready = true;
log(`headroom k6 controller: namespaces ${namespaces.join(', ')}; Prometheus ${prometheusUrl ?? 'not configured'}`);
process.on('SIGTERM', () => process.exit(0));
await worker();
