/**
 * How fast the HPA reacted to a load spike, from a recorded timeline.
 *
 *   hpaReaction(samples: TimelineSample[], events?: RunEvent[], options?: Partial<ReactionOptions>): Reaction
 *   breachWindows(samples: TimelineSample[], slo?: Slo, view?: 'client' | 'server'): BreachWindow[]
 *
 * Spike start and end, in order of preference: `options.spikeStartS`/`spikeEndS`; `mark` events
 * labelled `spike.start`/`spike.end` (the controller knows when it started and ended the spike:
 * exact to the event's own timestamp); detection from the load signal (k6 VUs, else k6 req/s,
 * else served req/s): the baseline is the median load over the first `baselineWindowS` seconds
 * with load, the spike starts at the first sample reaching baseline + riseFraction · (peak −
 * baseline) and ends at the first sample after the peak below that. Detection sees a change only
 * at the sample that shows it, so it is late by up to one sample interval (`resolutionS`). When a
 * mark and detection disagree by more than that, a warning says so.
 *
 * Desired replicas come from the samples and from `hpa.desired` events (exact times); ready
 * replicas from the samples and `deployment.replicas` events. A lag is exact (to the events'
 * timestamps) when both its ends are events or given/marked, else good to `resolutionS`
 * (`lagResolutionS`). The spike's maximum desired count is taken over [spike start, spike end +
 * settleS], because the HPA acts on a metrics window that trails the load.
 *
 * SLO breaches are judged from what clients saw (k6's p95, `k6P95Ms`) when the timeline has it,
 * else from the server's p95; the server's view is always given beside it (`serverBreaches`).
 * Errors are the server's 5xx share in both views. A sample covers the interval since the
 * previous one, so a breach window runs from the previous sample's time to the last breaching
 * sample's time; a sample without the view's p95 (no traffic) is no breach by latency. Both p95s
 * are over windows longer than a sample (k6's 15 s, arriving up to 5 s late; the server's 30 s),
 * so a breach window's edges are good to about that window, not to the sample interval.
 */

import { DEFAULT_SLO, type Slo } from './knee.js';
import type { RunEvent, Sample } from '../model.js';

export type TimelineSample = Pick<Sample, 't' | 'desiredReplicas' | 'readyReplicas' | 'rps' | 'p95Ms' | 'errorRate'> &
  Partial<Pick<Sample, 'k6Rps' | 'k6Vus' | 'k6P95Ms'>>;

/** whose p95 judges a breach: the clients' (k6) or the service's own */
export type BreachView = 'client' | 'server';

/** how a time was found: its own event's timestamp (exact), or the first sample showing it */
export type TimeSource = 'event' | 'sample';

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
  spikeEndSource: 'given' | 'mark' | 'detected' | null;
  /** the start the load signal shows, whatever spikeStartS came from (a check on the mark) */
  detectedSpikeStartS: number | null;
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
  timeSources: { firstDesiredIncrease: TimeSource | null; maxDesired: TimeSource | null; readyAtMax: TimeSource | null };
  /** each timeTo… is good to this many seconds: 0 when both its ends are exact, else resolutionS */
  lagResolutionS: { firstDesiredIncrease: number | null; maxDesired: number | null; readyAtMax: number | null };
  /** [spike start, ready reached the maximum desired (or the end of the timeline)] */
  scalingWindow: { startS: number; endS: number } | null;
  /** the view `breaches` and `breachSeconds…` judge: the clients' when the samples have k6P95Ms */
  breachView: BreachView;
  breaches: BreachWindow[];
  breachSecondsTotal: number;
  breachSecondsWhileScaling: number;
  /** the same, judged from the service's own p95 */
  serverBreaches: BreachWindow[];
  serverBreachSecondsTotal: number;
  serverBreachSecondsWhileScaling: number;
  /** median sample interval: a time found from samples is late by up to this much */
  resolutionS: number;
  warnings: string[];
}

interface Obs {
  t: number;
  v: number;
  src: TimeSource;
}

