import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { PrometheusClient, type PromTransport } from '../src/record/prometheus.js';
import { readSamplesCsv } from '../src/record/files.js';
import { sampleQueries } from '../src/record/queries.js';
import { Recorder } from '../src/record/recorder.js';

// One sample taken against a Prometheus that answers from a table (no informers started: the
// Kubernetes columns stay empty). The real Prometheus is the cluster test's (test/cluster/).
describe('recorder sample: node CPU split and client p95', () => {
  const q = sampleQueries({ namespace: 'booking', deployment: 'booking', testRunName: 'spike', rateWindow: '30s' });
  const vector = (...values: Array<[Record<string, string>, number]>) => values.map(([metric, v]) => ({ metric, value: [0, String(v)] }));
  const answers = (): Map<string, unknown> => new Map<string, unknown>([
    [q.cpuPerPod, vector([{ pod: 'booking-7d9f8c6b5-x2x4z' }, 0.5], [{ pod: 'booking-7d9f8c6b5-b7k2p' }, 0.25])],
    [q.cpuService, vector([{}, 0.75])],
    [q.cpuPostgres, vector([{}, 0.25])],
    [q.cpuRedis, vector([{}, 0.0625])],
    [q.cpuLoadGen, vector([{}, 0.375])],
    [q.cpuNode, vector([{}, 1.75])],
    [q.nodeCpuCores, vector([{}, 2])],
    [q.cpuThrottledShare, vector([{}, 0.125])],
    [q.k6P95Seconds, vector([{}, 0.3125])],
    [q.p95Seconds, vector([{}, 0.08])],
  ]);
  const transport = (table: Map<string, unknown>): PromTransport => ({
    describe: () => 'table',
    get(path) {
      const promql = new URLSearchParams(path.slice(path.indexOf('?') + 1)).get('query') ?? '';
      const result = table.get(promql);
      if (result === 'fail') return Promise.resolve({ status: 503, body: JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'down' }) });
      return Promise.resolve({ status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: result ?? [] } }) });
    },
  });
  const take = async (table: Map<string, unknown>) => {
    const outDir = mkdtempSync(join(tmpdir(), 'headroom-recorder-unit-'));
    const rec = new Recorder({
      kubeConfig: new KubeConfig(), namespace: 'booking', deployment: 'booking', podSelector: 'app=booking',
      testRuns: { namespace: 'loadtest', name: 'spike' }, prometheus: new PrometheusClient(transport(table)), outDir,
    });
    const s = await rec.sampleNow();
    expect(readSamplesCsv(rec.samplesPath)).to.deep.equal([s]);
    rmSync(outDir, { recursive: true, force: true });
    return s;
  };

  it('when every part answers, then the rest of the node is the node less the parts, and the client p95 is in ms', async () => {
    const s = await take(answers());
    expect(s).to.include({
      cpuServiceCores: 0.75, cpuPostgresCores: 0.25, cpuRedisCores: 0.0625, cpuLoadGenCores: 0.375, cpuNodeCores: 1.75,
      cpuRestCores: 0.3125, nodeCpuCores: 2, cpuThrottledShare: 0.125, k6P95Ms: 312.5, p95Ms: 80,
    });
  });

  it('when a part has no series (no such pods), then it is empty and counts as none of the node', async () => {
    const table = answers();
    table.delete(q.cpuPostgres);
    const s = await take(table);
    expect(s).to.include({ cpuPostgresCores: null, cpuRestCores: 0.5625 });
  });

  it('when a part\'s query fails or the node is unknown, then the rest is unknown', async () => {
    const failed = answers();
    failed.set(q.cpuRedis, 'fail');
    expect((await take(failed)).cpuRestCores).to.equal(null);
    const noNode = answers();
    noNode.delete(q.cpuNode);
    expect((await take(noNode)).cpuRestCores).to.equal(null);
  });
});
