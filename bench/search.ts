// The knee of one endpoint for one build. experiments/src/analysis/knee.ts decides which rate to
// offer next (ramp, confirm, bisect, repeat) and which rate is the knee; a rate passes when most of
// its runs pass, which is what keeps one unlucky step on a shared machine from moving the knee.
// The bench runs the steps: short ones while ramping, full-length ones from the first failure on.

import { findKnee, nextStep } from '../experiments/src/analysis/knee';
import { cfg, type Endpoint, say } from './config';
import { attack, type Prepare, type Step, stepResult } from './load';

/** One knee search: the step that stands for the knee (a full-length passing run at the knee rate;
 *  of several, the one with the median service CPU; of two, the costlier), the first step above it
 *  that did not pass, or why the search broke off. No knee: no rate passed. */
export interface KneeSearch { knee?: Step; firstFail?: Step; broken?: string }

export async function searchKnee(endpoint: Endpoint, build: string, pid: number, prepare: Prepare): Promise<KneeSearch> {
  const mine: Step[] = [];
  /** Runs one step; returns why the search must stop when the answers are fast and wrong (a broken
   *  set-up or a broken service, not an overload: every rate would fail the same way). */
  const offer = async (rate: number, seconds: number) => {
    const s = await attack(endpoint, build, pid, rate, seconds, await prepare(build, rate, seconds));
    if (s.good < 0.5 && s.p95 <= cfg.slo.p95Ms) {
      return `${endpoint.key} answered ${JSON.stringify(s.codes)} at ${rate}/s (${s.errors[0] ?? 'no transport error'}); see bench/results/service-${build}.log`;
    }
    mine.push(s);
    return undefined;
  };
  const brokenOff = (broken: string): KneeSearch => {
    say(`WARNING: ${broken}`);
    return { broken };
  };
  const found = (knee?: Step): KneeSearch => ({
    knee, firstFail: mine.filter((s) => !s.pass && (!knee || s.rate > knee.rate)).sort((x, y) => x.rate - y.rate)[0],
  });
  const full = (s: Step) => s.seconds === cfg.fineSeconds;

  let warnings: string[] = [];
  for (;;) {
    const next = nextStep(mine.map(stepResult), cfg.search, cfg.slo);
    if (next.done) { warnings = [next.reason, ...next.knee.warnings]; break; }
    if (next.offeredRps > cfg.maxRate) {
      warnings = [`stopped at BENCH_MAX_RATE=${cfg.maxRate}/s: the knee is a lower bound`];
      break;
    }
    const broken = await offer(next.offeredRps, next.phase === 'ramp' ? cfg.coarseSeconds : cfg.fineSeconds);
    if (broken) return brokenOff(broken);
  }
  for (const w of warnings) say(`${endpoint.key} [${build}]: ${w}`);

  // A search that stopped early (step limit, BENCH_MAX_RATE) may hold its knee by a short ramp
  // step alone: the knee rate then runs at full length until a full run passes there or the
  // majority moves the knee down.
  for (let extra = 0; extra < 4; extra++) {
    const knee = findKnee(mine.map(stepResult), cfg.slo).kneeOfferedRps;
    if (knee === null) return found(undefined);
    const passed = mine.filter((s) => s.rate === knee && s.pass && full(s)).sort((a, b) => a.cpu.svc - b.cpu.svc);
    if (passed.length) return found(passed[Math.floor(passed.length / 2)]);
    const broken = await offer(knee, cfg.fineSeconds);
    if (broken) return brokenOff(broken);
  }
  return found(undefined);
}
