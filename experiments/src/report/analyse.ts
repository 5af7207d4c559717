/**
 * Everything the report states, computed from a results directory: summary.json is this object.
 *
 *   analyseRun(run: RunData): Summary
 *
 * Every capacity figure carries a range: per-pod TPS the bracket and repeats of the one-replica
 * search; σ, κ, N* and the plan's replica counts the 5th–95th percentile of a bootstrap over the
 * measured counts' brackets (usl.ts uslRanges). Censored counts are listed, never fitted.
 */

import { memoryGiB, priceTarget, type Prices, type TargetCost } from '../analysis/cost.js';
import { CEILING_TOLERANCE, ceilingCheck, componentDemands, connectionCheck, PART_NAMES, systemPlan, type CeilingCheck, type ConnectionCheck, type Demand, type SystemPlanRow } from '../analysis/demand.js';
import { countPoint, fitPoints, holdOut, planRanges, type HoldOut, type PlanRange } from '../analysis/capacity.js';
import { DEFAULT_SLO, findKnee, type Knee, type Slo, type StepResult } from '../analysis/knee.js';
import { DEFAULT_HEADROOM, DEFAULT_TARGETS, hpaAdvice, planReplicas, prewarmReplicas, type HpaAdvice, type PlanRow } from '../analysis/plan.js';
import { hpaReaction, type Reaction } from '../analysis/reaction.js';
import { fitUsl, uslRanges, type Range, type UslFit, type UslParams } from '../analysis/usl.js';
import type { RunEvent } from '../model.js';
import { resourceLimits, type LoadTestRow, type Prospective, type RunData, type RunInfo, type ScalingPoint } from './run.js';

export type UslSummary = Omit<UslFit, 'predict'> & {
  /** 5th/50th/95th percentiles over the bootstrap draws */
  ranges: { lambda: Range; sigma: Range; kappa: Range; peakN: Range | null; draws: number };
  fittedCounts: number[];
};

export interface PlanRowWithRanges extends PlanRow, Omit<PlanRange, 'targetTps'> {
  /** pre-warm minReplicas for a surge of the measured shape scaled to this target; null without a measured spike */
  prewarmMinReplicas: number | null;
}

export interface CountSummary extends ScalingPoint {
  /** what the count's figure is: a measurement, or a bound that is not fitted */
  status: 'measured' | 'lower bound' | 'nothing passed';
}

export interface ProspectiveSummary extends Prospective {
  /** confirmed: N met the SLO and N − 1 missed; refuted: one of them did not; incomplete: a run could not be made */
  verdict: 'confirmed' | 'refuted' | 'incomplete';
  why: string;
}

export interface Summary {
  run: RunInfo;
  slo: Slo;
  headroom: number;
  inputs: Record<'saturation' | 'scaling' | 'loadTests' | 'samples' | 'events', boolean>;
  /** the answer in a few sentences, bad news first */
  headline: string[];
  /** the k6 end-of-test summaries (loadtests.json), the reports' own table */
  loadTests: LoadTestRow[];
  knee: Knee | null;
  /** per-pod TPS: [least achieved at the knee, median of the repeats, lowest failing rate] */
  perPodTps: { lo: number; mid: number; hi: number | null } | null;
  counts: CountSummary[];
  usl: UslSummary | null;
  holdOut: HoldOut | null;
  plan: PlanRowWithRanges[];
  /** CPU per request of each component (utilisation law), over the steps that met the SLO */
  demands: Demand[];
  /** PostgreSQL, Redis and connections per target, and the first bottleneck; empty without demands or run.json's system */
  systemPlan: SystemPlanRow[];
  /** a shared part's predicted ceiling (from the one-replica steps) against the counts measured past it */
  ceilings: CeilingCheck[];
  /** per measured count, replicas × workers × pool against max_connections, and what the steps saw */
  connections: ConnectionCheck[];
  /** per target, what the plan costs per hour (service pods, PostgreSQL, Redis); empty without prices */
  costs: TargetCost[];
  reaction: Reaction | null;
  /** the spike re-run with the advised HPA settings; null when it did not run */
  reactionAdvised: Reaction | null;
  hpaAdvice: HpaAdvice | null;
  prospective: ProspectiveSummary | null;
  warnings: string[];
}

