/**
 * Throughput at the SLO from stepped constant-arrival-rate runs, and the step search that drives them.
 *
 *   DEFAULT_SLO: Slo                      p95 < 200 ms, errors < 1 %, achieved ≥ 95 % of offered
 *   checkSlo(step: StepResult, slo?: Slo): SloVerdict
 *   isNodeBound(share: NodeShare): boolean
 *   findKnee(steps: StepResult[], slo?: Slo): Knee
 *   nextStep(history: StepResult[], options?: Partial<StepSearchOptions>, slo?: Slo): NextStep
 *
 * A rate passes when most of the runs offered at it met the SLO (a tie fails). A single run is
 * not enough either way near the knee: a 30 s step's p95 on a throttled pod jumps by 100 ms or
 * more between identical runs, and one unlucky failure used to pin the bracket below capacity for
 * the rest of the search. So the search re-offers the lowest failing rate until its verdict is
 * decided (a majority of `repeats` runs) and repeats the knee rate `repeats` times.
 * The knee is the highest passing rate with no failing rate at or below it (a pass above a
 * failure is noise, not capacity, and is reported in `warnings`). The capacity then lies in
 * [least achieved at the knee, lowest failing rate above every rate that ever passed): a rate
 * that passed even once lies inside the range, which is how the node's noise shows. Both ends are kept, and `censored` says when
 * one of them is missing (nothing failed: a lower bound; nothing passed: an upper bound). A
 * censored knee is not a measurement of capacity and must not be fitted as one.
 *
 * A step the load generator could not send (achieved short of offered while the server kept
 * errors under the SLO and p95 under half of it: k6 at its CPU limit, or starved on a full node) says nothing about the
 * server: it is `generator-bound`, neither pass nor fail. The search then bisects below it like
 * below a failure and ends with a lower bound, naming the generator's limit.
 *
 * nextStep() ramps geometrically (start, start·growth, ...) until a step fails (or steps down by
 * the same factor until one passes), bisects between the highest pass and the lowest failure until
 * they are within `resolutionRatio` of the pass, then re-offers the knee rate until it has
 * `repeats` runs. Before each bisection it confirms the lowest failure (phase 'confirm'). There is no rate cap: the generator's own limit ends the ramp.
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

/** CPU cores in use on the node during a step, by who used them (cAdvisor through Prometheus). */
export interface NodeShare {
  serviceCores: number;
  postgresCores: number;
  redisCores: number;
  loadgenCores: number;
  /** the node minus the four above: control plane, add-ons, the kernel */
  restCores: number;
  usedCores: number;
  capacityCores: number;
  /** the service pods' CPU limits, summed */
  serviceLimitCores: number;
}

export interface StepResult {
  offeredRps: number;
  achievedRps: number;
  p95Ms: number;
  errorRate: number;
  droppedIterations: number;
  /** the node's CPU over the step; absent where it could not be read */
  node?: NodeShare;
  /** service containers restarted during the step (a liveness probe that timed out under load) */
  restarts?: number;
  /** the service's own metrics over the step: most PostgreSQL connections held at once, 5xx responses by status, dependency 503s by why */
  server?: { dbConnectionsMax: number | null; errorsByStatus: Record<string, number>; unavailableByKind?: Record<string, number> };
}

export interface SloVerdict {
  ok: boolean;
  /** achieved fell short while the server kept p95 and errors: the generator, not the server, failed */
  generatorBound: boolean;
  /** the node ran out of CPU before the service pods reached their limits */
  nodeBound: boolean;
  /** human-readable reasons for a failure, empty when ok */
  reasons: string[];
}

export type Censoring = 'none' | 'lower-bound' | 'no-pass';

