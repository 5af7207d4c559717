/**
 * report.md from a Summary and the run's data.
 *
 *   renderMarkdown(run: RunData, summary: Summary, charts: ChartFiles): string
 *   whereMeasured(info: RunInfo): string       the one line every figure carries
 *   cell, num, int, pct, sig, cost               table-cell formatting, shared with the sweep's table
 */

import { checkSlo, type SloVerdict, type StepResult } from '../analysis/knee.js';
import { CEILING_TOLERANCE, PART_NAMES } from '../analysis/demand.js';
import type { Reaction } from '../analysis/reaction.js';
import type { Range } from '../analysis/usl.js';
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
  for (const h of s.headline) line(`- ${h}`);
  if (s.headline.length) line();
  line(`Measured on a ${info.node.cpus} CPU / ${info.node.memoryGiB} GiB node${info.node.description ? ` (${info.node.description})` : ''}; ` +
    `${info.sharedWith.length ? `the node also ran ${info.sharedWith.join(', ')}` : 'nothing else ran on the node'}. ` +
    'These are figures for this node, not for production hardware: compare profiles measured here with each other, and re-measure on the real nodes before buying capacity.');
  line();
  line('| input | value |');
  line('|---|---|');
  line(`| profile | ${cell(info.profile)} |`);
  line(`| scenario | ${cell(info.scenario)} |`);
  line(`| step mix | ${info.mix === 'points' ? 'points: every request a points-balance read (PostgreSQL-bound)' : 'sale: token issue, status polls, dates, seat maps'} |`);
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
    const k = s.knee;
    line(s.perPodTps
      ? `**Per-pod TPS: ${num(s.perPodTps.mid)} req/s, range ${num(s.perPodTps.lo)}–${s.perPodTps.hi === null ? '(no failure seen: a lower bound)' : num(s.perPodTps.hi)}** ` +
        `(median of ${k.repeats.length} run(s) at ${num(k.kneeOfferedRps!)} req/s: ${k.repeats.map(num).join(', ')}; capacity lies between the least of them and the lowest failing rate above every rate that ever passed` +
        `${k.bracketRatio !== null ? `, a ${pct(k.bracketRatio)} bracket` : ''}).`
      : '**No step met the SLO.**');
    line();
    stepsTable(line, k.steps);
    warnings(line, k.warnings);
  } else line('_No saturation results in this run._');
  line();

  line('## Replica counts measured');
  line();
  if (s.counts.length) {
    if (info.countsNote) {
      line(`Counts: ${cell(info.countsNote)}.`);
      line();
    }
    line('Each count is a search like the one above. Capacity lies in [low, high): low the least achieved at the knee rate, high the lowest failing rate above every rate that ever passed (a rate that passed even once lies inside). A count that never failed or never passed is a bound, shown but not fitted.');
    line();
    line('| replicas | req/s at the SLO (median) | range low | range high | runs at the knee | steps | status | node-bound |');
    line('|--:|--:|--:|--:|--:|--:|---|---|');
    for (const c of s.counts) {
      line(`| ${c.replicas} | ${num(c.throughputRps)} | ${c.lo === undefined ? '—' : num(c.lo)} | ${c.hi === undefined || c.hi === null ? '—' : num(c.hi)} | ${c.repeats?.map(num).join(', ') ?? '—'} | ${c.steps?.length ?? '—'} | ${c.status} | ${c.nodeBound ? '**yes**' : 'no'} |`);
    }
    const withSteps = s.counts.filter((c) => c.steps?.length);
    if (withSteps.length) {
      line();
      line('<details><summary>Every step of every count, with the node\'s CPU split</summary>');
      line();
      for (const c of withSteps) {
        line(`**${c.replicas} replica(s)**`);
        line();
        stepsTable(line, c.steps!.map((st) => ({ ...st, ...checkSlo(st, s.slo) })));
        line();
      }
      line('</details>');
    }
  } else line('_No scaling results (scaling.json) in this run._');
  line();

  line('## Scaling: Universal Scalability Law');
  line();
  if (s.usl) {
    const u = s.usl;
    line(`X(N) = λN / (1 + σ(N−1) + κN(N−1)), bounded least squares on the medians of the measured counts (${u.fittedCounts.join(', ')}). ` +
      `Ranges: 5th–95th percentile over ${u.ranges.draws} refits, each drawing every count's throughput within its [low, high) range. ` +
      'The medians sit near the bottom of their ranges (a range runs up to the first rate that failed), so a fitted value can lie below its range.');
    line();
    line('| | fitted | range |');
    line('|---|--:|--:|');
    line(`| λ (req/s, one replica) | ${num(u.lambda)} | ${rng(u.ranges.lambda, num)} |`);
    line(`| σ (contention) | ${sig(u.sigma)} | ${rng(u.ranges.sigma, sig)} |`);
    line(`| κ (coherency) | ${sig(u.kappa)} | ${rng(u.ranges.kappa, sig)} |`);
    line(`| peak N* | ${u.peakN === null ? '— (no peak)' : num(u.peakN)} | ${u.ranges.peakN ? rng(u.ranges.peakN, num) : '— (no peak in most refits)'} |`);
    line(`| R² | ${u.r2.toFixed(4)} | |`);
    warnings(line, u.warnings);
    if (charts.usl) {
      line();
      line(`![Throughput per replica count with the fitted USL curve](${charts.usl})`);
    }
  } else line('_Fewer than two measured replica counts: no USL fit._');
  line();

  line('## Hold-out check: can the fit predict a count it has not seen?');
  line();
  const h = s.holdOut;
  if (h) {
    line(`Fitted on ${h.fitCounts.join(', ')} replicas only, then compared with the measured ${h.heldOutN}. Passes within ±${h.tolerancePct} % (twice the search's 5 % bracket; fixed before any run).`);
    line();
    line('| held-out replicas | predicted req/s | predicted range | observed req/s | observed range | error | verdict |');
    line('|--:|--:|--:|--:|--:|--:|---|');
    line(`| ${h.heldOutN} | ${num(h.predictedRps)} | ${rng(h.predictedRange, num)} | ${num(h.observedRps)} | ${num(h.observedRange.lo)}–${num(h.observedRange.hi)} | ${h.errorPct >= 0 ? '+' : ''}${Math.round(h.errorPct * 10) / 10} % | ${h.pass ? 'pass' : '**FAIL**'} |`);
  } else line('_Needs four measured replica counts (three to fit, one to predict)._');
  line();

  line('## Plan: replicas for target throughput');
  line();
  line(`Pods run at most at ${pct(1 - s.headroom)} of what they can serve (headroom ${pct(s.headroom)}), so capacity must cover target ÷ ${1 - s.headroom}. ` +
    'Linear: ceil(target ÷ per-pod TPS ÷ ' + `${1 - s.headroom}), its range from the per-pod range. USL: smallest N with X(N) ≥ target ÷ ${1 - s.headroom}, its range over the bootstrap refits; ` +
    `"unreachable" when the curve tops out below target ÷ ${1 - s.headroom}. A USL count beyond the measured counts is printed only from five measured counts on, and says how far it extrapolates.`);
  line();
  line('| target req/s | linear replicas (range) | USL replicas (range) | USL: unreachable in | measured or extrapolated | pre-warm minReplicas |');
  line('|--:|--:|--:|--:|---|--:|');
  for (const row of s.plan) {
    const lin = row.linearRange ? `${row.linearRange.mid} (${row.linearRange.lo}–${row.linearRange.hi})` : '—';
    let usl = '—';
    if (row.uslRange && row.uslPrinted) usl = `${inf(row.uslRange.mid)} (${inf(row.uslRange.lo)}–${inf(row.uslRange.hi)})`;
    else if (row.uslRange) usl = `not printed: ${s.usl?.fittedCounts.length ?? 0} of 5 counts measured`;
    const where = row.extrapolation === null ? 'within the measured counts' : `extrapolated ×${Math.round(row.extrapolation * 10) / 10} beyond ${Math.max(...(s.usl?.fittedCounts ?? [0]))} replicas`;
    line(`| ${int(row.targetTps)} | ${lin} | ${usl} | ${row.uslRange ? pct(row.uslRange.unreachableShare) + ' of refits' : '—'} | ${where} | ${row.prewarmMinReplicas ?? '—'} |`);
  }
  line();

  line('## The whole system: CPU per request and what each shared part needs');
  line();
  if (s.demands.length) {
    line('Utilisation law with the idle part apart: a part busy U cores at X req/s is U = U0 + D·X. D (CPU per request) is the slope of a line through every step that met the SLO, U0 its idle use; the range is the slope ± 2 standard errors.');
    line();
    line('| component | CPU ms per request | range | idle cores | steps |');
    line('|---|--:|--:|--:|--:|');
    for (const d of s.demands) line(`| ${PART_NAMES[d.component]} | ${d.ms.mid.toFixed(3)} | ${d.ms.lo.toFixed(3)}–${d.ms.hi.toFixed(3)} | ${d.idleCores.toFixed(2)} | ${d.steps} |`);
    line();
    if (s.systemPlan.length) {
      const lim = info.system!;
      line(`As deployed: PostgreSQL limit ${lim.postgresLimitCores ?? 'none'} cores, Redis ${lim.redisLimitCores ?? 'none'}, ${lim.workersPerPod} worker(s) per pod × pool ${lim.dbPoolPerWorker}, max_connections ${lim.maxConnections}. Cores are at 70 % utilisation.`);
      line();
      line('| target req/s | PostgreSQL cores | Redis cores | one Redis enough | DB connections / max | first bottleneck as deployed | what to do |');
      line('|--:|--:|--:|---|--:|---|---|');
      for (const row of s.systemPlan) {
        const c = (x: { lo: number; mid: number; hi: number } | null) => (x ? `${x.mid.toFixed(2)} (${x.lo.toFixed(2)}–${x.hi.toFixed(2)})` : '—');
        const b = row.bottleneck ? `${row.bottleneck.component} at ${int(row.bottleneck.atRps)} req/s` : '—';
        line(`| ${int(row.targetTps)} | ${c(row.postgresCores)} | ${c(row.redisCores)} | ${row.redisOneInstanceCarries === null ? '—' : row.redisOneInstanceCarries ? 'yes' : '**no**'} | ${row.connections ? `${row.connections.needed} / ${row.connections.max}${row.connections.fits ? '' : ' **over**'}` : '—'} | ${b} | ${cell(row.advice.join('; ') || '—')} |`);
      }
    }
  } else line('_No step carries the node\'s CPU split: no per-component demand._');
  line();
  if (s.costs.length) {
    const p = s.run.prices ?? null;
    line('### Cost per hour');
    line();
    line(`Each part at what it reserves: the pods at their CPU and memory limits × the plan's replicas, PostgreSQL and Redis at the cores above and their memory limits` +
      `${p ? ` (${p.cpuHour} per core-hour, ${p.gbHour} per GiB-hour)` : ''}. Ranges carry the replicas' and cores' ranges.`);
    line();
    line('| target req/s | service pods | PostgreSQL | Redis | total per hour | replicas from | reachable |');
    line('|--:|--:|--:|--:|--:|---|---|');
    const money = (x: { lo: number; mid: number; hi: number } | null) => (x ? `${cost(x.mid)} (${cost(x.lo)}–${cost(x.hi)})` : '—');
    for (const c of s.costs) line(`| ${int(c.targetTps)} | ${money(c.service)} | ${money(c.postgres)} | ${money(c.redis)} | **${money(c.total)}** | ${c.basis === 'usl' ? 'USL fit' : 'linear (assumes pods scale perfectly)'} | ${c.meets ? 'yes' : '**no**: the plan cannot reach it'} |`);
    const unpriced = [...new Set(s.costs.flatMap((c) => c.unpriced))];
    if (unpriced.length) line(`\nNot priced (limit unknown in this run): ${unpriced.join(', ')}.`);
    line();
  }
  if (s.connections.length) {
    line('### Connection check: replicas × workers × pool against max_connections');
    line();
    line('Where the pools fit, PostgreSQL must never refuse a connection; where they do not, a refusal must reach clients as 503 too_many_connections (retry later), never as a 500.');
    line();
    line('| replicas | pools may open | max_connections | fits | most held | 503 too_many_connections | 500s | verdict |');
    line('|--:|--:|--:|---|--:|--:|--:|---|');
    for (const c of s.connections) line(`| ${c.replicas} | ${c.needed} | ${c.max} | ${c.fits ? 'yes' : '**no**'} | ${c.heldMax ?? '—'} | ${int(c.refused)} | ${int(c.internalErrors)} | ${c.verdict === 'refuted' ? '**refuted**' : c.verdict}: ${cell(c.why)} |`);
    line();
  }
  for (const c of s.ceilings) {
    const name = PART_NAMES[c.component];
    line(`### Ceiling check: ${name} at its ${c.limitCores}-core limit`);
    line();
    line(`Predicted from the one-replica steps alone (before any larger count ran): the system tops out at **${int(c.predictedRps.mid)} req/s** (${int(c.predictedRps.lo)}–${Number.isFinite(c.predictedRps.hi) ? int(c.predictedRps.hi) : 'unbounded'}), where ${name} uses its limit. ` +
      `One pod serves ${int(c.onePodRps)} req/s, so every count whose N × ${int(c.onePodRps)} lies past the ceiling should plateau there.`);
    line();
    line('| replicas | N × one pod | measured req/s | status |');
    line('|--:|--:|--:|---|');
    for (const b of c.beyond) {
      const status = b.censored !== 'none' ? b.censored : b.nodeBound ? 'node-bound: not evidence' : 'measured';
      line(`| ${b.replicas} | ${int(b.replicas * c.onePodRps)} | ${b.censored === 'no-pass' ? '—' : `${b.censored === 'lower-bound' ? '≥ ' : ''}${int(b.throughputRps)}`} | ${status} |`);
    }
    line();
    if (c.boundAbove !== null) line(`A count past the ceiling served at least ${int(c.boundAbove)} req/s, more than ${CEILING_TOLERANCE * 100} % above it: **the prediction is refuted**.`);
    line(c.observedRps === null ? '_None of these counts was measured clear of the node\'s limit: the plateau is untested._'
      : `Observed plateau (median of those counts) **${int(c.observedRps)} req/s**: ${c.error! >= 0 ? '+' : ''}${(c.error! * 100).toFixed(1)} % against the prediction, ` +
        `${c.withinTolerance ? '**within**' : '**outside**'} ±${CEILING_TOLERANCE * 100} %.` +
        (c.gain === null ? '' : ` Across those counts, adding replicas changed the throughput ${c.gain >= 0 ? '+' : ''}${(c.gain * 100).toFixed(1)} %.`));
    line();
  }

  line(`## HPA reaction (${cell(info.scenario)}, HPA on)`);
  line();
  const r = s.reaction;
  if (r) {
    reactionTable(line, r, s.reactionAdvised);
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
    line(`- **target CPU utilisation ${s.hpaAdvice.targetCpuUtilisationPercent} %**: 100 % of the request × (1 − headroom): the pods are taken to reach their whole request at the knee (their CPU use there is not recorded).`);
    line('- **behavior**: the chart\'s scale-up is already the fastest Kubernetes allows (no stabilisation window, +100 % or +4 pods per 15 s); kept.');
    line(`- Worked: ${s.hpaAdvice.formula}.`);
    line(s.reactionAdvised
      ? `- Checked: the spike re-run with minReplicas ${s.hpaAdvice.minReplicas} breached the SLO for ${num(s.reactionAdvised.breachSecondsTotal)} s, against ${num(r!.breachSecondsTotal)} s before (clients' p95 where k6 reported it).`
      : '- Not checked: the spike was not re-run with it.');
  } else line('_Needs a per-pod TPS and a measured spike with its time to ready._');
  line();

  line('## Prospective check: the plan\'s N above anything measured');
  line();
  const v = s.prospective;
  if (v) {
    line(`Target ${int(v.targetTps)} req/s = ${v.factor} × the best throughput any count sustained (${num(v.bestMeasuredRps)} req/s). ` +
      (v.replicas === null
        ? 'The plan (USL, no headroom) says no count reaches it: the count where the curve peaks must miss it.'
        : `The plan (USL, no headroom) says ${v.replicas} replica(s): they must meet the SLO and ${v.replicas - 1} must miss it.`));
    line();
    line('| replicas | ran | observed req/s | p95 (ms) | errors | SLO met | node-bound |');
    line('|--:|---|--:|--:|--:|---|---|');
    for (const run of v.runs) {
      line(`| ${run.replicas} | ${run.ran ? 'yes' : `no: ${cell(run.note ?? '')}`} | ${run.observedRps === undefined ? '—' : num(run.observedRps)} | ${run.p95Ms === undefined ? '—' : num(run.p95Ms)} | ${run.errorRate === undefined ? '—' : pct(run.errorRate)} | ${run.metSlo === undefined ? '—' : run.metSlo ? 'yes' : 'no'} | ${run.nodeBound ? 'yes' : 'no'} |`);
    }
    line();
    line(`**${v.verdict}**: ${cell(v.why)}.`);
  } else line('_No prospective check (prospective.json) in this run._');
  line();

  if (s.warnings.length) {
    line('## Missing inputs');
    line();
    for (const w of s.warnings) line(`- ${w}`);
    line();
  }
  line('## Files');
  line();
  line('`run.json` (inputs), `samples.csv`, `events.jsonl` (recorder), `saturation.json`, `scaling.json`, `loadtests.json`, `prospective.json` (phases), `summary.json` (every figure above), `*.svg` (charts).');
  return out.join('\n') + '\n';
}