/** `prices` (make sweep's) override the run's own. */
export function analyseRun(run: RunData, options: { prices?: Prices } = {}): Summary {
  const slo = run.info.slo ?? DEFAULT_SLO;
  const headroom = run.info.headroom ?? DEFAULT_HEADROOM;
  const targets = run.info.targets ?? DEFAULT_TARGETS;
  const warnings: string[] = [];

  const oneReplica = run.scaling?.find((p) => p.replicas === 1)?.steps ?? run.saturation;
  const knee = oneReplica?.length ? findKnee(oneReplica, slo) : null;
  const perPodTps = knee?.censored === 'none' || knee?.censored === 'lower-bound' ? knee.range : null;
  const counts = (run.scaling ?? []).map((p) => countSummary(p, slo));

  let usl: UslSummary | null = null;
  let draws: UslParams[] | null = null;
  const measured = fitPoints(counts);
  if (measured.length >= 2) {
    // The summary keeps the fitted parameters; the prediction function is dropped, never called.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const { predict: _predict, ...fit } = fitUsl(measured.map((p) => ({ n: p.n, x: counts.find((c) => c.replicas === p.n)!.throughputRps })));
    const ranges = uslRanges(measured);
    draws = ranges.draws;
    usl = { ...fit, ranges: { lambda: ranges.lambda, sigma: ranges.sigma, kappa: ranges.kappa, peakN: ranges.peakN, draws: ranges.draws.length }, fittedCounts: measured.map((p) => p.n) };
  }
  const censored = counts.filter((c) => c.status !== 'measured');
  if (censored.length) warnings.push(`not fitted (bounds, not measurements): ${censored.map((c) => `${c.replicas} replica(s): ${c.status}`).join('; ')}`);
  const held = holdOut(counts);

  const phaseT = (label: string) => run.events?.find((e) => e.kind === 'mark' && (e as { label?: string }).label === label)?.t;
  const reaction = spikeReaction(run, slo, phaseT('phase.spike') ?? -Infinity, phaseT('phase.validate') ?? phaseT('phase.respike') ?? Infinity);
  const reactionAdvised = phaseT('phase.respike') !== undefined ? spikeReaction(run, slo, phaseT('phase.respike')!, Infinity) : null;

  const perPod = knee?.perPodTps ?? null;
  const spike = reaction && reaction.timeToReadyAtMaxS !== null && reaction.baselineRps !== null && reaction.peakRps !== null && reaction.rampS !== null && reaction.peakRps > 0
    ? { lagS: reaction.timeToReadyAtMaxS, baseShare: reaction.baselineRps / reaction.peakRps, rampS: reaction.rampS, baseTps: reaction.baselineRps, peakTps: reaction.peakRps }
    : null;
  const uslParams = usl ? { lambda: usl.lambda, sigma: usl.sigma, kappa: usl.kappa } : null;
  const ranges = planRanges({ targets, headroom, perPod: perPodTps, draws, measuredCounts: measured.map((p) => p.n) });
  const plan = planReplicas({ perPodTps: perPod, usl: uslParams, targets, headroom }).map((row, i) => ({
    ...row,
    ...withoutTarget(ranges[i]),
    prewarmMinReplicas: spike && perPod
      ? prewarmReplicas({ baseTps: row.targetTps * spike.baseShare, peakTps: row.targetTps, rampS: spike.rampS, lagS: spike.lagS, perPodTps: perPod })
      : null,
  }));
  const advice = spike && perPod
    ? hpaAdvice({ perPodTps: perPod, headroom, lagS: spike.lagS, baseTps: spike.baseTps, peakTps: spike.peakTps, rampS: spike.rampS })
    : null;
  const prospective = run.prospective ? judgeProspective(run.prospective) : null;
  const demands = componentDemands(counts.flatMap((c) => (c.steps ?? []) as StepResult[]), slo);
  const system = run.info.system && demands.length
    ? systemPlan({
      targets, demands, limits: run.info.system,
      serviceReplicas: plan.map((p) => (p.uslPrinted && p.uslRange && Number.isFinite(p.uslRange.mid) ? p.uslRange.mid : p.linearRange?.mid ?? null)),
      serviceCeilingRps: usl && measured.length >= 5 ? usl.ceilingX : Infinity,
    })
    : [];
  const withSteps = counts.map((c) => ({ ...c, steps: c.steps }));
  const ceilings = run.info.system ? ceilingCheck(withSteps, run.info.system, slo) : [];
  const connections = run.info.system ? connectionCheck(withSteps, run.info.system) : [];
  const prices = options.prices ?? run.info.prices ?? null;
  const pod = resourceLimits(run.info.versions.resources);
  const podMemoryGiB = memoryGiB(pod.memory ?? undefined);
  const costs = prices && system.length && pod.cpu && podMemoryGiB !== null
    ? plan.map((row, k) => priceTarget({
      targetTps: row.targetTps, prices,
      replicas: row.uslPrinted && row.uslRange ? row.uslRange : row.linearRange,
      basis: row.uslPrinted && row.uslRange ? 'usl' : 'linear',
      pod: { cpu: pod.cpu!, memoryGiB: podMemoryGiB },
      postgresCores: system[k].postgresCores, redisCores: system[k].redisCores,
      postgresMemoryGiB: run.info.system?.postgresMemoryGiB ?? null, redisMemoryGiB: run.info.system?.redisMemoryGiB ?? null,
    }))
    : [];
  if (prices && !costs.length) warnings.push('prices were given, but the plan could not be priced: it needs the whole-system plan and the pods\' CPU and memory limits');
  if (!demands.length) warnings.push('no step carries the node\'s CPU split: no per-component demand, no whole-system plan');

  if (!knee) warnings.push('no saturation results: no per-pod TPS, no linear plan');
  if (!usl) warnings.push('fewer than 2 measured replica counts: no USL fit');
  if (!reaction) warnings.push('no samples: no HPA reaction');
  else if (!spike) warnings.push('the spike, its served req/s or the time to ready could not all be measured: no pre-warm advice');

  const summary: Summary = {
    run: run.info,
    slo,
    headroom,
    inputs: { saturation: !!oneReplica, scaling: !!run.scaling, loadTests: !!run.loadTests, samples: !!run.samples, events: !!run.events },
    headline: [],
    loadTests: run.loadTests ?? [],
    knee,
    perPodTps,
    counts,
    usl,
    holdOut: held,
    plan,
    demands,
    systemPlan: system,
    ceilings,
    connections,
    costs,
    reaction,
    reactionAdvised,
    hpaAdvice: advice,
    prospective,
    warnings,
  };
  summary.headline = headline(summary);
  return summary;
}