export function hpaReaction(samples: TimelineSample[], events: RunEvent[] = [], options: Partial<ReactionOptions> = {}): Reaction {
  const o = { ...DEFAULT_REACTION, ...options };
  const rows = [...samples].sort((a, b) => a.t - b.t);
  const warnings: string[] = [];
  const resolutionS = medianInterval(rows);
  const breachView: BreachView = rows.some((r) => Number.isFinite(r.k6P95Ms)) ? 'client' : 'server';
  const breaches = breachWindows(rows, o.slo, breachView);
  const serverBreaches = breachView === 'server' ? breaches : breachWindows(rows, o.slo, 'server');

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
  let detectedSpikeStartS: number | null = null;
  if (threshold !== null && baselineLoad !== null && peak !== null) {
    if (peak >= baselineLoad * o.minRise && peak > baselineLoad) {
      detectedSpikeStartS = load.find((l) => l.t > firstLoaded!.t && l.v >= threshold)?.t ?? null;
    } else if (o.spikeStartS === undefined && mark('spike.start') === undefined) {
      warnings.push(`no spike in ${signal}: peak ${round(peak)} is under ${o.minRise}× the baseline ${round(baselineLoad)}`);
    }
  }
  if (o.spikeStartS !== undefined) {
    spikeStartS = o.spikeStartS;
    spikeStartSource = 'given';
  } else if (mark('spike.start') !== undefined) {
    spikeStartS = mark('spike.start')!;
    spikeStartSource = 'mark';
    if (detectedSpikeStartS !== null && Math.abs(detectedSpikeStartS - spikeStartS) > resolutionS) {
      warnings.push(`the spike.start mark (${round(spikeStartS)} s) and the rise of ${signal} (${round(detectedSpikeStartS)} s) are ${round(detectedSpikeStartS - spikeStartS)} s apart: lags count from the mark`);
    }
  } else if (detectedSpikeStartS !== null) {
    spikeStartS = detectedSpikeStartS;
    spikeStartSource = 'detected';
  }

  const total = (b: BreachWindow[]) => b.reduce((s, w) => s + w.durationS, 0);
  const empty: Reaction = {
    loadSignal: signal, spikeStartS, spikeStartSource, spikeEndS: null, spikeEndSource: null, detectedSpikeStartS,
    baselineLoad, peakLoad: peak, baselineRps: null, peakRps: null, rampS: null,
    baselineDesired: null, maxDesired: null, firstDesiredIncreaseAtS: null, timeToFirstDesiredIncreaseS: null,
    maxDesiredAtS: null, timeToMaxDesiredS: null, readyAtMaxAtS: null, timeToReadyAtMaxS: null,
    timeSources: { firstDesiredIncrease: null, maxDesired: null, readyAtMax: null },
    lagResolutionS: { firstDesiredIncrease: null, maxDesired: null, readyAtMax: null },
    scalingWindow: null, breachView,
    breaches, breachSecondsTotal: total(breaches), breachSecondsWhileScaling: 0,
    serverBreaches, serverBreachSecondsTotal: total(serverBreaches), serverBreachSecondsWhileScaling: 0,
    resolutionS, warnings,
  };
  if (spikeStartS === null) {
    if (!warnings.length) warnings.push('no spike start: none given, no spike.start mark, and no load signal to detect it from');
    return empty;
  }
  const start = spikeStartS;
  const lastT = rows.length ? rows[rows.length - 1].t : start;

  let spikeEndS: number | null = o.spikeEndS ?? mark('spike.end') ?? null;
  let spikeEndSource: Reaction['spikeEndSource'] = o.spikeEndS !== undefined ? 'given' : spikeEndS !== null ? 'mark' : null;
  const peakAt = load.length && peak !== null ? load.find((l) => l.t >= start && l.v === peak) ?? null : null;
  if (spikeEndS === null && threshold !== null && peakAt) {
    spikeEndS = load.find((l) => l.t > peakAt.t && l.v < threshold)?.t ?? null;
    if (spikeEndS !== null) spikeEndSource = 'detected';
  }
  const windowEnd = spikeEndS !== null ? spikeEndS + o.settleS : lastT;

  const served = series(rows, (r) => r.rps);
  const baselineRps = (lastBefore(served, start) ?? served.find((x) => x.t >= start))?.v ?? null;
  const spikeRps = served.filter((s) => s.t >= start && s.t <= (spikeEndS ?? lastT));
  const peakRps = spikeRps.length ? Math.max(...spikeRps.map((s) => s.v)) : null;

  const desired = merge(series(rows, (r) => r.desiredReplicas), eventSeries(events, 'hpa.desired', 'to'));
  const ready = merge(series(rows, (r) => r.readyReplicas), eventSeries(events, 'deployment.replicas', 'ready'));

  const baselineDesired = (lastBefore(desired, start) ?? desired.find((d) => d.t >= start))?.v ?? null;
  const inWindow = desired.filter((d) => d.t >= start && d.t <= windowEnd);
  const maxDesired = inWindow.length ? Math.max(...inWindow.map((d) => d.v)) : null;
  const result: Reaction = {
    ...empty, spikeEndS, spikeEndSource, baselineRps, peakRps, rampS: peakAt ? peakAt.t - start : null, baselineDesired, maxDesired,
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
  const startExact = spikeStartSource !== 'detected';
  const lagResolution = (end: Obs | null) => (end === null ? null : startExact && end.src === 'event' ? 0 : resolutionS);
  const whileScaling = (b: BreachWindow[]) => b.reduce((s, w) => s + overlap(w.startS, w.endS, scalingWindow.startS, scalingWindow.endS), 0);
  return {
    ...result,
    timeSources: { firstDesiredIncrease: firstUp.src, maxDesired: atMax.src, readyAtMax: readyAtMax?.src ?? null },
    lagResolutionS: { firstDesiredIncrease: lagResolution(firstUp), maxDesired: lagResolution(atMax), readyAtMax: lagResolution(readyAtMax) },
    firstDesiredIncreaseAtS: firstUp.t,
    timeToFirstDesiredIncreaseS: firstUp.t - start,
    maxDesiredAtS: atMax.t,
    timeToMaxDesiredS: atMax.t - start,
    readyAtMaxAtS: readyAtMax ? readyAtMax.t : null,
    timeToReadyAtMaxS: readyAtMax ? readyAtMax.t - start : null,
    scalingWindow,
    breachSecondsWhileScaling: whileScaling(breaches),
    serverBreachSecondsWhileScaling: whileScaling(serverBreaches),
  };
}

export function breachWindows(samples: TimelineSample[], slo: Slo = DEFAULT_SLO, view: BreachView = 'server'): BreachWindow[] {
  const rows = [...samples].sort((a, b) => a.t - b.t);
  const step = medianInterval(rows);
  const out: BreachWindow[] = [];
  let open: BreachWindow | null = null;
  rows.forEach((r, i) => {
    const raw = view === 'client' ? r.k6P95Ms : r.p95Ms;
    const p95 = raw !== null && raw !== undefined && Number.isFinite(raw) ? raw : null;
    const slow = p95 !== null && p95 >= slo.p95Ms;
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
    if (p95 !== null) open.maxP95Ms = Math.max(open.maxP95Ms ?? 0, p95);
    if (r.errorRate !== null) open.maxErrorRate = Math.max(open.maxErrorRate ?? 0, r.errorRate);
    if (slow && !open.reasons.includes('p95')) open.reasons.push('p95');
    if (failing && !open.reasons.includes('errors')) open.reasons.push('errors');
  });
  return out;
}

function pickSignal(rows: TimelineSample[]): Reaction['loadSignal'] {
  for (const key of ['k6Vus', 'k6Rps', 'rps'] as const) {
    if (rows.some((r) => r[key] !== null && r[key] !== undefined && r[key] > 0)) return key;
  }
  return null;
}

function series(rows: TimelineSample[], get: (r: TimelineSample) => number | null | undefined): Obs[] {
  return rows.flatMap((r) => {
    const v = get(r);
    return v === null || v === undefined || !Number.isFinite(v) ? [] : [{ t: r.t, v, src: 'sample' as const }];
  });
}

function eventSeries(events: RunEvent[], kind: string, field: string): Obs[] {
  return events.flatMap((e) => (e.kind === kind && typeof e[field] === 'number' ? [{ t: e.t, v: e[field], src: 'event' as const }] : []));
}

/** By time; at the same time an event comes first, so a change seen both ways counts as exact. */
function merge(a: Obs[], b: Obs[]): Obs[] {
  return [...a, ...b].sort((x, y) => x.t - y.t || (x.src === y.src ? 0 : x.src === 'event' ? -1 : 1));
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
