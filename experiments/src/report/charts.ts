/**
 * The report's charts as Vega-Lite specs, rendered to SVG headlessly (no canvas, no browser).
 *
 *   renderSvg(spec: TopLevelSpec): Promise<string>
 *   replicasChart(samples: Sample[], reaction: Reaction | null, where: string): TopLevelSpec
 *   uslChart(points: ScalingPoint[], usl: UslParams & { peakN: number | null }, where: string): TopLevelSpec
 *   latencyChart(samples: Sample[], reaction: Reaction | null, slo: Slo, where: string): TopLevelSpec
 *     client p95 (k6) and server p95 against the SLO line
 *
 * `where` is the subtitle every chart carries: the profile and the node it was measured on, wrapped
 * to the chart's width (one long line would widen the SVG and shrink the plot).
 */

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Slo } from '../analysis/knee.js';
import type { Reaction } from '../analysis/reaction.js';
import { uslThroughput, type UslParams } from '../analysis/usl.js';
import type { Sample } from '../model.js';
import type { ScalingPoint } from './run.js';

const WIDTH = 640;
const HEIGHT = 260;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // renderer 'none': the scenegraph is built without a canvas; toSVG() renders it on its own.
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Breaks text at spaces into lines of at most `width` characters (a longer word keeps its line). */
export function wrapLines(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function long(samples: Sample[], fields: Array<[keyof Sample, string]>) {
  return samples.flatMap((s) => fields.flatMap(([key, series]) => (typeof s[key] === 'number' && Number.isFinite(s[key]) ? [{ t: s.t, series, value: s[key] }] : [])));
}

function spikeRules(reaction: Reaction | null) {
  const marks: Array<{ t: number; label: string }> = [];
  if (reaction?.spikeStartS != null) marks.push({ t: reaction.spikeStartS, label: 'spike start' });
  if (reaction?.readyAtMaxAtS != null) marks.push({ t: reaction.readyAtMaxAtS, label: 'ready at max' });
  return marks;
}

const timeAxis = { field: 't', type: 'quantitative', title: 'seconds since the recorder started' } as const;

export function replicasChart(samples: Sample[], reaction: Reaction | null, where: string): TopLevelSpec {
  const replicas = long(samples, [['desiredReplicas', 'desired replicas'], ['readyReplicas', 'ready replicas']]);
  const throughput = long(samples, [['rps', 'served req/s'], ['k6Rps', 'k6 sent req/s']]);
  const domain = ['desired replicas', 'ready replicas', 'served req/s', 'k6 sent req/s'];
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain, range: ['#d62728', '#2ca02c', '#1f77b4', '#9ecae1'] } } as const;
  return {
    $schema: SCHEMA,
    title: { text: 'Replicas and throughput over time', subtitle: wrapLines(where) },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: replicas },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        // One spare replica of room above the highest line, so a step at the top is not hidden by the frame.
        encoding: { x: timeAxis, y: { field: 'value', type: 'quantitative', title: 'replicas', axis: { tickMinStep: 1 }, scale: { domain: [0, Math.max(1, ...replicas.map((r) => r.value)) + 1] } }, color },
      },
      {
        data: { values: throughput },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x: timeAxis, y: { field: 'value', type: 'quantitative', title: 'requests per second', axis: { orient: 'right' } }, color },
      },
      {
        data: { values: spikeRules(reaction) },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#555' },
        encoding: { x: { field: 't', type: 'quantitative' }, tooltip: { field: 'label' } },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
}