export interface Knee {
  /** median achieved rate over the passing runs at the knee rate; null when no rate met the SLO */
  perPodTps: number | null;
  /** the offered rate of the knee step */
  kneeOfferedRps: number | null;
  /** lowest offered rate that failed; null when nothing failed (capacity is at least the knee) */
  firstFailingRps: number | null;
  /** achieved req/s of every run at the knee rate */
  repeats: number[];
  /** capacity lies in [lo, hi): lo the least achieved by a passing run at the knee, hi the lowest failing rate above every rate that ever passed (null: unbounded) */
  range: { lo: number; mid: number; hi: number | null } | null;
  censored: Censoring;
  /** (lowest fail − knee) / knee; null without both */
  bracketRatio: number | null;
  /** lowest rate the load generator could not send; null when it sent every rate */
  generatorLimitRps: number | null;
  /** a failing step at the bracket's top was node-bound: the capacity is the node's, not the pods' */
  nodeBound: boolean;
  steps: Array<StepResult & SloVerdict>;
  warnings: string[];
}

/** Node-bound: at least 90 % of the node's CPU in use while the service used under 90 % of its limits. */
export function isNodeBound(s: NodeShare): boolean {
  return s.usedCores >= 0.9 * s.capacityCores && s.serviceCores < 0.9 * s.serviceLimitCores;
}

export function checkSlo(step: StepResult, slo: Slo = DEFAULT_SLO): SloVerdict {
  const reasons: string[] = [];
  const slow = !(step.p95Ms < slo.p95Ms);
  const failing = !(step.errorRate < slo.maxErrorRate);
  if (slow) reasons.push(`p95 ${fmt(step.p95Ms)} ms ≥ ${slo.p95Ms} ms`);
  if (failing) reasons.push(`errors ${fmt(step.errorRate * 100)} % ≥ ${fmt(slo.maxErrorRate * 100)} %`);
  const ratio = step.offeredRps > 0 ? step.achievedRps / step.offeredRps : 0;
  const short = !(ratio >= slo.minAchievedRatio);
  if (short) reasons.push(`achieved ${fmt(ratio * 100)} % of offered < ${fmt(slo.minAchievedRatio * 100)} %`);
  if (step.restarts) reasons.push(`${step.restarts} service container restart(s) during the step`);
  // Only a server well inside its latency SLO clears itself: near the knee a slow server also
  // leaves k6's arrival-rate VUs busy, and the shortfall is the server's.
  const generatorBound = short && step.p95Ms < slo.p95Ms / 2 && !failing && !step.restarts && step.achievedRps > 0;
  if (generatorBound) reasons.push('the server kept its latency and errors: the load generator could not send the rate');
  return { ok: reasons.length === 0, generatorBound, nodeBound: step.node ? isNodeBound(step.node) : false, reasons };
}

