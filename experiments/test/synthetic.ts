import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepResult } from '../src/analysis/knee.js';
import { uslThroughput, type UslParams } from '../src/analysis/usl.js';
import type { RunEvent, Sample } from '../src/model.js';
import { EventsJsonl, SamplesCsv } from '../src/record/files.js';

/** Deterministic noise: the same "random" run every time. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function sample(t: number, fields: Partial<Sample>): Sample {
  return {
    t, time: new Date(Date.UTC(2025, 0, 1) + t * 1000).toISOString(),
    desiredReplicas: null, currentReplicas: null, readyReplicas: null, rps: null, p95Ms: null, errorRate: null,
    cpuPods: null, cpuMinCores: null, cpuMeanCores: null, cpuMaxCores: null, cpuMeanUtil: null, hpaCpuUtilPercent: null,
    k6Rps: null, k6Vus: null, k6P95Ms: null,
    cpuServiceCores: null, cpuPostgresCores: null, cpuRedisCores: null, cpuLoadGenCores: null, cpuNodeCores: null, cpuRestCores: null,
    nodeCpuCores: null, cpuThrottledShare: null,
    ...fields,
  };
}

/**
 * The hand-made spike timeline (5 s samples, 0..120 s): 50 VUs, a spike to 450 VUs at 15..55 s;
 * desired 1 -> 3 at 30 s -> 5 at 45 s; ready 3 at 40 s, 5 at 60 s; p95 over 200 ms at 20..30 s,
 * 5 % errors at 30 s.
 */
export function spikeTimeline(): Sample[] {
  const out: Sample[] = [];
  for (let t = 0; t <= 120; t += 5) {
    const spike = t >= 15 && t <= 55;
    out.push(sample(t, {
      k6Vus: spike ? 450 : 50,
      k6Rps: spike ? 900 : 100,
      rps: spike ? (t < 45 ? 300 : 850) : 100,
      desiredReplicas: t < 30 ? 1 : t < 45 ? 3 : 5,
      currentReplicas: t < 30 ? 1 : t < 45 ? 3 : 5,
      readyReplicas: t < 40 ? 1 : t < 60 ? 3 : 5,
      p95Ms: [20, 25, 30].includes(t) ? 400 : t === 35 ? 150 : 90,
      errorRate: t === 30 ? 0.05 : 0,
      cpuPods: 1, cpuMeanCores: 0.5, cpuMinCores: 0.5, cpuMaxCores: 0.5, cpuMeanUtil: 0.5, hpaCpuUtilPercent: 50,
    }));
  }
  return out;
}

/** A pod that holds `capacity` req/s inside the SLO and falls over above it. */
export function podAt(capacity: number) {
  return (offeredRps: number): StepResult =>
    offeredRps <= capacity
      ? { offeredRps, achievedRps: offeredRps * 0.995, p95Ms: 40 + 120 * (offeredRps / capacity) ** 4, errorRate: 0, droppedIterations: 0 }
      : { offeredRps, achievedRps: capacity * 0.97, p95Ms: 900, errorRate: 0.03, droppedIterations: Math.round(offeredRps - capacity) };
}

export const TRUTH: UslParams = { lambda: 400, sigma: 0.08, kappa: 0.015 };

/** A complete results directory as the controller would leave it; `profile` and `cpuLimit` name
 *  another pod size (the figures stay those of TRUTH). */
export function syntheticRunDir({ profile = '2cpu-2g', cpuLimit = '2' } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-run-'));
  const json = (name: string, v: unknown) => writeFileSync(join(dir, name), JSON.stringify(v, null, 2));
  json('run.json', {
    runId: `20250101-000000-${profile}`,
    command: `make experiment PROFILE=${profile}`,
    createdAt: '2025-01-01T00:00:00.000Z',
    profile,
    scenario: 'normal-plus-spike',
    node: { cpus: 2, memoryGiB: 24, description: 'single-node local cluster' },
    sharedWith: ['PostgreSQL', 'Redis', 'Prometheus', 'k6 runners', 'control plane'],
    versions: { kubernetes: 'v1.33.13', k6: 'v1.1.0', headroom: '0.1.0', resources: JSON.stringify({ limits: { cpu: cpuLimit, memory: '2Gi' } }) },
  });
  const pod = podAt(400);
  json('saturation.json', [25, 50, 100, 200, 400, 800, 600, 500, 450, 425].map(pod));
  // Each count bracketed as the search leaves it: [least achieved at the knee, lowest failing rate).
  json('scaling.json', [1, 2, 3, 4, 5, 6].map((n) => {
    const x = uslThroughput(TRUTH, n);
    return { replicas: n, throughputRps: x, lo: x * 0.99, hi: x * 1.04, censored: 'none', repeats: [x * 0.99, x, x * 1.01], nodeBound: false };
  }));
  json('loadtests.json', [
    { name: 'saturation', profile: '2cpu-2g', requests: 120345, meanMs: 35.2, p90Ms: 88.1, p95Ms: 150.3, rps: 401.2, shareUnderSlo: 0.987, failures: 0 },
    { name: 'normal-plus-spike', profile, requests: 54321, meanMs: 80.5, p90Ms: 210.2, p95Ms: 390.9, rps: 452.7, shareUnderSlo: 0.91, failures: 27 },
  ]);
  // 1.1 × the best measured (X(6) = 1,297): above the curve's peak (X(8) = 1,333 < 1,427), so the
  // plan says unreachable and the count where the curve peaks must miss.
  json('prospective.json', {
    targetTps: 1427, bestMeasuredRps: 1297.3, factor: 1.1, replicas: null,
    runs: [{ replicas: 8, ran: true, observedRps: 1301.5, p95Ms: 412.3, errorRate: 0.02, metSlo: false, nodeBound: false }],
  });
  const csv = new SamplesCsv(join(dir, 'samples.csv'));
  for (const s of spikeTimeline()) csv.append(s);
  const events = new EventsJsonl(join(dir, 'events.jsonl'));
  const ev: RunEvent[] = [
    { t: 0, time: '2025-01-01T00:00:00.000Z', kind: 'testrun.stage', testRun: 'spike', from: null, to: 'started' },
    { t: 30, time: '2025-01-01T00:00:30.000Z', kind: 'hpa.desired', from: 1, to: 3, current: 1, cpuUtilPercent: 180 },
    { t: 45, time: '2025-01-01T00:00:45.000Z', kind: 'hpa.desired', from: 3, to: 5, current: 3, cpuUtilPercent: 150 },
  ];
  for (const e of ev) events.append(e);
  return dir;
}
