/**
 * One comparison table over several runs (make sweep): a row per profile with the figures an SRE
 * compares when choosing a pod size.
 *
 *   compareRuns(summaries: Summary[]): ComparisonRow[]
 *   renderComparison(rows, summaries, reportLinks: string[]): string     comparison.md; links to each report.md
 */

import { cheapestProfiles, type TargetCost } from '../analysis/cost.js';
import type { Summary } from './analyse.js';
import { resourceLimits } from './run.js';
import { cell, cost, int, num, pct, sig, whereMeasured } from './markdown.js';

export interface ComparisonRow {
  runId: string;
  profile: string;
  /** the container's CPU limit in cores, from the deployed resources; null when unlimited or unknown */
  cpuLimitCores: number | null;
  memoryLimit: string | null;
  perPodTps: number | null;
  /** per-pod TPS divided by the CPU limit: what a core of this profile buys */
  tpsPerCore: number | null;
  uslSigma: number | null;
  uslKappa: number | null;
  /** the most the USL curve ever reaches; null when unbounded (σ = κ = 0) or not fitted */
  uslCeilingTps: number | null;
  /** linear replicas per plan target, in the order of the run's targets */
  replicas: Array<{ targetTps: number; linear: number | null; usl: number | 'unreachable' | null }>;
  timeToReadyAtMaxS: number | null;
  breachSecondsWhileScaling: number | null;
  spike: { requests: number; p95Ms: number; failures: number } | null;
  /** the per-pod TPS range (report/analyse.ts) */
  perPodRange: { lo: number; hi: number | null } | null;
  /** the USL fit's error at the held-out count, percent; null without four measured counts */
  holdOutErrorPct: number | null;
  prospective: { targetTps: number; replicas: number | null; verdict: string } | null;
  /** per target, the plan's cost per hour with the database (empty without prices) */
  costs: TargetCost[];
}

export function compareRuns(summaries: Summary[]): ComparisonRow[] {
  return summaries.map((s) => {
    const limits = resourceLimits(s.run.versions.resources);
    const perPodTps = s.knee?.perPodTps ?? null;
    return {
      runId: s.run.runId,
      profile: s.run.profile,
      cpuLimitCores: limits.cpu,
      memoryLimit: limits.memory,
      perPodTps,
      tpsPerCore: perPodTps !== null && limits.cpu ? perPodTps / limits.cpu : null,
      uslSigma: s.usl?.sigma ?? null,
      uslKappa: s.usl?.kappa ?? null,
      uslCeilingTps: s.usl && Number.isFinite(s.usl.ceilingX) ? s.usl.ceilingX : null,
      replicas: s.plan.map((p) => ({
        targetTps: p.targetTps,
        linear: p.linearReplicas,
        usl: p.usl === null ? null : p.usl.reachable ? p.usl.replicas : 'unreachable',
      })),
      timeToReadyAtMaxS: s.reaction?.timeToReadyAtMaxS ?? null,
      breachSecondsWhileScaling: s.reaction ? s.reaction.breachSecondsWhileScaling : null,
      spike: spikeRow(s),
      perPodRange: s.perPodTps ? { lo: s.perPodTps.lo, hi: s.perPodTps.hi } : null,
      holdOutErrorPct: s.holdOut?.errorPct ?? null,
      prospective: s.prospective ? { targetTps: s.prospective.targetTps, replicas: s.prospective.replicas, verdict: s.prospective.verdict } : null,
      costs: s.costs,
    };
  });
}

function spikeRow(s: Summary): ComparisonRow['spike'] {
  const row = s.loadTests.find((t) => t.name === s.run.scenario);
  return row ? { requests: row.requests, p95Ms: row.p95Ms, failures: row.failures } : null;
}

