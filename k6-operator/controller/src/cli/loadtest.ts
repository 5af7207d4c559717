/**
 * make loadtest SCENARIO=<name> [SCALE=0.1] [PARALLELISM=1] [SEED=small] [BASE_URL=...] [K6_ENV="K=V ..."] [CLUSTER=local|current]
 * Applies the scenario's TestRun, follows it with progress lines, and prints the verdict and the
 * combined result of all its runners; the last line is `HEADROOM_RESULT {json}` for scripts.
 * Exit 0 when passed, 1 when failed or undetermined, 2 when it could not run.
 */
import { kubeConfigFor } from '../kube.js';
import type { CombinedResult } from '../result.js';
import { runTestRun } from '../run.js';

const env = process.env;
const log = (line: string) => process.stdout.write(`[loadtest ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function k6Env(line: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (line ?? '').split(/\s+/).filter(Boolean)) {
    const at = kv.indexOf('=');
    if (at < 1) throw new Error(`K6_ENV takes KEY=value pairs, not '${kv}'`);
    out[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return out;
}

export function printResult(r: CombinedResult, say: (l: string) => void = console.log) {
  const f = (v: number | null, d = 1) => (v === null ? '-' : v.toFixed(d));
  say(`\n=== ${r.scenario ?? r.testrun} (${r.testid}): ${r.verdict.toUpperCase()} ===`);
  say(`requests ${r.http_reqs} (${f(r.rps)}/s) from ${r.runnersReported}/${r.runners} runners  failed ${f(r.http_req_failed.rate === null ? null : 100 * r.http_req_failed.rate, 3)}%  ` +
    `p95 ${f(r.p95.ms)} ms (${r.p95.source}${r.p95.source === 'bounds' ? ` ${f(r.p95.low)}..${f(r.p95.high)}` : ''})  mean ${f(r.mean_ms)} ms`);
  for (const t of r.thresholds) {
    const word = t.passed === true ? 'PASS' : t.passed === false ? 'FAIL' : '????';
    const value = t.value ? (t.value.low === t.value.high ? f(t.value.low, 3) : `${f(t.value.low, 3)}..${f(t.value.high, 3)}`) : '-';
    say(`  ${word} ${t.metric}: ${t.expression}   combined ${value} (${t.source}); runners ${t.runners.map((p) => (p === null ? '-' : p ? 'pass' : 'fail')).join(',')}`);
  }
  for (const p of r.problems) say(`  problem: ${p}`);
}

try {
  const kc = kubeConfigFor(env.CLUSTER ?? 'local');
  const result = await runTestRun(kc, {
    scenario: env.SCENARIO ?? 'normal-plus-spike',
    scale: Number(env.SCALE ?? '0.1'),
    parallelism: Number(env.PARALLELISM ?? '1'),
    seed: env.SEED,
    baseUrl: env.BASE_URL,
    env: k6Env(env.K6_ENV),
    k6Image: env.K6_IMAGE,
    starterImage: env.K6_STARTER_IMAGE,
    slackS: env.LOADTEST_SLACK_S ? Number(env.LOADTEST_SLACK_S) : undefined,
    progress: log,
  });
  printResult(result);
  console.log(`HEADROOM_RESULT ${JSON.stringify(result)}`);
  process.exitCode = result.passed ? 0 : 1;
} catch (err) {
  process.stderr.write(`loadtest: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
