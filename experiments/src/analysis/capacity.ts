/**
 * From replica-count searches to fit input, and the checks of the USL model that can fail.
 *
 *   MIN_COUNTS_FOR_EXTRAPOLATION = 5       measured counts before a USL replica count beyond them is printed
 *   HOLD_OUT_TOLERANCE = 0.1               |predicted − observed| / observed allowed at the held-out count
 *   PROSPECTIVE_FACTOR = 1.1               the prospective target is this much above the best measured throughput
 *   fitPoints(points: CountPoint[]): UslInterval[]
 *   holdOut(points: CountPoint[], options?): HoldOut | null
 *   prospectiveTarget(points: CountPoint[], usl: UslParams): ProspectiveTarget | null
 *
 * A count whose search never passed, or never failed, is censored: a bound, not a value. Such
 * counts are shown but never fitted (fitPoints drops them). A fitted count is the interval
 * [least achieved at the knee, lowest failing rate), which the bootstrap in usl.ts samples.
 *
 * Hold-out: fit on every measured count below the largest, predict the largest, compare. The rule
 * (pass within 10 %, twice the search's 5 % bracket) was fixed before any run was judged by it.
 * Prospective: the plan's N for a target above anything measured must meet the SLO and N − 1 must
 * miss it; the experiment runs both (cli/experiment.ts).
 */

import { fitUsl, uslRanges, uslThroughput, type Range, type UslInterval, type UslParams } from './usl.js';
import type { Knee } from './knee.js';
import { linearReplicas, uslReplicas } from './plan.js';

export const MIN_COUNTS_FOR_EXTRAPOLATION = 5;
export const HOLD_OUT_TOLERANCE = 0.1;
export const PROSPECTIVE_FACTOR = 1.1;

export interface CountPoint {
  replicas: number;
  throughputRps: number;
  lo?: number;
  hi?: number | null;
  censored?: 'none' | 'lower-bound' | 'no-pass';
  nodeBound?: boolean;
}

/** The measured (uncensored) counts as intervals; an old point without a bracket is exact. */
export function fitPoints(points: CountPoint[]): UslInterval[] {
  return points
    .filter((p) => (p.censored ?? 'none') === 'none' && p.throughputRps > 0)
    .map((p) => ({ n: p.replicas, lo: p.lo ?? p.throughputRps, hi: p.hi ?? p.throughputRps }))
    .sort((a, b) => a.n - b.n);
}

export interface HoldOut {
  fitCounts: number[];
  heldOutN: number;
  predictedRps: number;
  /** 5th–95th percentile of the prediction over the bootstrap of the fitted counts' brackets */
  predictedRange: Range;
  observedRps: number;
  observedRange: { lo: number; hi: number };
  /** (predicted − observed) / observed, percent */
  errorPct: number;
  tolerancePct: number;
  pass: boolean;
}

/** Needs three measured counts to fit and a larger one to predict; null otherwise. */
export function holdOut(points: CountPoint[], options: { draws?: number; seed?: number } = {}): HoldOut | null {
  const measured = fitPoints(points);
  const byN = new Map(points.map((p) => [p.replicas, p]));
  if (new Set(measured.map((p) => p.n)).size < 4) return null;
  const heldOutN = measured.at(-1)!.n;
  const train = measured.filter((p) => p.n < heldOutN);
  const fit = fitUsl(train.map((p) => ({ n: p.n, x: byN.get(p.n)!.throughputRps })));
  const ranges = uslRanges(train, options);
  const predictions = ranges.draws.map((d) => uslThroughput(d, heldOutN)).sort((a, b) => a - b);
  const observed = byN.get(heldOutN)!;
  const predictedRps = fit.predict(heldOutN);
  const errorPct = ((predictedRps - observed.throughputRps) / observed.throughputRps) * 100;
  return {
    fitCounts: train.map((p) => p.n),
    heldOutN,
    predictedRps,
    predictedRange: { lo: quantile(predictions, 0.05), mid: quantile(predictions, 0.5), hi: quantile(predictions, 0.95) },
    observedRps: observed.throughputRps,
    observedRange: { lo: measured.at(-1)!.lo, hi: measured.at(-1)!.hi },
    errorPct,
    tolerancePct: HOLD_OUT_TOLERANCE * 100,
    pass: Math.abs(errorPct) <= HOLD_OUT_TOLERANCE * 100,
  };
}

export interface ProspectiveTarget {
  targetTps: number;
  /** the plan's N without headroom; null when the curve never reaches the target */
  replicas: number | null;
  bestMeasuredRps: number;
}

/** A target 10 % above the best throughput any count sustained, and the curve's N for it. */
export function prospectiveTarget(points: CountPoint[], usl: UslParams): ProspectiveTarget | null {
  const measured = points.filter((p) => (p.censored ?? 'none') === 'none' && p.throughputRps > 0);
  if (!measured.length) return null;
  const bestMeasuredRps = Math.max(...measured.map((p) => p.throughputRps));
  const targetTps = Math.ceil(bestMeasuredRps * PROSPECTIVE_FACTOR);
  const r = uslReplicas(usl, targetTps, 0);
  return { targetTps, replicas: r.reachable ? r.replicas : null, bestMeasuredRps };
}

