/**
 * report.md from a Summary and the run's data.
 *
 *   renderMarkdown(run: RunData, summary: Summary, charts: ChartFiles): string
 *   whereMeasured(info: RunInfo): string       the one line every figure carries
 *   cell, num, int, pct, sig                     table-cell formatting, shared with the sweep's table
 */

import type { RunData, RunInfo } from './run.js';
import type { Summary } from './analyse.js';

export interface ChartFiles {
  replicas?: string;
  usl?: string;
  latency?: string;
}

export function whereMeasured(info: RunInfo): string {
  const node = `${info.node.cpus} CPU / ${info.node.memoryGiB} GiB node${info.node.description ? ` (${info.node.description})` : ''}`;
  const shared = info.sharedWith.length ? `shared with ${info.sharedWith.join(', ')}` : 'nothing else on the node';
  return `profile ${info.profile}, ${node}, ${shared}`;
}

export function renderMarkdown(run: RunData, s: Summary, charts: ChartFiles): string {
  const info = run.info;
  const out: string[] = [];
  const line = (t = '') => out.push(t);

  line(`# headroom report: ${info.runId}`);
  line();
  line(`Measured on a ${info.node.cpus} CPU / ${info.node.memoryGiB} GiB node${info.node.description ? ` (${info.node.description})` : ''}; ` +
    `${info.sharedWith.length ? `the node also ran ${info.sharedWith.join(', ')}` : 'nothing else ran on the node'}. ` +
    'These are figures for this node, not for production hardware: compare profiles measured here with each other, and re-measure on the real nodes before buying capacity.');
  line();
  line('| input | value |');
  line('|---|---|');
  line(`| profile | ${cell(info.profile)} |`);
  line(`| scenario | ${cell(info.scenario)} |`);
  line(`| run started | ${cell(info.createdAt)} |`);
  line(`| SLO | p95 < ${s.slo.p95Ms} ms, errors < ${pct(s.slo.maxErrorRate)}, achieved ≥ ${pct(s.slo.minAchievedRatio)} of offered |`);
  line(`| headroom | ${pct(s.headroom)} |`);
  for (const [k, v] of Object.entries(info.versions)) line(`| ${cell(k)} version | ${cell(v)} |`);
  line();
  line('Made by:');
  line();
  line('```');
  line(info.command);
  line('```');
  line();
  line(`Re-render with \`npx tsx experiments/src/cli/report.ts experiments/results/${info.runId}\`.`);
  line();

  line('## Load tests');
  line();
  if (run.loadTests?.length) {
    line(`| profile | test | requests | mean (ms) | p90 (ms) | p95 (ms) | req/s | under ${s.slo.p95Ms} ms | failures |`);
    line('|---|---|--:|--:|--:|--:|--:|--:|--:|');
    for (const r of run.loadTests) {
      line(`| ${cell(r.profile)} | ${cell(r.name)} | ${int(r.requests)} | ${num(r.meanMs)} | ${num(r.p90Ms)} | ${num(r.p95Ms)} | ${num(r.rps)} | ${r.shareUnderSlo === null ? '—' : pct(r.shareUnderSlo)} | ${int(r.failures)} |`);
    }
  } else line('_No load-test summaries (loadtests.json) in this run._');
  line();

  line('## Per-pod TPS (saturation, one replica, HPA off)');
  line();
  if (s.knee) {
    line(s.knee.perPodTps !== null
      ? `**Per-pod TPS: ${num(s.knee.perPodTps)} req/s** (achieved at the ${num(s.knee.kneeOfferedRps!)} req/s step; ${s.knee.firstFailingRps !== null ? `first failure at ${num(s.knee.firstFailingRps)} req/s` : 'no step failed'}).`
      : '**No step met the SLO.**');
    line();
    line('| offered req/s | achieved req/s | p95 (ms) | errors | dropped iterations | SLO |');
    line('|--:|--:|--:|--:|--:|---|');
    for (const st of s.knee.steps) {
      line(`| ${num(st.offeredRps)} | ${num(st.achievedRps)} | ${num(st.p95Ms)} | ${pct(st.errorRate)} | ${int(st.droppedIterations)} | ${st.ok ? 'met' : `missed: ${cell(st.reasons.join('; '))}`} |`);
    }
    warnings(line, s.knee.warnings);
  } else line('_No saturation results (saturation.json) in this run._');
  line();

  line('## Scaling: Universal Scalability Law');
  line();
  if (s.usl && run.scaling) {
    line('X(N) = λN / (1 + σ(N−1) + κN(N−1)), fitted by nonlinear least squares with σ, κ ≥ 0.');
    line();
    line('| λ (req/s per replica) | σ (contention) | κ (coherency) | R² | peak N* | X(N*) | points | fit |');
    line('|--:|--:|--:|--:|--:|--:|--:|---|');
    line(`| ${num(s.usl.lambda)} | ${sig(s.usl.sigma)} | ${sig(s.usl.kappa)} | ${s.usl.r2.toFixed(4)} | ${s.usl.peakN === null ? '— (κ = 0)' : num(s.usl.peakN)} | ${s.usl.peakX === null ? '—' : num(s.usl.peakX)} | ${s.usl.points} | ${s.usl.method} |`);
    line();
    line('| replicas | measured req/s | USL req/s | p95 (ms) | errors |');
    line('|--:|--:|--:|--:|--:|');
    const params = s.usl;
    for (const p of run.scaling) {
      const pred = (params.lambda * p.replicas) / (1 + params.sigma * (p.replicas - 1) + params.kappa * p.replicas * (p.replicas - 1));
      line(`| ${p.replicas} | ${num(p.throughputRps)} | ${num(pred)} | ${p.p95Ms === undefined ? '—' : num(p.p95Ms)} | ${p.errorRate === undefined ? '—' : pct(p.errorRate)} |`);
    }
    warnings(line, s.usl.warnings);
    if (charts.usl) {
      line();
      line(`![Throughput per replica count with the fitted USL curve](${charts.usl})`);
    }
  } else line('_No scaling results (scaling.json) in this run._');
  line();

  line('## Plan: replicas for target throughput');
  line();
  line(`Linear: ceil(target / per-pod TPS / (1 − ${s.headroom})). USL: smallest N with X(N) ≥ target / (1 − ${s.headroom}); ` +
    '"unreachable" when the target is above what the USL curve ever reaches. Pre-warm: see HPA advice, for a surge of the measured shape scaled to the target.');
  line();
  line('| target req/s | linear replicas | USL replicas | USL X(N) req/s | pre-warm minReplicas |');
  line('|--:|--:|--:|--:|--:|');
  for (const row of s.plan) {
    const usl = row.usl === null ? '—' : row.usl.reachable ? String(row.usl.replicas) : `unreachable (ceiling ${num(row.usl.ceilingTps)} req/s${row.usl.atReplicas ? ` at ${row.usl.atReplicas}` : ''})`;
    const uslX = row.usl && row.usl.reachable ? num(row.usl.throughput) : '—';
    line(`| ${int(row.targetTps)} | ${row.linearReplicas ?? '—'} | ${usl} | ${uslX} | ${row.prewarmMinReplicas ?? '—'} |`);
  }
  line();

  line('## HPA reaction (normal-plus-spike, HPA on)');
  line();
  const r = s.reaction;
  if (r) {
    line('| measure | value |');
    line('|---|--:|');
    line(`| spike start | ${r.spikeStartS === null ? '—' : `${num(r.spikeStartS)} s (${r.spikeStartSource})`} |`);
    line(`| load signal | ${r.loadSignal ?? '—'}: baseline ${r.baselineLoad === null ? '—' : num(r.baselineLoad)}, peak ${r.peakLoad === null ? '—' : num(r.peakLoad)} |`);
    line(`| served req/s before → peak | ${r.baselineRps === null ? '—' : num(r.baselineRps)} → ${r.peakRps === null ? '—' : num(r.peakRps)} |`);
    line(`| desired replicas before → max | ${r.baselineDesired ?? '—'} → ${r.maxDesired ?? '—'} |`);
    line(`| spike start → first desired increase | ${secs(r.timeToFirstDesiredIncreaseS)} |`);
    line(`| spike start → desired at max | ${secs(r.timeToMaxDesiredS)} |`);
    line(`| spike start → ready at max | ${secs(r.timeToReadyAtMaxS)} |`);
    line(`| SLO breached while scaling | ${num(r.breachSecondsWhileScaling)} s |`);
    line(`| SLO breached in total | ${num(r.breachSecondsTotal)} s |`);
    line(`| time resolution | ±${num(r.resolutionS)} s (sample interval) |`);
    if (r.breaches.length) {
      line();
      line('| breach from (s) | to (s) | seconds | max p95 (ms) | max errors | why |');
      line('|--:|--:|--:|--:|--:|---|');
      for (const b of r.breaches) line(`| ${num(b.startS)} | ${num(b.endS)} | ${num(b.durationS)} | ${b.maxP95Ms === null ? '—' : num(b.maxP95Ms)} | ${b.maxErrorRate === null ? '—' : pct(b.maxErrorRate)} | ${b.reasons.join(', ')} |`);
    }
    warnings(line, r.warnings);
    for (const [file, alt] of [[charts.replicas, 'Desired and ready replicas and throughput over time'], [charts.latency, 'p95 latency over time']] as const) {
      if (file) {
        line();
        line(`![${alt}](${file})`);
      }
    }
  } else line('_No samples (samples.csv) in this run._');
  line();

  line('## HPA advice');
  line();
  if (s.hpaAdvice) {
    line(`- **minReplicas ${s.hpaAdvice.minReplicas}** to pre-warm: until new pods are ready, the running ones carry the surge. ` +
      'With base load B, peak P, growth G = (P − B) / ramp and measured lag L (spike start → ready at max): minReplicas = ceil(min(P, B + G·L) / per-pod TPS).');
    line(`- **target CPU utilisation ${s.hpaAdvice.targetCpuUtilisationPercent} %**: CPU use at the knee (share of the request) × (1 − headroom).`);
    line(`- Worked: ${s.hpaAdvice.formula}.`);
  } else line('_Needs a per-pod TPS and a measured spike with its time to ready._');
  line();

  line('## Validation: predicted vs observed');
  line();
  const v = s.validation;
  if (v) {
    line('A target within this node\'s reach, offered at a constant rate to the replica count the plan predicted for it.');
    line();
    line('| target req/s | predicted replicas | plan | observed req/s | p95 (ms) | errors | SLO met |');
    line('|--:|--:|---|--:|--:|--:|---|');
    line(`| ${int(v.targetTps)} | ${v.predictedReplicas} | ${cell(v.method)} | ${num(v.observedRps)} | ${num(v.p95Ms)} | ${pct(v.errorRate)} | ${v.metSlo ? 'yes' : '**no**'} |`);
  } else line('_No validation run (validation.json) in this run._');
  line();

  if (s.warnings.length) {
    line('## Missing inputs');
    line();
    for (const w of s.warnings) line(`- ${w}`);
    line();
  }
  line('## Files');
  line();
  line('`run.json` (inputs), `samples.csv`, `events.jsonl` (recorder), `saturation.json`, `scaling.json`, `loadtests.json`, `validation.json` (phases), `summary.json` (every figure above), `*.svg` (charts).');
  return out.join('\n') + '\n';
}

function warnings(line: (t?: string) => void, ws: string[]): void {
  if (!ws.length) return;
  line();
  for (const w of ws) line(`> ${w}`);
}

export function cell(v: string): string {
  return v.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 10) / 10);
}

export function int(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

export function pct(v: number): string {
  return `${Math.round(v * 1000) / 10} %`;
}

export function sig(v: number): string {
  return v === 0 ? '0' : Number(v.toPrecision(3)).toString();
}

function secs(v: number | null): string {
  return v === null ? '—' : `${num(v)} s`;
}
