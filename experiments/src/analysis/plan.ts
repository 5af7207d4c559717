/**
 * Replicas needed for target throughputs, and HPA settings from the measured reaction lag.
 *
 *   DEFAULT_TARGETS = [1_000, 10_000, 30_000]     req/s
 *   DEFAULT_HEADROOM = 0.3                          share of capacity kept free
 *   linearReplicas(targetTps, perPodTps, headroom?): number
 *   uslReplicas(usl: UslParams, targetTps, headroom?, maxN?): UslReplicas
 *   planReplicas(input: PlanInput): PlanRow[]
 *   prewarmReplicas(input: PrewarmInput): number
 *   targetCpuUtilisation(headroom?, cpuUtilAtKnee?): number
 *   hpaAdvice(input: HpaAdviceInput): HpaAdvice
 *   spikeScale(input: SpikeScaleInput): number
 *
 * Headroom h is the share of capacity kept free: pods run at most at (1 − h) of what they can
 * serve, so capacity must cover target / (1 − h) (for h = 0.3 that is ×1.43, not +30 %).
 * Linear: ceil(target / perPodTps / (1 − h)), the reports' own straight-line method.
 * USL: the smallest N with X(N) ≥ target / (1 − h); X(N) rises to its peak at
 * N* = sqrt((1 − σ)/κ) and falls after it, so when even the peak is below target / (1 − h) no
 * count of replicas of this kind serves the target with that headroom: "unreachable"
 * (κ = 0 with σ > 0 has the ceiling λ/σ instead; σ ≥ 1, one replica's λ).
 *
 * Pre-warm: until new pods are ready the pods already running carry the load, at most up to
 * their SLO capacity. Load that grows at G req/s for the lag L reaches B + G·L (never more than
 * the peak P), so
 *   minReplicas = ceil(min(P, B + G·L) / perPodTps),   G = (P − B) / ramp.
 * No headroom here: while the HPA catches up, running at the SLO limit is the point.
 * Target CPU: the HPA should hold pods at the headroom below the CPU use they reach at the knee:
 *   targetUtilisation% = cpuUtilAtKnee% · (1 − headroom). hpaAdvice takes the knee at 100 % of the
 *   request: the runs do not record the CPU use at the knee.
 */

import { uslPeak, uslThroughput, type UslParams } from './usl.js';

export const DEFAULT_TARGETS = [1_000, 10_000, 30_000];
export const DEFAULT_HEADROOM = 0.3;

export function linearReplicas(targetTps: number, perPodTps: number, headroom = DEFAULT_HEADROOM): number {
  checkHeadroom(headroom);
  if (!(perPodTps > 0)) throw new Error(`linearReplicas: per-pod TPS must be positive, got ${perPodTps}`);
  // Rounding guards against 1000/100/0.7 landing a hair above an integer in floating point.
  return Math.ceil(round9(targetTps / perPodTps / (1 - headroom)));
}

export type UslReplicas =
  | { reachable: true; replicas: number; throughput: number }
  | { reachable: false; ceilingTps: number; atReplicas: number | null };

export function uslReplicas(usl: UslParams, targetTps: number, headroom = DEFAULT_HEADROOM, maxN = 1_000_000): UslReplicas {
  checkHeadroom(headroom);
  const needed = targetTps / (1 - headroom);
  // uslPeak: the top of the curve (one replica when σ ≥ 1), or null when it rises for ever.
  const peak = uslPeak(usl);
  let hi: number;
  if (peak) {
    // The integer peak is one of the two neighbours of N*.
    const cands = [Math.max(1, Math.floor(peak.n)), Math.max(1, Math.ceil(peak.n))];
    const best = cands.reduce((a, b) => (uslThroughput(usl, b) > uslThroughput(usl, a) ? b : a));
    if (uslThroughput(usl, best) < needed) return { reachable: false, ceilingTps: uslThroughput(usl, best), atReplicas: best };
    hi = best;
  } else {
    if (usl.sigma > 0 && usl.lambda / usl.sigma <= needed) return { reachable: false, ceilingTps: usl.lambda / usl.sigma, atReplicas: null };
    if (uslThroughput(usl, maxN) < needed) return { reachable: false, ceilingTps: uslThroughput(usl, maxN), atReplicas: maxN };
    hi = maxN;
  }
  // X(N) is increasing on [1, hi]: binary search the first N that reaches the need.
  let lo = 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (uslThroughput(usl, mid) >= needed * (1 - 1e-12)) hi = mid;
    else lo = mid + 1;
  }
  return { reachable: true, replicas: lo, throughput: uslThroughput(usl, lo) };
}

