/**
 * How fast the HPA reacted to a load spike, from a recorded timeline.
 *
 *   hpaReaction(samples: TimelineSample[], events?: RunEvent[], options?: Partial<ReactionOptions>): Reaction
 *   breachWindows(samples: TimelineSample[], slo?: Slo): BreachWindow[]
 *
 * Spike start, in order of preference: `options.spikeStartS`; a `mark` event labelled
 * `spike.start` (the controller knows when it started the spike); detection from the load
 * signal (k6 VUs, else k6 req/s, else served req/s): the baseline is the median load over the
 * first `baselineWindowS` seconds with load, and the spike starts at the first sample reaching
 * baseline + riseFraction · (peak − baseline). Detection sees a spike only at the sample that
 * shows it, so it is late by up to one sample interval (`resolutionS`).
 *
 * Desired replicas come from the samples and from `hpa.desired` events (exact times); ready
 * replicas from the samples and `deployment.replicas` events. The spike's maximum desired count is
 * taken over [spike start, spike end + settleS], because the HPA acts on a metrics window that
 * trails the load. A sample covers the interval since the previous one, so an SLO breach window
 * runs from the previous sample's time to the last breaching sample's time.
 */

import { DEFAULT_SLO, type Slo } from './knee.js';
import type { RunEvent, Sample } from '../model.js';

export type TimelineSample = Pick<Sample, 't' | 'desiredReplicas' | 'readyReplicas' | 'rps' | 'p95Ms' | 'errorRate'> &
  Partial<Pick<Sample, 'k6Rps' | 'k6Vus'>>;

export interface ReactionOptions {
  slo: Slo;
  spikeStartS?: number;
  spikeEndS?: number;
  baselineWindowS: number;
  riseFraction: number;
  /** peak/baseline below this is no spike */
  minRise: number;
  settleS: number;
}

export const DEFAULT_REACTION: ReactionOptions = {
  slo: DEFAULT_SLO,
  baselineWindowS: 10,
  riseFraction: 0.2,
  minRise: 1.5,
  settleS: 60,
};

export interface BreachWindow {
  startS: number;
  endS: number;
  durationS: number;
  maxP95Ms: number | null;
  maxErrorRate: number | null;
  reasons: Array<'p95' | 'errors'>;
}

export interface Reaction {
  loadSignal: 'k6Vus' | 'k6Rps' | 'rps' | null;
  spikeStartS: number | null;
  spikeStartSource: 'given' | 'mark' | 'detected' | null;
  spikeEndS: number | null;
  baselineLoad: number | null;
  peakLoad: number | null;
  /** served req/s just before the spike and at its highest: the growth the pods had to absorb */
  baselineRps: number | null;
  peakRps: number | null;
  /** seconds from spike start to the load's peak */
  rampS: number | null;
  baselineDesired: number | null;
  maxDesired: number | null;
  firstDesiredIncreaseAtS: number | null;
  timeToFirstDesiredIncreaseS: number | null;
  maxDesiredAtS: number | null;
  timeToMaxDesiredS: number | null;
  readyAtMaxAtS: number | null;
  timeToReadyAtMaxS: number | null;
  /** [spike start, ready reached the maximum desired (or the end of the timeline)] */
  scalingWindow: { startS: number; endS: number } | null;
  breaches: BreachWindow[];
  breachSecondsTotal: number;
  breachSecondsWhileScaling: number;
  /** median sample interval: every time above is good to about this much */
  resolutionS: number;
  warnings: string[];
}

interface Obs {
  t: number;
  v: number;
}