export function renderComparison(rows: ComparisonRow[], summaries: Summary[], reportLinks: string[]): string {
  const out: string[] = [];
  const line = (t = '') => out.push(t);
  const dash = (v: number | null, f: (n: number) => string = num) => (v === null ? '—' : f(v));
  const targets = rows[0]?.replicas.map((r) => r.targetTps) ?? [];
  // Cores as Kubernetes writes them: 250m stays 250m, never a rounded 0.3.
  const cores = (c: number) => (Number.isInteger(c) ? String(c) : `${Math.round(c * 1000)}m`);

  line('# headroom sweep: profiles compared');
  line();
  line('Each row is one `make experiment` run; its report has the detail. Rows measured on a shared node compare ' +
    'profiles with each other, not with production hardware.');
  line();
  line(`| profile | CPU limit | memory limit | per-pod TPS | TPS per core | USL σ | USL κ | USL ceiling req/s | ${targets.map((t) => `replicas for ${int(t)} req/s (linear / USL)`).join(' | ')} | HPA: spike → ready at max | SLO breached while scaling | spike test: requests, p95, failures | USL hold-out error | prospective check |`);
  line(`|---|--:|--:|--:|--:|--:|--:|--:|${targets.map(() => '--:|').join('')}--:|--:|---|--:|---|`);
  rows.forEach((r, i) => {
    const replicas = targets.map((t) => {
      const p = r.replicas.find((x) => x.targetTps === t);
      return p ? `${p.linear ?? '—'} / ${p.usl ?? '—'}` : '—';
    });
    const spike = r.spike ? `${int(r.spike.requests)}, ${num(r.spike.p95Ms)} ms, ${int(r.spike.failures)}` : '—';
    const perPod = r.perPodTps === null ? '—' : `${num(r.perPodTps)}${r.perPodRange ? ` (${num(r.perPodRange.lo)}–${r.perPodRange.hi === null ? '?' : num(r.perPodRange.hi)})` : ''}`;
    const holdOut = r.holdOutErrorPct === null ? '—' : `${r.holdOutErrorPct >= 0 ? '+' : ''}${Math.round(r.holdOutErrorPct * 10) / 10} %`;
    const prospective = r.prospective ? `${int(r.prospective.targetTps)} req/s on ${r.prospective.replicas ?? 'none'}: ${r.prospective.verdict}` : '—';
    line(`| [${cell(r.profile)}](${reportLinks[i]}) | ${dash(r.cpuLimitCores, cores)} | ${r.memoryLimit ?? '—'} | ${perPod} | ${dash(r.tpsPerCore)} | ` +
      `${dash(r.uslSigma, sig)} | ${dash(r.uslKappa, sig)} | ${r.uslCeilingTps === null ? 'unbounded' : num(r.uslCeilingTps)} | ${replicas.join(' | ')} | ` +
      `${dash(r.timeToReadyAtMaxS, (v) => `${num(v)} s`)} | ${dash(r.breachSecondsWhileScaling, (v) => `${num(v)} s`)} | ${spike} | ${holdOut} | ${prospective} |`);
  });
  line();
  if (rows.some((r) => r.costs.length)) {
    line('## Cheapest profile per target, the database included');
    line();
    line('A profile priced from per-pod TPS × N (no USL fit from 5 counts) assumes its pods scale perfectly: compare it with a USL-priced one with that in mind.');
    line();
    const basis = (b: 'usl' | 'linear') => (b === 'linear' ? ' [linear]' : ' [USL]');
    const money = (x: { lo: number; mid: number; hi: number }) => (Number.isNaN(x.mid) ? 'not priced' : `${cost(x.mid)} per hour (${cost(x.lo)}–${cost(x.hi)})`);
    for (const c of cheapestProfiles(rows.map((r) => ({ profile: r.profile, costs: r.costs })))) {
      const others = rows.filter((r) => r.profile !== c.profile).map((r) => {
        const t = r.costs.find((x) => x.targetTps === c.targetTps);
        const unpriced = t?.unpriced.length ? ` (not ranked: ${t.unpriced.join(', ')} unpriced)` : '';
        return `${r.profile} ${!t ? 'not priced' : t.meets ? `${money(t.total)}${basis(t.basis)}${unpriced}` : 'cannot reach it'}`;
      });
      line(`- ${int(c.targetTps)} req/s: ${c.profile === null ? '**no fully priced profile measured here reaches it**' : `**${c.profile}**, ${money(c.total!)}${basis(c.basis!)}`}${others.length ? `; ${others.join('; ')}` : ''}.`);
    }
    line();
  }
  line('Where each was measured:');
  line();
  for (const s of summaries) line(`- ${cell(s.run.runId)}: ${whereMeasured(s.run)}; SLO p95 < ${s.slo.p95Ms} ms, errors < ${pct(s.slo.maxErrorRate)}; headroom ${pct(s.headroom)}.`);
  return out.join('\n') + '\n';
}
