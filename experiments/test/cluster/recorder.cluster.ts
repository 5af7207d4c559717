import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinned } from '@headroom/k6-controller/pins';
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { DEFAULT_PROMETHEUS, PrometheusClient, prometheusTransport } from '../../src/record/prometheus.js';
import { Recorder } from '../../src/record/recorder.js';
import { readEventsJsonl, readSamplesCsv } from '../../src/record/files.js';

// The recorder against the real local cluster's API server and Prometheus (make test-e2e runs this
// after cluster-up): a Deployment under an autoscaling/v2 HPA whose bounds are moved 1 -> 2 -> 1,
// as the experiment controller moves them.

const NS = 'headroom-recorder-test';
const NAME = 'busy';
const IMAGE = `localhost/headroom/node-base:${pinned('NODE_BASE_IMAGE_TAG')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recorder on the local cluster', function () {
  this.timeout(240_000);
  const kc = new KubeConfig();
  kc.loadFromFile(join(process.env.HEADROOM_CACHE ?? join(homedir(), '.cache', 'headroom'), 'cluster', 'kubeconfig'));
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  before(async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const labels = { app: NAME };
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: NAME, labels },
        spec: {
          replicas: 1, selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{
                name: 'busy', image: IMAGE, imagePullPolicy: 'Never',
                command: ['node', '-e', 'setInterval(() => { const end = Date.now() + 20; while (Date.now() < end); }, 100)'],
                resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
              }],
            },
          },
        },
      },
    });
    await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: NS,
      body: {
        metadata: { name: NAME },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME }, minReplicas: 1, maxReplicas: 1,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 90 } } }],
        },
      },
    });
  });

  after(async () => {
    await core.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('when the HPA moves the replicas 1 -> 2 -> 1, then samples and events record it with CPU from Prometheus', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'headroom-recorder-'));
    const recorder = new Recorder({
      kubeConfig: kc, namespace: NS, deployment: NAME, podSelector: `app=${NAME}`,
      prometheus: new PrometheusClient(prometheusTransport(DEFAULT_PROMETHEUS, kc)), outDir, intervalMs: 2000,
    });
    await recorder.start();
    try {
      const readyAt = async (n: number) => {
        for (let i = 0; i < 60; i++) {
          const d = await apps.readNamespacedDeployment({ name: NAME, namespace: NS });
          if ((d.status?.readyReplicas ?? 0) === n && (d.status?.replicas ?? 0) === n) return;
          await sleep(2000);
        }
        throw new Error(`${n} replicas never became ready`);
      };
      await readyAt(1);
      await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: NAME, namespace: NS, body: { spec: { minReplicas: 2, maxReplicas: 2 } } }, mergePatch);
      await readyAt(2);
      // cAdvisor's CPU series reach Prometheus within a few scrapes.
      await sleep(25_000);
      await autoscaling.patchNamespacedHorizontalPodAutoscaler({ name: NAME, namespace: NS, body: { spec: { minReplicas: 1, maxReplicas: 1 } } }, mergePatch);
      await readyAt(1);
      await sleep(5000);
    } finally {
      await recorder.stop();
    }

    const samples = readSamplesCsv(recorder.samplesPath);
    expect(samples.length).to.be.greaterThan(10);
    expect(samples.some((s) => s.readyReplicas === 2 && s.desiredReplicas === 2)).to.equal(true);
    expect(samples.at(-1)!.readyReplicas).to.equal(1);
    expect(samples.some((s) => (s.cpuPods ?? 0) >= 1 && (s.cpuMeanCores ?? 0) > 0), 'CPU per pod from Prometheus').to.equal(true);

    const events = readEventsJsonl(recorder.eventsPath);
    const kinds = events.map((e) => e.kind);
    expect(events.some((e) => e.kind === 'hpa.desired' && (e as { to?: number }).to === 2)).to.equal(true);
    expect(events.some((e) => e.kind === 'hpa.desired' && (e as { to?: number }).to === 1)).to.equal(true);
    expect(kinds).to.include('pod.ready');
    expect(kinds.filter((k) => k === 'pod.terminating' || k === 'pod.deleted').length).to.be.at.least(1);
  });
});