export function hpaReaction(samples: TimelineSample[], events: RunEvent[] = [], options: Partial<ReactionOptions> = {}): Reaction {
  const o = { ...DEFAULT_REACTION, ...options };
  const rows = [...samples].sort((a, b) => a.t - b.t);
  const warnings: string[] = [];
  const resolutionS = medianInterval(rows);
  const breaches = breachWindows(rows, o.slo);
  const breachSecondsTotal = breaches.reduce((s, b) => s + b.durationS, 0);

  const signal = pickSignal(rows);
  const load: Obs[] = signal ? series(rows, (r) => r[signal]) : [];
  const peak = load.length ? Math.max(...load.map((l) => l.v)) : null;

  let spikeStartS: number | null = null;
  let spikeStartSource: Reaction['spikeStartSource'] = null;
  let baselineLoad: number | null = null;
  let threshold: number | null = null;
  const firstLoaded = load.find((l) => l.v > 0);
  if (firstLoaded && peak !== null) {
    const base = load.filter((l) => l.t >= firstLoaded.t && l.t < firstLoaded.t + o.baselineWindowS).map((l) => l.v);
    baselineLoad = median(base.length ? base : [firstLoaded.v]);
    threshold = baselineLoad + o.riseFraction * (peak - baselineLoad);
  }
  const mark = (label: string) => events.find((e) => e.kind === 'mark' && e.label === label)?.t;
  if (o.spikeStartS !== undefined) {
    spikeStartS = o.spikeStartS;
    spikeStartSource = 'given';
  } else if (mark('spike.start') !== undefined) {
    spikeStartS = mark('spike.start')!;
    spikeStartSource = 'mark';
  } else if (threshold !== null && baselineLoad !== null && peak !== null) {
    if (peak >= baselineLoad * o.minRise && peak > baselineLoad) {
      const hit = load.find((l) => l.t > firstLoaded!.t && l.v >= threshold!);
      if (hit) {
        spikeStartS = hit.t;
        spikeStartSource = 'detected';
      }
    } else {
      warnings.push(`no spike in ${signal}: peak ${round(peak)} is under ${o.minRise}× the baseline ${round(baselineLoad)}`);
    }
  }

  const empty: Reaction = {
    loadSignal: signal, spikeStartS, spikeStartSource, spikeEndS: null, baselineLoad, peakLoad: peak,
    baselineRps: null, peakRps: null, rampS: null,
    baselineDesired: null, maxDesired: null, firstDesiredIncreaseAtS: null, timeToFirstDesiredIncreaseS: null,
    maxDesiredAtS: null, timeToMaxDesiredS: null, readyAtMaxAtS: null, timeToReadyAtMaxS: null,
    scalingWindow: null, breaches, breachSecondsTotal, breachSecondsWhileScaling: 0, resolutionS, warnings,
  };
  if (spikeStartS === null) {
    if (!warnings.length) warnings.push('no spike start: none given, no spike.start mark, and no load signal to detect it from');
    return empty;
  }
  const start = spikeStartS;
  const lastT = rows.length ? rows[rows.length - 1].t : start;

  let spikeEndS: number | null = o.spikeEndS ?? mark('spike.end') ?? null;
  const peakAt = load.length && peak !== null ? load.find((l) => l.t >= start && l.v === peak) ?? null : null;
  if (spikeEndS === null && threshold !== null && peakAt) {
    spikeEndS = load.find((l) => l.t > peakAt.t && l.v < threshold!)?.t ?? null;
  }
  const windowEnd = spikeEndS !== null ? spikeEndS + o.settleS : lastT;

  const served = series(rows, (r) => r.rps);
  const baselineRps = (lastBefore(served, start) ?? served.find((x) => x.t >= start))?.v ?? null;
  const spikeRps = served.filter((s) => s.t >= start && s.t <= (spikeEndS ?? lastT));
  const peakRps = spikeRps.length ? Math.max(...spikeRps.map((s) => s.v)) : null;

  const desired = merge(series(rows, (r) => r.desiredReplicas), events.filter((e) => e.kind === 'hpa.desired' && typeof e.to === 'number').map((e) => ({ t: e.t, v: e.to as number })));
  const ready = merge(series(rows, (r) => r.readyReplicas), events.filter((e) => e.kind === 'deployment.replicas' && typeof e.ready === 'number').map((e) => ({ t: e.t, v: e.ready as number })));

  const baselineDesired = (lastBefore(desired, start) ?? desired.find((d) => d.t >= start))?.v ?? null;
  const inWindow = desired.filter((d) => d.t >= start && d.t <= windowEnd);
  const maxDesired = inWindow.length ? Math.max(...inWindow.map((d) => d.v)) : null;
  const result: Reaction = {
    ...empty, spikeEndS, baselineRps, peakRps, rampS: peakAt ? peakAt.t - start : null, baselineDesired, maxDesired,
  };
  if (baselineDesired === null || maxDesired === null) {
    warnings.push('no desired-replica observations around the spike');
    return result;
  }
  if (maxDesired <= baselineDesired) {
    warnings.push(`the HPA did not scale up: desired stayed at ${baselineDesired}`);
    return result;
  }
  const firstUp = inWindow.find((d) => d.v > baselineDesired)!;
  const atMax = inWindow.find((d) => d.v === maxDesired)!;
  const readyAtMax = ready.find((r) => r.t >= atMax.t && r.v >= maxDesired) ?? null;
  if (!readyAtMax) warnings.push(`ready replicas never reached the maximum desired ${maxDesired} before the timeline ended`);
  const scalingWindow = { startS: start, endS: readyAtMax ? readyAtMax.t : lastT };
  return {
    ...result,
    firstDesiredIncreaseAtS: firstUp.t,
    timeToFirstDesiredIncreaseS: firstUp.t - start,
    maxDesiredAtS: atMax.t,
    timeToMaxDesiredS: atMax.t - start,
    readyAtMaxAtS: readyAtMax ? readyAtMax.t : null,
    timeToReadyAtMaxS: readyAtMax ? readyAtMax.t - start : null,
    scalingWindow,
    breachSecondsWhileScaling: breaches.reduce((s, b) => s + overlap(b.startS, b.endS, scalingWindow.startS, scalingWindow.endS), 0),
  };
}

