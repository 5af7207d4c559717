/**
 * The headroom TestRun controller: reconciles k6-operator TestRuns (k6.io/v1alpha1) in the
 * namespaces of WATCH_NAMESPACES (default `loadtest`), for clusters without the upstream manager.
 * A watch (informer) queues a TestRun on every change; runs in progress are looked at again every
 * few seconds (their Jobs and pods change without touching the TestRun). One worker, one TestRun at
 * a time: a single replica, so no leader election (the Deployment uses the Recreate strategy).
 * Env: WATCH_NAMESPACES, PROMETHEUS_URL (merged percentiles; unset: runner bounds only),
 * HEALTH_PORT (default 8081: /healthz, /readyz).
 */
import { createServer } from 'node:http';
import { KubeConfig, makeInformer, type KubernetesListObject } from '@kubernetes/client-node';
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
async function watch(namespace: string) {
  const path = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
  const informer = makeInformer<TestRun & { apiVersion?: string; kind?: string }>(kc, path,
    () => kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace }) as Promise<KubernetesListObject<TestRun>>);
  const onChange = (tr: TestRun) => enqueue(`${tr.metadata.namespace}/${tr.metadata.name}`);
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('error', (err) => {
    log(`watch ${namespace}: ${errorText(err)}; restarting in 5 s`);
    setTimeout(() => informer.start().catch((e) => log(`watch ${namespace}: ${errorText(e)}`)), 5000);
  });
  await informer.start();
  log(`watching TestRuns in namespace ${namespace}`);
}

createServer((req, res) => {
  const ok = req.url === '/healthz' || (req.url === '/readyz' && ready);
  res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : 'not ready');
}).listen(Number(process.env.HEALTH_PORT ?? 8081));

for (const ns of namespaces) await watch(ns);
ready = true;
log(`headroom k6 controller: namespaces ${namespaces.join(', ')}; Prometheus ${prometheusUrl ?? 'not configured'}`);
process.on('SIGTERM', () => process.exit(0));
await worker();
