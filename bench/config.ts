// The bench's knobs (environment variables, read once at start), the endpoints it measures, the
// seed it expects, and its log lines. Every knob is listed in `cfg`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Slo, StepSearchOptions } from '../experiments/src/analysis/knee';
import { SEED_SIZES, seedTotals } from '../app/src/lib/seed-sizes';

export const ROOT = path.resolve(__dirname, '..');
export const RESULTS = path.join(__dirname, 'results');
/** Vegeta's targets and results of the run; removed when the bench exits, however early. */
export const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-'));
process.on('exit', () => fs.rmSync(TMP, { recursive: true, force: true }));

const started = Date.now();
export const elapsedSeconds = () => ((Date.now() - started) / 1000).toFixed(0);
export const say = (msg: string) => process.stdout.write(`[bench ${elapsedSeconds().padStart(3)}s] ${msg}\n`);

export function fail(msg: string): never {
  process.stderr.write(`[bench] FAILED: ${msg}\n`);
  process.exit(1);
}

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const num = (name: string, fallback: number, { zero = false } = {}) => {
  const v = Number(env(name, String(fallback)));
  if (!Number.isFinite(v) || v < 0 || (v === 0 && !zero)) fail(`${name}=${process.env[name]} is not a positive number${zero ? ' or 0' : ''}`);
  return v;
};

/** `target`: the least CPU ratio (the service's requests per CPU-second over bare Express's);
 *  `systemTarget`: how many times less system CPU per request than the BENCH_COMPARE build;
 *  `baseline`: a reference served by bench/bare.js (its BARE), not by the service. */
export interface Endpoint { key: string; label: string; expected: number; target: number | null; systemTarget?: number; baseline?: string }
export const ENDPOINTS: Endpoint[] = [
  { key: 'bare', label: 'bare Express hello', expected: 200, target: null, baseline: 'express' },
  { key: 'node', label: 'bare Node hello', expected: 200, target: null, baseline: 'node' },
  { key: 'issue', label: 'issue token', expected: 201, target: 0.8 },
  { key: 'status', label: 'queue status', expected: 200, target: 0.8 },
  { key: 'seats', label: 'seat list', expected: 200, target: 0.7, systemTarget: 2 },
  { key: 'hold', label: 'seat hold', expected: 201, target: 0.4, systemTarget: 2 },
  { key: 'payment', label: 'payment', expected: 201, target: 0.25, systemTarget: 2 },
];
export const endpointOf = (key: string) => ENDPOINTS.find((e) => e.key === key)!;

const rateSpec = env('BENCH_RATE', '');

export const cfg = {
  vegeta: env('VEGETA', ''),
  state: env('BENCH_STATE', '/var/tmp/headroom-bench'),
  benchDb: 'booking_bench',
  // Niceness of everything the bench starts; e.g. -10 (as root) shields the measurement from
  // background work on a shared machine, at that work's expense.
  nice: env('BENCH_NICE', '0'),
  serviceCpu: env('BENCH_SERVICE_CPU', '0'),
  loadCpu: env('BENCH_LOAD_CPU', '1'),
  // Knee rule, judged by experiments/src/analysis/knee.ts: at a constant offered rate, p95 below
  // BENCH_P95_MS, answers without the endpoint's success status (timeouts included) below
  // 1 - BENCH_MIN_SUCCESS, and answers with it at >= 97 % of the offered rate.
  slo: { p95Ms: num('BENCH_P95_MS', 50), maxErrorRate: 1 - num('BENCH_MIN_SUCCESS', 0.99), minAchievedRatio: 0.97 } satisfies Slo,
  // The knee search (knee.ts's nextStep). Three runs make a majority at the knee rate and at the
  // failure that bounds it (with two, a tie fails, so one unlucky step would decide as before).
  // The ramp takes BENCH_COARSE_SECONDS steps, everything after it BENCH_STEP_SECONDS steps;
  // 30 steps cover a ramp from 100/s to 40,000/s with room for the bisection and its repeats.
  search: { startRps: num('BENCH_START_RATE', 100), growth: 1.6, resolutionRatio: 0.05, repeats: 3, maxSteps: 30 } satisfies Partial<StepSearchOptions>,
  coarseSeconds: num('BENCH_COARSE_SECONDS', 2),
  fineSeconds: num('BENCH_STEP_SECONDS', 5),
  maxRate: num('BENCH_MAX_RATE', 40_000),
  timeout: env('BENCH_TIMEOUT', '2s'),
  // Bounds vegeta's workers and sockets: past the knee an unbounded open model opens tens of
  // thousands of connections and the generator, not the service, becomes what is measured.
  maxWorkers: num('BENCH_MAX_WORKERS', 1000),
  statusTokens: num('BENCH_STATUS_TOKENS', 10_000),
  seatSchedules: num('BENCH_SEAT_SCHEDULES', 2_500),
  only: env('BENCH_ONLY', '').split(',').filter(Boolean),
  strict: env('BENCH_STRICT', '') === '1',
  logLevel: env('BENCH_LOG_LEVEL', 'info'),
  // Git revisions built beside this tree and measured in the same run, endpoint by endpoint: the
  // "before" of a change (or, several in order, the step each change made), on the same machine
  // at the same time.
  compare: env('BENCH_COMPARE', '').split(/[\s,]+/).filter(Boolean),
  // One step per endpoint at a given rate instead of a knee search: a quick reading of CPU per
  // request (at equal load for both builds when BENCH_COMPARE is set). "300" for every endpoint,
  // or per endpoint: "status=2000,seats=900" (the endpoints not named are skipped).
  rateSpec,
  fixedRates: rates(rateSpec),
  // Equal-load comparison: both builds at this share of the smaller of their knees.
  equalShare: 0.7,
  // The machine's own speed, checked at the start and after each endpoint: bare Express at this
  // rate (0: no checks). Its CPU per request should stay put; identical steps differ by 3-5 %, so a
  // spread past `limit` means the machine itself changed during the run.
  speedCheck: { rate: num('BENCH_SPEED_CHECK_RATE', 3000, { zero: true }), seconds: 10, limit: 0.1 },
};

function rates(spec: string): Map<string, number> | undefined {
  if (!spec) return undefined;
  const all = /^\d+$/.test(spec) ? Number(spec) : undefined;
  const out = new Map<string, number>();
  for (const e of ENDPOINTS) out.set(e.key, all ?? 0);
  if (all === undefined) {
    for (const part of spec.split(',')) {
      const m = /^(\w+)=(\d+)$/.exec(part.trim());
      if (!m || !out.has(m[1]) || Number(m[2]) <= 0) fail(`BENCH_RATE=${spec}: give a rate ("300") or endpoint=rate pairs ("status=2000,seats=900") with endpoints ${[...out.keys()].join(', ')}`);
      out.set(m[1], Number(m[2]));
    }
  }
  return out;
}

// The service's large seed (app/src/lib/seed-sizes.ts), which the bench loads with the seeder.
export const SEED = { ...SEED_SIZES.large, ...seedTotals('large') };

export const pct = (x: number) => `${(x * 100).toFixed(0).padStart(3)}%`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function machine() {
  const c = os.cpus();
  return `${c.length} CPUs (${c[0].model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}`;
}