export function uslChart(points: ScalingPoint[], usl: UslParams & { peakN: number | null }, where: string): TopLevelSpec {
  const maxN = Math.max(...points.map((p) => p.replicas), usl.peakN ? Math.ceil(usl.peakN * 1.5) : 0, 2);
  const curve = Array.from({ length: 101 }, (_, i) => 1 + ((maxN - 1) * i) / 100).flatMap((n) => [
    { n, series: 'USL fit', x: uslThroughput(usl, n) },
    { n, series: 'linear (λN)', x: usl.lambda * n },
  ]);
  // Censored counts are bounds, not values: drawn apart and never as a throughput of 0.
  const fitted = points.filter((p) => (p.censored ?? 'none') === 'none' && p.throughputRps > 0);
  const measured = fitted.map((p) => ({ n: p.replicas, series: 'measured', x: p.throughputRps }));
  const ranges = fitted.filter((p) => p.lo !== undefined && p.hi).map((p) => ({ n: p.replicas, series: 'measured', x: p.lo!, x2: p.hi! }));
  const bounds = points.flatMap((p) => (p.censored === 'lower-bound' && p.lo ? [{ n: p.replicas, series: 'bound, not fitted', x: p.lo }]
    : p.censored === 'no-pass' && p.hi ? [{ n: p.replicas, series: 'bound, not fitted', x: p.hi }] : []));
  const yMax = Math.max(...measured.map((m) => m.x), ...ranges.map((r) => r.x2), ...bounds.map((b) => b.x), ...curve.filter((c) => c.series === 'USL fit').map((c) => c.x)) * 1.15;
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: ['measured', 'USL fit', 'linear (λN)', 'bound, not fitted'], range: ['#1f77b4', '#d62728', '#999999', '#ff7f0e'] } } as const;
  const x = { field: 'n', type: 'quantitative', title: 'replicas', axis: { tickMinStep: 1 } } as const;
  const y = { field: 'x', type: 'quantitative', title: 'throughput, req/s (bars: measured range)', scale: { domain: [0, yMax] as number[] } } as const;
  return {
    $schema: SCHEMA,
    title: { text: `Throughput per replica count (λ=${fmt(usl.lambda)}, σ=${fmt(usl.sigma)}, κ=${fmt(usl.kappa)})`, subtitle: wrapLines(where) },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values: curve.filter((c) => c.series === 'USL fit') }, mark: { type: 'line', clip: true, strokeWidth: 2 }, encoding: { x, y, color } },
      { data: { values: curve.filter((c) => c.series !== 'USL fit') }, mark: { type: 'line', clip: true, strokeDash: [4, 4] }, encoding: { x, y, color } },
      ...(ranges.length ? [{ data: { values: ranges }, mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, y, y2: { field: 'x2' }, color } }] : []),
      { data: { values: measured }, mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color } },
      ...(bounds.length ? [{ data: { values: bounds }, mark: { type: 'point', shape: 'triangle-down', filled: true, size: 90 }, encoding: { x, y, color } }] : []),
    ],
  } as TopLevelSpec;
}

export function latencyChart(samples: Sample[], reaction: Reaction | null, slo: Slo, where: string): TopLevelSpec {
  // What clients saw (k6, over 15 s) beside the service's own view (over the 30 s rate window);
  // shading follows the view the reaction judged breaches from.
  const p95 = long(samples, [['k6P95Ms', 'client p95 (k6)'], ['p95Ms', 'server p95']]);
  const breaches = (reaction?.breaches ?? []).map((b) => ({ start: b.startS, end: b.endS }));
  const view = reaction?.breachView === 'client' ? 'client' : 'server';
  const lines = (['client p95 (k6)', 'server p95'] as const).filter((name) => p95.some((p) => p.series === name));
  const colors = { 'client p95 (k6)': '#ff7f0e', 'server p95': '#1f77b4' };
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: lines, range: lines.map((l) => colors[l]) } } as const;
  return {
    $schema: SCHEMA,
    title: { text: `p95 latency over time (SLO ${slo.p95Ms} ms; shaded: SLO breached, ${view} view)`, subtitle: wrapLines(where) },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values: breaches }, mark: { type: 'rect', color: '#fdd0a2', opacity: 0.6 }, encoding: { x: { field: 'start', type: 'quantitative' }, x2: { field: 'end' } } },
      { data: { values: p95 }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x: timeAxis, y: { field: 'value', type: 'quantitative', title: 'p95, ms', scale: { domain: [0, Math.max(slo.p95Ms * 1.2, ...p95.map((p) => p.value * 1.1))] } }, color } },
      { data: { values: [{ y: slo.p95Ms }] }, mark: { type: 'rule', color: '#d62728', strokeDash: [6, 3] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      { data: { values: spikeRules(reaction) }, mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x: { field: 't', type: 'quantitative' } } },
    ],
  };
}

function fmt(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}