export function breachWindows(samples: TimelineSample[], slo: Slo = DEFAULT_SLO): BreachWindow[] {
  const rows = [...samples].sort((a, b) => a.t - b.t);
  const step = medianInterval(rows);
  const out: BreachWindow[] = [];
  let open: BreachWindow | null = null;
  rows.forEach((r, i) => {
    const slow = r.p95Ms !== null && r.p95Ms >= slo.p95Ms;
    const failing = r.errorRate !== null && r.errorRate >= slo.maxErrorRate;
    if (!slow && !failing) {
      open = null;
      return;
    }
    if (!open) {
      const from = i > 0 ? rows[i - 1].t : r.t - step;
      open = { startS: from, endS: r.t, durationS: 0, maxP95Ms: null, maxErrorRate: null, reasons: [] };
      out.push(open);
    }
    open.endS = r.t;
    open.durationS = open.endS - open.startS;
    if (r.p95Ms !== null) open.maxP95Ms = Math.max(open.maxP95Ms ?? 0, r.p95Ms);
    if (r.errorRate !== null) open.maxErrorRate = Math.max(open.maxErrorRate ?? 0, r.errorRate);
    if (slow && !open.reasons.includes('p95')) open.reasons.push('p95');
    if (failing && !open.reasons.includes('errors')) open.reasons.push('errors');
  });
  return out;
}

function pickSignal(rows: TimelineSample[]): Reaction['loadSignal'] {
  for (const key of ['k6Vus', 'k6Rps', 'rps'] as const) {
    if (rows.some((r) => r[key] !== null && r[key] !== undefined && (r[key] as number) > 0)) return key;
  }
  return null;
}

function series(rows: TimelineSample[], get: (r: TimelineSample) => number | null | undefined): Obs[] {
  return rows.flatMap((r) => {
    const v = get(r);
    return v === null || v === undefined || !Number.isFinite(v) ? [] : [{ t: r.t, v }];
  });
}

function merge(a: Obs[], b: Obs[]): Obs[] {
  return [...a, ...b].sort((x, y) => x.t - y.t);
}

/** Strictly before: the sample at the spike start already shows the spike. */
function lastBefore(obs: Obs[], t: number): Obs | undefined {
  let found: Obs | undefined;
  for (const o of obs) if (o.t < t) found = o;
  return found;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianInterval(rows: { t: number }[]): number {
  if (rows.length < 2) return 0;
  return median(rows.slice(1).map((r, i) => r.t - rows[i].t));
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