/** A count's figures, re-derived from its steps where it kept them (the stored ones are the controller's reading). */
function countSummary(stored: ScalingPoint, slo: Slo): CountSummary {
  const p = stored.steps?.length ? { ...stored, ...countPoint(stored.replicas, findKnee(stored.steps, slo)) } : stored;
  const censored = p.censored ?? (p.throughputRps > 0 ? 'none' : 'no-pass');
  return { ...p, censored, status: censored === 'none' ? 'measured' : censored === 'lower-bound' ? 'lower bound' : 'nothing passed' };
}

function withoutTarget({ targetTps: _t, ...rest }: PlanRange): Omit<PlanRange, 'targetTps'> {
  return rest;
}

/** The HPA's reaction within [from, to): the phases around a spike raise the load with replicas pinned. */
function spikeReaction(run: RunData, slo: Slo, from: number, to: number): Reaction | null {
  if (!run.samples?.length) return null;
  const inWindow = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t >= from && x.t < to);
  return hpaReaction(inWindow(run.samples), inWindow<RunEvent>(run.events ?? []), { slo });
}

function judgeProspective(p: Prospective): ProspectiveSummary {
  const at = (n: number | null) => p.runs.find((r) => r.replicas === n);
  if (p.runs.some((r) => !r.ran)) return { ...p, verdict: 'incomplete', why: p.runs.filter((r) => !r.ran).map((r) => r.note ?? `${r.replicas} replicas did not run`).join('; ') };
  if (p.replicas === null) {
    const r = p.runs[0];
    if (!r) return { ...p, verdict: 'incomplete', why: 'nothing ran' };
    return r.metSlo
      ? { ...p, verdict: 'refuted', why: `the plan said no count reaches ${p.targetTps} req/s, but ${r.replicas} replica(s) met the SLO at it` }
      : { ...p, verdict: 'confirmed', why: `the plan said no count reaches ${p.targetTps} req/s; ${r.replicas} replica(s), where the curve peaks, missed it` };
  }
  const n = at(p.replicas);
  const below = at(p.replicas - 1);
  if (!n) return { ...p, verdict: 'incomplete', why: `${p.replicas} replicas did not run` };
  if (!n.metSlo) return { ...p, verdict: 'refuted', why: `the plan's ${p.replicas} replica(s) missed the SLO at ${p.targetTps} req/s (served ${Math.round(n.observedRps ?? 0)} req/s, p95 ${Math.round(n.p95Ms ?? 0)} ms): too few` };
  if (below?.metSlo) return { ...p, verdict: 'refuted', why: `${p.replicas - 1} replica(s) also met the SLO at ${p.targetTps} req/s: the plan over-provisions by at least one` };
  return { ...p, verdict: 'confirmed', why: `${p.replicas} replica(s) met the SLO at ${p.targetTps} req/s${below ? ` and ${p.replicas - 1} missed it` : ' (one replica: nothing below to miss)'}` };
}