type Line = (t?: string) => void;

function stepsTable(line: Line, steps: Array<StepResult & SloVerdict>): void {
  line('| offered req/s | achieved req/s | p95 (ms) | errors | SLO | node cores used | service | PostgreSQL | Redis | k6 | rest | node-bound | DB connections held | service 5xx |');
  line('|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|---|--:|---|');
  for (const st of steps) {
    const n = st.node;
    const cpu = n ? `${n.usedCores.toFixed(2)} / ${n.capacityCores} | ${n.serviceCores.toFixed(2)} | ${n.postgresCores.toFixed(2)} | ${n.redisCores.toFixed(2)} | ${n.loadgenCores.toFixed(2)} | ${n.restCores.toFixed(2)}` : '— | — | — | — | — | —';
    const verdict = st.ok ? 'met' : st.generatorBound ? `generator-bound: ${cell(st.reasons[0])}` : `missed: ${cell(st.reasons.join('; '))}`;
    const fives = st.server ? Object.entries({ ...st.server.errorsByStatus, ...st.server.unavailableByKind }).map(([k, v]) => `${int(v)} × ${k}`).join(', ') || 'none' : '—';
    line(`| ${num(st.offeredRps)} | ${num(st.achievedRps)} | ${num(st.p95Ms)} | ${pct(st.errorRate)} | ${verdict} | ${cpu} | ${st.nodeBound ? '**yes**' : 'no'} | ${st.server?.dbConnectionsMax ?? '—'} | ${fives} |`);
  }
}