export function findKnee(steps: StepResult[], slo: Slo = DEFAULT_SLO): Knee {
  const judged = [...steps].sort((a, b) => a.offeredRps - b.offeredRps).map((s) => ({ ...s, ...checkSlo(s, slo) }));
  const rates = groupByRate(judged);
  const generator = rates.find((r) => r.verdict === 'generator-bound');
  const server = rates.filter((r) => r.verdict !== 'generator-bound');
  const firstFail = server.find((r) => r.verdict === 'fail');
  const below = server.filter((r) => r.verdict === 'pass' && (!firstFail || r.offeredRps < firstFail.offeredRps));
  const knee = below.at(-1) ?? null;
  const warnings: string[] = [];

  const passesAbove = firstFail ? server.filter((r) => r.verdict === 'pass' && r.offeredRps > firstFail.offeredRps) : [];
  if (passesAbove.length) {
    warnings.push(`non-monotonic: ${passesAbove.map((r) => r.offeredRps).join(', ')} rps passed above a failure at ${firstFail!.offeredRps} rps; the knee is taken below the failure`);
  }
  const mixed = rates.filter((r) => r.runs.some((s) => s.ok) && r.runs.some((s) => !s.ok && !s.generatorBound));
  if (mixed.length) warnings.push(`repeats disagreed at ${mixed.map((r) => r.offeredRps).join(', ')} rps: a rate passes when most of its runs do (a tie fails)`);
  if (generator && (!firstFail || generator.offeredRps < firstFail.offeredRps)) {
    warnings.push(`the load generator could not send ${generator.offeredRps} rps while the server kept its SLO: capacity is at least the knee, not measured above it`);
  }
  const censored: Censoring = !knee ? 'no-pass' : firstFail ? 'none' : 'lower-bound';
  if (censored === 'lower-bound' && judged.length) warnings.push('no step failed: the throughput is a lower bound');
  if (censored === 'no-pass' && judged.length) warnings.push(`even the lowest rate (${judged[0].offeredRps} rps) failed the SLO: the throughput is below it`);

  const repeats = knee ? knee.runs.map((s) => s.achievedRps) : [];
  // A knee that passed by majority may hold a failed run: the figure comes from the runs that passed.
  const passed = knee ? knee.runs.filter((s) => s.ok).map((s) => s.achievedRps) : [];
  const perPodTps = knee ? median(passed) : null;
  // Any rate that passed even once may be within capacity: the range's top is the lowest failing
  // rate above every rate that ever passed.
  const passedOnce = Math.max(-Infinity, ...server.filter((r) => r.runs.some((x) => x.ok)).map((r) => r.offeredRps));
  const alwaysFails = firstFail ? server.find((r) => r.offeredRps > passedOnce && r.verdict === 'fail') : undefined;
  const range = knee ? { lo: Math.min(...passed), mid: perPodTps!, hi: firstFail ? (alwaysFails ?? firstFail).offeredRps : null } : null;
  const bracketRatio = knee && firstFail ? (firstFail.offeredRps - knee.offeredRps) / knee.offeredRps : null;
  const nodeBound = !!firstFail && firstFail.runs.some((s) => s.nodeBound);
  if (nodeBound) warnings.push(`node-bound: at ${firstFail.offeredRps} rps the node's CPU ran out before the service pods reached their limits; this capacity is the node's, not the pods'`);
  return {
    perPodTps,
    kneeOfferedRps: knee ? knee.offeredRps : null,
    firstFailingRps: firstFail ? firstFail.offeredRps : null,
    repeats,
    range,
    censored,
    bracketRatio,
    generatorLimitRps: generator ? generator.offeredRps : null,
    nodeBound,
    steps: judged,
    warnings,
  };
}

export interface StepSearchOptions {
  /** first offered rate, requests per second */
  startRps: number;
  /** geometric factor between ramp steps (and between steps down while nothing passes) */
  growth: number;
  /** lowest rate worth testing; a failure at or below it ends the search */
  minRps: number;
  /** stop bisecting when (lowest fail − highest pass) ≤ max(resolutionRps, resolutionRatio · highest pass) */
  resolutionRps: number;
  resolutionRatio: number;
  /** runs wanted at the knee rate, the first one included */
  repeats: number;
  /** hard cap on the number of steps, each costs about 40 s */
  maxSteps: number;
}

export const DEFAULT_STEP_SEARCH: StepSearchOptions = {
  startRps: 25,
  growth: 2,
  minRps: 1,
  resolutionRps: 2,
  resolutionRatio: 0.05,
  repeats: 3,
  maxSteps: 24,
};

export type NextStep =
  | { done: false; offeredRps: number; phase: 'ramp' | 'confirm' | 'bisect' | 'repeat' }
  | { done: true; reason: string; knee: Knee };