/** The report's first lines: what failed first, then the answer with its range and where it was measured. */
function headline(s: Summary): string[] {
  const out: string[] = [];
  if (s.holdOut && !s.holdOut.pass) {
    out.push(`The USL prediction FAILED its hold-out check: fitted on ${s.holdOut.fitCounts.join(', ')} replicas it predicted ${r(s.holdOut.predictedRps)} req/s at ${s.holdOut.heldOutN}, ` +
      `${r(s.holdOut.observedRps)} were measured (${signed(s.holdOut.errorPct)} %, allowed ±${s.holdOut.tolerancePct} %). Treat every USL replica count below as unproven.`);
  }
  for (const c of s.connections.filter((x) => x.verdict === 'refuted')) out.push(`The connection check was REFUTED at ${c.replicas} replica(s): ${c.why}.`);
  for (const c of s.ceilings.filter((x) => x.withinTolerance === false)) {
    out.push(`The ${PART_NAMES[c.component]} ceiling check FAILED: predicted ${r(c.predictedRps.mid)} req/s from one replica's steps, ` +
      (c.boundAbove !== null ? `yet a count past it served at least ${r(c.boundAbove)}.` : `${r(c.observedRps!)} measured past it (${signed(c.error! * 100)} %, allowed ±${CEILING_TOLERANCE * 100} %).`));
  }
  if (s.prospective && s.prospective.verdict !== 'confirmed') out.push(`The prospective check was ${s.prospective.verdict.toUpperCase()}: ${s.prospective.why}.`);
  const nodeBound = s.counts.filter((c) => c.nodeBound).map((c) => c.replicas);
  if (nodeBound.length) out.push(`Node-bound at ${nodeBound.join(', ')} replica(s): the node ran out of CPU before the pods reached their limits, so those figures are this node's, not the profile's.`);
  if (s.perPodTps) {
    out.push(`Per-pod TPS ${r(s.perPodTps.mid)} req/s (range ${r(s.perPodTps.lo)}–${s.perPodTps.hi === null ? '≥ (no failure seen)' : r(s.perPodTps.hi)}) on profile ${s.run.profile}, measured on a ${s.run.node.cpus}-CPU node shared with the load generator, PostgreSQL, Redis and the control plane.`);
  }
  if (s.holdOut?.pass) out.push(`The USL fit on ${s.holdOut.fitCounts.join(', ')} replicas predicted ${s.holdOut.heldOutN} replicas within ${Math.abs(Math.round(s.holdOut.errorPct * 10) / 10)} % (allowed ±${s.holdOut.tolerancePct} %).`);
  if (s.prospective?.verdict === 'confirmed') out.push(`Prospective check confirmed: ${s.prospective.why}.`);
  for (const c of s.connections.filter((x) => x.verdict === 'as predicted' && !x.fits)) out.push(`Too few database connections failed as predicted at ${c.replicas} replica(s): ${c.why}.`);
  for (const c of s.ceilings.filter((x) => x.withinTolerance)) {
    out.push(`${PART_NAMES[c.component]} caps the system as predicted: ${r(c.predictedRps.mid)} req/s from one replica's steps, ${r(c.observedRps!)} measured at ${c.beyond.map((b) => b.replicas).join(', ')} replicas (${signed(c.error! * 100)} %).`);
  }
  const top = s.systemPlan.at(-1);
  if (top?.bottleneck) {
    const row = s.plan.find((p) => p.targetTps === top.targetTps);
    const pods = row?.uslPrinted && row.uslRange && Number.isFinite(row.uslRange.mid) ? `${row.uslRange.mid} pods` : row?.linearRange ? `${row.linearRange.mid} pods (linear)` : 'unknown pods';
    const b = top.bottleneck;
    const what = b.component === 'service' ? `the service pods themselves (the USL curve tops out at ${r(b.atRps)} req/s)`
      : `${b.component === 'postgres' ? 'PostgreSQL' : 'Redis'}, which as deployed saturates at ${r(b.atRps)} req/s whatever the pod count`;
    // After the bad news (failed checks, node-bound counts), before the figures.
    const firstGood = s.perPodTps ? out.findIndex((l) => l.startsWith('Per-pod TPS')) : out.length;
    out.splice(firstGood === -1 ? out.length : firstGood, 0, `At ${r(top.targetTps)} req/s the first limit is ${what}; PostgreSQL needs ${top.postgresCores ? `${top.postgresCores.mid.toFixed(1)} cores (${top.postgresCores.lo.toFixed(1)}–${top.postgresCores.hi.toFixed(1)})` : '?'} at 70 %, ` +
      `Redis ${top.redisCores ? `${top.redisCores.mid.toFixed(1)} cores${top.redisOneInstanceCarries ? '' : ', more than one Redis thread can give'}` : '?'}; service: ${pods} of ${s.run.profile}` +
      `${top.connections && !top.connections.fits ? `; ${top.connections.needed} DB connections exceed max_connections ${top.connections.max}` : ''}.`);
  }
  const measuredCounts = s.counts.filter((c) => c.status === 'measured').length;
  if (measuredCounts < 5) {
    const bounds = s.counts.filter((c) => c.status !== 'measured').map((c) => `${c.replicas} (${c.status})`);
    out.push(`Only ${measuredCounts} replica count(s) measured${bounds.length ? `, and ${bounds.join(', ')} only bounded` : ''}: the plan prints no USL extrapolation (5 needed).` +
      `${s.run.countsNote ? ` Counts: ${s.run.countsNote}.` : ''}`);
  }
  return out;
}

function r(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${Math.round(v * 10) / 10}`;
}
