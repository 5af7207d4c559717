/**
 * Per-pod TPS from a stepped arrival-rate saturation run, and the step search that drives it.
 *
 *   DEFAULT_SLO: Slo                      p95 < 200 ms, errors < 1 %, achieved ≥ 95 % of offered
 *   checkSlo(step: StepResult, slo?: Slo): SloVerdict
 *   findKnee(steps: StepResult[], slo?: Slo): Knee
 *   nextStep(history: StepResult[], options?: Partial<StepSearchOptions>, slo?: Slo): NextStep
 *
 * The knee is the highest offered rate that meets the SLO with no failing rate at or below it
 * (a pass above a failure is noise, not capacity, and is reported in `warnings`). Per-pod TPS
 * is the rate the pod actually achieved at that step.
 *
 * nextStep() ramps geometrically (start, start·growth, ...) until a step fails, then bisects
 * between the highest pass and the lowest failure until they are within the resolution.
 */

export interface Slo {
  /** p95 latency must stay strictly below this, milliseconds */
  p95Ms: number;
  /** error share must stay strictly below this, 0..1 */
  maxErrorRate: number;
  /** achieved/offered must be at least this, 0..1: a pod that cannot keep up drops the rest */
  minAchievedRatio: number;
}

export const DEFAULT_SLO: Slo = { p95Ms: 200, maxErrorRate: 0.01, minAchievedRatio: 0.95 };

export interface StepResult {
  offeredRps: number;
  achievedRps: number;
  p95Ms: number;
  errorRate: number;
  droppedIterations: number;
}

export interface SloVerdict {
  ok: boolean;
  /** human-readable reasons for a failure, empty when ok */
  reasons: string[];
}

export interface Knee {
  /** achieved rate at the knee step; null when no step met the SLO */
  perPodTps: number | null;
  /** the offered rate of the knee step */
  kneeOfferedRps: number | null;
  /** lowest offered rate that failed; null when every step passed (capacity is at least the knee) */
  firstFailingRps: number | null;
  steps: Array<StepResult & SloVerdict>;
  warnings: string[];
}

export function checkSlo(step: StepResult, slo: Slo = DEFAULT_SLO): SloVerdict {
  const reasons: string[] = [];
  if (!(step.p95Ms < slo.p95Ms)) reasons.push(`p95 ${fmt(step.p95Ms)} ms ≥ ${slo.p95Ms} ms`);
  if (!(step.errorRate < slo.maxErrorRate)) reasons.push(`errors ${fmt(step.errorRate * 100)} % ≥ ${fmt(slo.maxErrorRate * 100)} %`);
  const ratio = step.offeredRps > 0 ? step.achievedRps / step.offeredRps : 0;
  if (!(ratio >= slo.minAchievedRatio)) reasons.push(`achieved ${fmt(ratio * 100)} % of offered < ${fmt(slo.minAchievedRatio * 100)} %`);
  return { ok: reasons.length === 0, reasons };
}

export function findKnee(steps: StepResult[], slo: Slo = DEFAULT_SLO): Knee {
  const judged = [...steps].sort((a, b) => a.offeredRps - b.offeredRps).map((s) => ({ ...s, ...checkSlo(s, slo) }));
  const firstFail = judged.find((s) => !s.ok);
  const below = judged.filter((s) => s.ok && (!firstFail || s.offeredRps < firstFail.offeredRps));
  const knee = below.length ? below[below.length - 1] : null;
  const warnings: string[] = [];
  const passesAbove = firstFail ? judged.filter((s) => s.ok && s.offeredRps > firstFail.offeredRps) : [];
  if (passesAbove.length) {
    warnings.push(`non-monotonic: ${passesAbove.map((s) => s.offeredRps).join(', ')} rps passed above a failure at ${firstFail!.offeredRps} rps; the knee is taken below the failure`);
  }
  if (!firstFail && judged.length) warnings.push('no step failed: per-pod TPS is a lower bound');
  if (!knee && judged.length) warnings.push(`even the lowest rate (${judged[0].offeredRps} rps) failed the SLO`);
  return {
    perPodTps: knee ? knee.achievedRps : null,
    kneeOfferedRps: knee ? knee.offeredRps : null,
    firstFailingRps: firstFail ? firstFail.offeredRps : null,
    steps: judged,
    warnings,
  };
}

export interface StepSearchOptions {
  /** first offered rate, requests per second */
  startRps: number;
  /** geometric factor between ramp steps */
  growth: number;
  /** never offer more than this (what the load generator can send) */
  maxRps: number;
  /** lowest rate worth testing; a failure below it ends the search */
  minRps: number;
  /** stop bisecting when (lowest fail − highest pass) ≤ max(resolutionRps, resolutionRatio · highest pass) */
  resolutionRps: number;
  resolutionRatio: number;
  /** hard cap on the number of steps, each costs a run of minutes */
  maxSteps: number;
}

export const DEFAULT_STEP_SEARCH: StepSearchOptions = {
  startRps: 25,
  growth: 2,
  maxRps: 5000,
  minRps: 1,
  resolutionRps: 5,
  resolutionRatio: 0.05,
  maxSteps: 12,
};

export type NextStep =
  | { done: false; offeredRps: number; phase: 'ramp' | 'bisect' }
  | { done: true; reason: string; knee: Knee };

export function nextStep(history: StepResult[], options: Partial<StepSearchOptions> = {}, slo: Slo = DEFAULT_SLO): NextStep {
  const o = { ...DEFAULT_STEP_SEARCH, ...options };
  const knee = findKnee(history, slo);
  if (history.length === 0) return { done: false, offeredRps: Math.round(Math.min(o.startRps, o.maxRps)), phase: 'ramp' };
  if (history.length >= o.maxSteps) return { done: true, reason: `step limit of ${o.maxSteps} reached`, knee };

  const tested = new Set(history.map((s) => Math.round(s.offeredRps)));
  const pass = knee.kneeOfferedRps ?? 0;
  const fail = knee.firstFailingRps;

  if (fail === null) {
    if (pass >= o.maxRps) return { done: true, reason: `passed at the maximum rate ${o.maxRps} rps`, knee };
    return { done: false, offeredRps: Math.round(Math.min(pass * o.growth, o.maxRps)), phase: 'ramp' };
  }
  if (fail <= o.minRps) return { done: true, reason: `failed at the minimum rate ${o.minRps} rps`, knee };
  // Nothing passed yet: halve until something does, however fine the resolution.
  if (knee.kneeOfferedRps === null) return { done: false, offeredRps: Math.max(Math.floor(fail / 2), Math.ceil(o.minRps)), phase: 'bisect' };
  if (fail - pass <= Math.max(o.resolutionRps, o.resolutionRatio * pass)) {
    return { done: true, reason: `bracketed: passes at ${pass} rps, fails at ${fail} rps`, knee };
  }
  const mid = Math.round((pass + fail) / 2);
  if (mid <= pass || mid >= fail || tested.has(mid)) {
    return { done: true, reason: `bracketed: passes at ${pass} rps, fails at ${fail} rps (no untested integer rate between)`, knee };
  }
  return { done: false, offeredRps: Math.max(mid, Math.ceil(o.minRps)), phase: 'bisect' };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : String(v);
}