function reactionTable(line: Line, r: Reaction, after: Reaction | null): void {
  const cols: Array<[string, (x: Reaction) => string]> = [
    ['spike start', (x) => (x.spikeStartS === null ? '—' : `${num(x.spikeStartS)} s (${x.spikeStartSource})`)],
    ['load signal', (x) => `${x.loadSignal ?? '—'}: baseline ${x.baselineLoad === null ? '—' : num(x.baselineLoad)}, peak ${x.peakLoad === null ? '—' : num(x.peakLoad)}`],
    ['served req/s before → peak', (x) => `${x.baselineRps === null ? '—' : num(x.baselineRps)} → ${x.peakRps === null ? '—' : num(x.peakRps)}`],
    ['desired replicas before → max', (x) => `${x.baselineDesired ?? '—'} → ${x.maxDesired ?? '—'}`],
    ['spike start → first desired increase', (x) => secs(x.timeToFirstDesiredIncreaseS)],
    ['spike start → desired at max', (x) => secs(x.timeToMaxDesiredS)],
    ['spike start → ready at max', (x) => secs(x.timeToReadyAtMaxS)],
    ['SLO breached while scaling', (x) => `${num(x.breachSecondsWhileScaling)} s`],
    ['SLO breached in total', (x) => `${num(x.breachSecondsTotal)} s`],
    ['time resolution', (x) => `±${num(x.resolutionS)} s (sample interval)`],
  ];
  line(after ? '| measure | first spike | with the advised HPA |' : '| measure | value |');
  line(after ? '|---|--:|--:|' : '|---|--:|');
  for (const [name, f] of cols) line(`| ${name} | ${f(r)} |${after ? ` ${f(after)} |` : ''}`);
  if (r.breaches.length) {
    line();
    line('| breach from (s) | to (s) | seconds | max p95 (ms) | max errors | why |');
    line('|--:|--:|--:|--:|--:|---|');
    for (const b of [...r.breaches, ...(after?.breaches ?? [])]) line(`| ${num(b.startS)} | ${num(b.endS)} | ${num(b.durationS)} | ${b.maxP95Ms === null ? '—' : num(b.maxP95Ms)} | ${b.maxErrorRate === null ? '—' : pct(b.maxErrorRate)} | ${b.reasons.join(', ')} |`);
  }
  warnings(line, [...r.warnings, ...(after?.warnings ?? []).map((w) => `with the advised HPA: ${w}`)]);
}

function rng(x: Range, f: (v: number) => string): string {
  return `${f(x.lo)}–${f(x.hi)}`;
}

/** A replica count, or "unreachable" where the percentile fell on a refit that never reaches the target. */
/** money per hour: 2 decimals, ∞ when unreachable, — when unknown */
export function cost(v: number): string {
  return Number.isNaN(v) ? '—' : Number.isFinite(v) ? v.toFixed(2) : '∞';
}

function inf(v: number): string {
  return Number.isFinite(v) ? String(v) : 'unreachable';
}

function warnings(line: Line, ws: string[]): void {
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