export function nextStep(history: StepResult[], options: Partial<StepSearchOptions> = {}, slo: Slo = DEFAULT_SLO): NextStep {
  const o = { ...DEFAULT_STEP_SEARCH, ...options };
  const knee = findKnee(history, slo);
  const done = (reason: string): NextStep => {
    if (knee.bracketRatio !== null && knee.bracketRatio > o.resolutionRatio && knee.censored === 'none') {
      knee.warnings.push(`the bracket [${knee.kneeOfferedRps}, ${knee.firstFailingRps}) rps is ${fmt(knee.bracketRatio * 100)} % wide, more than the ${fmt(o.resolutionRatio * 100)} % aimed for (${reason})`);
    }
    if (knee.kneeOfferedRps !== null && knee.repeats.length < o.repeats) {
      knee.warnings.push(`the knee rate ran ${knee.repeats.length} time(s), not ${o.repeats} (${reason})`);
    }
    return { done: true, reason, knee };
  };
  if (history.length === 0) return { done: false, offeredRps: Math.round(o.startRps), phase: 'ramp' };
  if (history.length >= o.maxSteps) return done(`step limit of ${o.maxSteps} reached`);

  const pass = knee.kneeOfferedRps;
  const gen = knee.generatorLimitRps;
  // The generator's limit bounds the search like a failure would, but proves nothing about the server.
  const upper = Math.min(knee.firstFailingRps ?? Infinity, gen ?? Infinity);
  const fail = Number.isFinite(upper) ? upper : null;

  if (fail === null) return { done: false, offeredRps: Math.round((pass ?? o.startRps) * o.growth), phase: 'ramp' };
  if (fail <= o.minRps) return done(`failed at the minimum rate ${o.minRps} rps`);
  // The failure that bounds the search must hold up before the search narrows below it; a rate
  // that restarted a pod is not offered again (it would only restart it again).
  // Every run there counts against `repeats`, so generator-bound repeats cannot keep it open.
  const top = knee.firstFailingRps !== fail ? [] : knee.steps.filter((st) => st.offeredRps === knee.firstFailingRps);
  const failed = top.filter((st) => !st.ok && !st.generatorBound).length;
  const unconfirmed = top.length && top.length < o.repeats && !top.some((st) => st.restarts) && failed <= o.repeats / 2;
  if (unconfirmed) return { done: false, offeredRps: top[0].offeredRps, phase: 'confirm' };
  if (pass === null) return { done: false, offeredRps: Math.max(Math.floor(fail / o.growth), Math.ceil(o.minRps)), phase: 'bisect' };
  const tested = new Set(history.map((s) => Math.round(s.offeredRps)));
  const mid = Math.round((pass + fail) / 2);
  const resolved = fail - pass <= Math.max(o.resolutionRps, o.resolutionRatio * pass) || mid <= pass || mid >= fail || tested.has(mid);
  if (!resolved) return { done: false, offeredRps: mid, phase: 'bisect' };
  if (knee.repeats.length < o.repeats) return { done: false, offeredRps: pass, phase: 'repeat' };
  if (knee.firstFailingRps === null) return done(`the load generator could not send ${gen} rps: capacity is at least ${pass} rps (${knee.repeats.length} runs)`);
  return done(`bracketed: passes at ${pass} rps (${knee.repeats.length} runs), fails at ${fail} rps`);
}

interface RateRuns {
  offeredRps: number;
  runs: Array<StepResult & SloVerdict>;
  verdict: 'pass' | 'fail' | 'generator-bound';
}

/** Runs at the same offered rate judged together: the rate fails when at least half of its server runs failed. */
function groupByRate(judged: Array<StepResult & SloVerdict>): RateRuns[] {
  const byRate = new Map<number, Array<StepResult & SloVerdict>>();
  for (const s of judged) byRate.set(s.offeredRps, [...(byRate.get(s.offeredRps) ?? []), s]);
  return [...byRate].map(([offeredRps, runs]) => {
    const server = runs.filter((s) => !s.generatorBound);
    const failed = server.filter((s) => !s.ok).length;
    const verdict = server.length && 2 * failed >= server.length ? 'fail' : runs.some((s) => s.generatorBound) ? 'generator-bound' : 'pass';
    return { offeredRps, runs, verdict };
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : String(v);
}