export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

export interface PlanRange {
  targetTps: number;
  /** replicas from the per-pod range: lo from its top, hi from its bottom */
  linearRange: { lo: number; mid: number; hi: number } | null;
  /** 5th/50th/95th percentile of the USL replica count over the bootstrap draws; Infinity: unreachable in that share */
  uslRange: { lo: number; mid: number; hi: number; unreachableShare: number } | null;
  /** the USL count is printed only from MIN_COUNTS_FOR_EXTRAPOLATION measured counts on */
  uslPrinted: boolean;
  /** mid replicas / largest measured count, when above 1: how far the row extrapolates */
  extrapolation: number | null;
}

export interface PlanRangeInput {
  targets: number[];
  headroom: number;
  perPod: { lo: number; mid: number; hi: number | null } | null;
  draws: UslParams[] | null;
  measuredCounts: number[];
}

export function planRanges(i: PlanRangeInput): PlanRange[] {
  const maxN = i.measuredCounts.length ? Math.max(...i.measuredCounts) : 0;
  return i.targets.map((targetTps) => {
    const linear = i.perPod && i.perPod.lo > 0
      ? {
        lo: linearReplicas(targetTps, i.perPod.hi ?? i.perPod.mid, i.headroom),
        mid: linearReplicas(targetTps, i.perPod.mid, i.headroom),
        hi: linearReplicas(targetTps, i.perPod.lo, i.headroom),
      }
      : null;
    let usl: PlanRange['uslRange'] = null;
    if (i.draws?.length) {
      const counts = i.draws.map((d) => {
        const r = uslReplicas(d, targetTps, i.headroom);
        return r.reachable ? r.replicas : Infinity;
      }).sort((a, b) => a - b);
      usl = {
        lo: quantileStep(counts, 0.05), mid: quantileStep(counts, 0.5), hi: quantileStep(counts, 0.95),
        unreachableShare: counts.filter((c) => c === Infinity).length / counts.length,
      };
    }
    const mid = usl && Number.isFinite(usl.mid) ? usl.mid : linear?.mid ?? null;
    return {
      targetTps,
      linearRange: linear,
      uslRange: usl,
      uslPrinted: new Set(i.measuredCounts).size >= MIN_COUNTS_FOR_EXTRAPOLATION,
      extrapolation: mid !== null && maxN > 0 && mid > maxN ? mid / maxN : null,
    };
  });
}

/** A percentile that is one of the values (replica counts stay whole; Infinity stays Infinity). */
function quantileStep(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One replica count's search result as stored in scaling.json. */
export function countPoint(replicas: number, knee: Knee): CountPoint & { repeats: number[] } {
  return {
    replicas,
    throughputRps: knee.perPodTps ?? 0,
    lo: knee.range?.lo ?? 0,
    hi: knee.range ? knee.range.hi : knee.firstFailingRps,
    censored: knee.censored,
    nodeBound: knee.nodeBound,
    repeats: knee.repeats,
  };
}

export interface CountChoice {
  counts: number[];
  /** how many pods at their CPU limit the node's CPUs hold at once */
  fitOnNode: number;
  /** what was picked and why, for the terminal and the report */
  note: string;
}

/**
 * Replica counts to measure: 1..min(5, what the node holds at the pods' CPU limit), at least 1..3
 * (counts above what the node holds are measured too, and come out node-bound). `maxReplicas`
 * overrides. Names the profiles whose limit lets this node hold five.
 */
export function chooseCounts(nodeCpus: number, limitCores: number, maxReplicas: number | 'auto', profiles: Array<{ name: string; cpuCores: number }>): CountChoice {
  const fitOnNode = limitCores > 0 ? Math.floor(round6(nodeCpus / limitCores)) : MIN_COUNTS_FOR_EXTRAPOLATION;
  const top = maxReplicas === 'auto' ? Math.max(3, Math.min(MIN_COUNTS_FOR_EXTRAPOLATION, fitOnNode)) : maxReplicas;
  const counts = Array.from({ length: top }, (_, i) => i + 1);
  const small = profiles.filter((p) => p.cpuCores * MIN_COUNTS_FOR_EXTRAPOLATION <= nodeCpus).map((p) => p.name);
  const parts = [`measuring ${counts.length} replica count(s), 1..${top}: this ${nodeCpus}-CPU node holds ${fitOnNode} pod(s) at the ${limitCores}-core CPU limit`];
  if (top > fitOnNode) parts.push(`counts above ${fitOnNode} cannot all reach their limit at once and will be node-bound`);
  if (new Set(counts).size < MIN_COUNTS_FOR_EXTRAPOLATION) {
    parts.push(`fewer than ${MIN_COUNTS_FOR_EXTRAPOLATION} counts: no USL extrapolation will be printed` +
      (small.length ? `; for ${MIN_COUNTS_FOR_EXTRAPOLATION} counts on this node use ${small.join(' or ')}` : ''));
  }
  return { counts, fitOnNode, note: parts.join('; ') };
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
