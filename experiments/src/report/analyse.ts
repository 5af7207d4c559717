/**
 * Everything the report states, computed from a results directory: summary.json is this object.
 *
 *   analyseRun(run: RunData): Summary
 */

import { DEFAULT_SLO, findKnee, type Knee, type Slo } from '../analysis/knee.js';
import { DEFAULT_HEADROOM, DEFAULT_TARGETS, hpaAdvice, planReplicas, prewarmReplicas, type HpaAdvice, type PlanRow } from '../analysis/plan.js';
import { hpaReaction, type Reaction } from '../analysis/reaction.js';
import { fitUsl, type UslFit } from '../analysis/usl.js';
import type { LoadTestRow, RunData, RunInfo, Validation } from './run.js';

export type UslSummary = Omit<UslFit, 'predict'>;

export interface PlanRowWithPrewarm extends PlanRow {
  /** pre-warm minReplicas for a surge of the measured shape scaled to this target; null without a measured spike */
  prewarmMinReplicas: number | null;
}

export interface Summary {
  run: RunInfo;
  slo: Slo;
  headroom: number;
  inputs: Record<'saturation' | 'scaling' | 'loadTests' | 'samples' | 'events', boolean>;
  /** the k6 end-of-test summaries (loadtests.json), the reports' own table */
  loadTests: LoadTestRow[];
  knee: Knee | null;
  usl: UslSummary | null;
  plan: PlanRowWithPrewarm[];
  reaction: Reaction | null;
  hpaAdvice: HpaAdvice | null;
  /** predicted vs observed at a reachable target; null when the validate phase did not run */
  validation: Validation | null;
  warnings: string[];
}

export function analyseRun(run: RunData): Summary {
  const slo = run.info.slo ?? DEFAULT_SLO;
  const headroom = run.info.headroom ?? DEFAULT_HEADROOM;
  const warnings: string[] = [];

  const knee = run.saturation?.length ? findKnee(run.saturation, slo) : null;
  let usl: UslSummary | null = null;
  let uslParams = null;
  if (run.scaling?.length) {
    const { predict: _predict, ...fit } = fitUsl(run.scaling.map((p) => ({ n: p.replicas, x: p.throughputRps })));
    usl = fit;
    uslParams = { lambda: fit.lambda, sigma: fit.sigma, kappa: fit.kappa };
  }
  // The HPA's reaction is read from the spike phase only: the saturation and scaling phases before
  // it also raise the load, with the replicas pinned.
  const spikePhase = run.events?.find((e) => e.kind === 'mark' && (e as { label?: string }).label === 'phase.spike');
  const from = spikePhase?.t ?? -Infinity;
  const reaction = run.samples?.length
    ? hpaReaction(run.samples.filter((s) => s.t >= from), (run.events ?? []).filter((e) => e.t >= from),
      { slo, spikeStartS: run.info.spikeStartS, spikeEndS: run.info.spikeEndS })
    : null;

  const perPodTps = knee?.perPodTps ?? null;
  const spike = reaction && reaction.timeToReadyAtMaxS !== null && reaction.baselineRps !== null && reaction.peakRps !== null && reaction.rampS !== null && reaction.peakRps > 0
    ? { lagS: reaction.timeToReadyAtMaxS, baseShare: reaction.baselineRps / reaction.peakRps, rampS: reaction.rampS, baseTps: reaction.baselineRps, peakTps: reaction.peakRps }
    : null;
  const plan = planReplicas({ perPodTps, usl: uslParams, targets: run.info.targets ?? DEFAULT_TARGETS, headroom }).map((row) => ({
    ...row,
    prewarmMinReplicas: spike && perPodTps
      ? prewarmReplicas({ baseTps: row.targetTps * spike.baseShare, peakTps: row.targetTps, rampS: spike.rampS, lagS: spike.lagS, perPodTps })
      : null,
  }));
  const advice = spike && perPodTps
    ? hpaAdvice({ perPodTps, headroom, lagS: spike.lagS, baseTps: spike.baseTps, peakTps: spike.peakTps, rampS: spike.rampS, cpuUtilAtKnee: run.info.cpuUtilAtKnee })
    : null;

  if (!knee) warnings.push('no saturation results: no per-pod TPS, no linear plan');
  if (!usl) warnings.push('no scaling results: no USL fit');
  if (!reaction) warnings.push('no samples: no HPA reaction');
  else if (!spike) warnings.push('the spike, its served req/s or the time to ready could not all be measured: no pre-warm advice');

  return {
    run: run.info,
    slo,
    headroom,
    inputs: { saturation: !!run.saturation, scaling: !!run.scaling, loadTests: !!run.loadTests, samples: !!run.samples, events: !!run.events },
    loadTests: run.loadTests ?? [],
    knee,
    usl,
    plan,
    reaction,
    hpaAdvice: advice,
    validation: run.validation,
    warnings,
  };
}