export interface PlanInput {
  perPodTps: number | null;
  usl: UslParams | null;
  targets?: number[];
  headroom?: number;
}

export interface PlanRow {
  targetTps: number;
  headroom: number;
  linearReplicas: number | null;
  usl: UslReplicas | null;
}

export function planReplicas(input: PlanInput): PlanRow[] {
  const headroom = input.headroom ?? DEFAULT_HEADROOM;
  return (input.targets ?? DEFAULT_TARGETS).map((targetTps) => ({
    targetTps,
    headroom,
    linearReplicas: input.perPodTps && input.perPodTps > 0 ? linearReplicas(targetTps, input.perPodTps, headroom) : null,
    usl: input.usl ? uslReplicas(input.usl, targetTps, headroom) : null,
  }));
}

/** Peak request rate of a spike scenario at SCALE 1. normal-plus-spike: 50 + 400 VUs, each
 *  iteration 5 requests and a 1 s sleep -> about 450 x 5 = 2,250 req/s (224 req/s measured at
 *  SCALE 0.1 on the local cluster). */
export const PEAK_RPS_AT_SCALE_1: Record<string, number> = { 'normal-plus-spike': 2250 };

/** When the spike starts within its scenario: normal-plus-spike's surge has startTime 10s. Both
 *  facts restate the k6 script; test/scenario-facts.test.ts holds them to it. */
export const SPIKE_START_OFFSET_S: Record<string, number> = { 'normal-plus-spike': 10 };

export interface SpikeScaleInput {
  perPodTps: number;
  minReplicas: number;
  /** the scenario's peak req/s at SCALE 1 */
  peakRpsAtScale1: number;
  /** never below this (the experiment's SCALE) */
  minScale: number;
}

/**
 * A spike that the minimum replicas absorb says nothing about the HPA: ask for twice what they
 * serve at the SLO, rounded up to 0.01, never below minScale and never above 1 (the reports' own
 * size; on a small cluster the load generator shares the node).
 */
export function spikeScale(i: SpikeScaleInput): number {
  const wanted = Math.ceil(round9((2 * i.perPodTps * i.minReplicas) / i.peakRpsAtScale1) * 100) / 100;
  return Math.min(1, Math.max(i.minScale, wanted));
}

export interface PrewarmInput {
  /** load before the surge, req/s */
  baseTps: number;
  /** load at the top of the surge, req/s */
  peakTps: number;
  /** seconds the surge takes from base to peak */
  rampS: number;
  /** seconds from surge start until the new replicas are ready */
  lagS: number;
  perPodTps: number;
}

export function prewarmReplicas(i: PrewarmInput): number {
  if (!(i.perPodTps > 0)) throw new Error(`prewarmReplicas: per-pod TPS must be positive, got ${i.perPodTps}`);
  const growth = i.rampS > 0 ? (i.peakTps - i.baseTps) / i.rampS : Infinity;
  const reached = Math.min(i.peakTps, i.baseTps + growth * i.lagS);
  return Math.max(1, Math.ceil(round9(reached / i.perPodTps)));
}

export function targetCpuUtilisation(headroom = DEFAULT_HEADROOM, cpuUtilAtKnee = 1): number {
  checkHeadroom(headroom);
  return Math.max(1, Math.round(cpuUtilAtKnee * (1 - headroom) * 100));
}

export interface HpaAdviceInput {
  perPodTps: number;
  headroom?: number;
  /** measured: spike start -> ready replicas at the maximum desired, seconds */
  lagS: number;
  /** the surge to prepare for */
  baseTps: number;
  peakTps: number;
  rampS: number;
}

export interface HpaAdvice {
  minReplicas: number;
  targetCpuUtilisationPercent: number;
  formula: string;
}

export function hpaAdvice(i: HpaAdviceInput): HpaAdvice {
  const headroom = i.headroom ?? DEFAULT_HEADROOM;
  const minReplicas = prewarmReplicas(i);
  const target = targetCpuUtilisation(headroom);
  const growth = i.rampS > 0 ? (i.peakTps - i.baseTps) / i.rampS : Infinity;
  return {
    minReplicas,
    targetCpuUtilisationPercent: target,
    formula:
      `minReplicas = ceil(min(P, B + G·L) / perPodTps) = ceil(min(${r(i.peakTps)}, ${r(i.baseTps)} + ${r(growth)}·${r(i.lagS)}) / ${r(i.perPodTps)}) = ${minReplicas}; ` +
      `target CPU = 100 % · (1 − ${headroom}) = ${target} %`,
  };
}

function checkHeadroom(h: number): void {
  if (!(h >= 0 && h < 1)) throw new Error(`headroom must be in [0, 1), got ${h}`);
}

function round9(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}

function r(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '∞';
}
