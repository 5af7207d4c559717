// The report: the tables printed at the end of a run and bench/results/latest.md, which adds how to
// read them, where the run ran, what each request ran and every step.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cfg, type Endpoint, endpointOf, elapsedSeconds, ENDPOINTS, machine, pct, ROOT, SEED } from './config';
import type { Before } from './cpu';
import { type Step, steps } from './load';
import type { Build } from './services';

/** One knee search: its knee step, the first step above the knee that did not pass, or why the search broke off. */
export interface Row { endpoint: Endpoint; build: string; knee?: Step; firstFail?: Step; broken?: string }

/** Bare Express at one fixed rate, at a point of the run: how fast the machine itself was then. */
export interface SpeedCheck { when: string; step: Step }

/** A markdown table with padded columns. */
function table(header: string[], lines: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

// CPU seconds per 1,000 requests (= CPU milliseconds per request) at a step's rate.
const per1k = (cpuPerSecond: number, s: Step) => (s.sent > 0 ? (cpuPerSecond / s.sent) * 1000 : 0);
const system1k = (s: Step) => per1k(s.cpu.svc + s.cpu.pg + s.cpu.redis, s);
const f3 = (x: number) => x.toFixed(3);
const percent = (share: number) => String(+(share * 100).toFixed(2));
const count = (n: number) => n.toLocaleString('en');
const millions = (n: number) => `${n / 1e6} M`;

export function render(rows: Row[], equalLoad: Step[], builds: Build[], before: Before, speedChecks: SpeedCheck[]) {
  const missed: string[] = [];
  const bareKnee = rows.find((r) => r.endpoint.key === 'bare')?.knee ?? equalLoad.find((s) => s.endpoint === 'bare');
  const perCpu = (s?: Step) => (s && s.cpu.svc > 0.05 ? s.rate / s.cpu.svc : undefined);
  const barePerCpu = perCpu(bareKnee);
  const labelOf = (build: string) => builds.find((b) => b.name === build)?.label ?? '-';
  const cpuRatio = (s?: Step) => (perCpu(s) && barePerCpu ? perCpu(s)! / barePerCpu : undefined);
  const verdictOf = (endpoint: Endpoint, ratio: number | undefined, build: string) => {
    if (endpoint.target === null) return '-';
    const v = ratio === undefined ? (barePerCpu ? 'FAIL' : 'n/a') : ratio >= endpoint.target ? 'PASS' : 'FAIL';
    if (v !== 'PASS' && build === 'current') missed.push(`${endpoint.label} (CPU ratio ${ratio?.toFixed(2) ?? 'n/a'} < ${endpoint.target})`);
    return v;
  };

  const knees = table(
    ['endpoint', 'build', 'knee req/s', 'p95 @knee', 'ratio to bare', 'service CPU', 'req/CPU-s', 'CPU ratio', 'target', 'verdict', 'load core', 'what ran out next step'],
    rows.map(({ endpoint, build, knee, firstFail, broken }) => {
      const ratio = cpuRatio(knee);
      return [
        endpoint.label, build === 'bare' ? '-' : labelOf(build),
        knee ? String(knee.rate) : broken ? 'broken' : 'none',
        knee ? `${knee.p95.toFixed(1)} ms` : '-',
        knee && bareKnee ? (knee.rate / bareKnee.rate).toFixed(2) : '-',
        knee ? pct(knee.cpu.svc).trim() : '-',
        perCpu(knee) ? perCpu(knee)!.toFixed(0) : '-',
        ratio === undefined ? '-' : ratio.toFixed(2),
        endpoint.target === null ? '1.00 (ref)' : `>= ${endpoint.target}`,
        verdictOf(endpoint, ratio, build),
        knee ? pct(knee.cpu.loadCore).trim() : '-',
        broken ? `BROKEN: ${broken}` : firstFail ? limitOf(firstFail) : knee ? `none up to ${cfg.maxRate}/s` : '-',
      ];
    }));

  const systemHeader = ['endpoint', 'build', 'req/s', 'service', 'PostgreSQL', 'Redis', 'system', 'statements/req', 'Redis cmds/req'];
  const systemLine = (s: Step) => [
    endpointOf(s.endpoint).label, s.build === 'bare' ? '-' : labelOf(s.build), s.sent.toFixed(0),
    f3(per1k(s.cpu.svc, s)), f3(per1k(s.cpu.pg, s)), f3(per1k(s.cpu.redis, s)), f3(system1k(s)),
    s.statements.toFixed(2), s.redisCommands.toFixed(2),
  ];
  const atKnee = table(systemHeader, rows.filter((r) => r.knee).map((r) => systemLine(r.knee!)));
  const atEqual = equalLoad.length ? table(systemHeader, equalLoad.map(systemLine)) : '';

  // Each build against the one before it, and (with more than two) the first against this tree,
  // which is where the system targets apply.
  const pairs = builds.slice(1).map((b, i) => [builds[i], b]);
  if (builds.length > 2) pairs.push([builds[0], builds[builds.length - 1]]);
  const lines: string[][] = [];
  for (const [from, to] of pairs) {
    const judged = from === builds[0] && to.name === 'current';
    for (const endpoint of ENDPOINTS.filter((e) => !e.baseline)) {
      const before = equalLoad.find((s) => s.endpoint === endpoint.key && s.build === from.name);
      const after = equalLoad.find((s) => s.endpoint === endpoint.key && s.build === to.name);
      if (!before || !after) continue;
      const gain = system1k(after) > 0 ? system1k(before) / system1k(after) : 0;
      const verdict = !judged || endpoint.systemTarget === undefined ? '-' : gain >= endpoint.systemTarget ? 'PASS' : 'FAIL';
      if (verdict === 'FAIL') missed.push(`${endpoint.label} (system CPU ${gain.toFixed(2)}x less < ${endpoint.systemTarget}x)`);
      const arrow = (x: (s: Step) => number) => `${f3(x(before))} -> ${f3(x(after))}`;
      lines.push([
        `${from.label} -> ${to.label}`, endpoint.label, String(after.rate), arrow(system1k), gain.toFixed(2),
        judged && endpoint.systemTarget !== undefined ? `>= ${endpoint.systemTarget}` : '-', verdict,
        arrow((s) => per1k(s.cpu.svc, s)), arrow((s) => per1k(s.cpu.pg, s)), arrow((s) => per1k(s.cpu.redis, s)),
        `${before.statements.toFixed(2)} -> ${after.statements.toFixed(2)}`, `${before.redisCommands.toFixed(2)} -> ${after.redisCommands.toFixed(2)}`,
      ]);
    }
  }
  const comparison = lines.length
    ? table(['builds', 'endpoint', 'req/s', 'system CPU s/1k req', 'times less', 'target', 'verdict', 'service', 'PostgreSQL', 'Redis', 'statements/req', 'Redis cmds/req'], lines)
    : '';

  const serviceBusy = `cpu${cfg.serviceCpu} ${pct(before.busy.serviceCore).trim()}`;
  const loadBusy = `cpu${cfg.loadCpu} ${pct(before.busy.loadCore).trim()}`;
  const where = `Machine: ${machine()}. Service core cpu${cfg.serviceCpu}; vegeta, PostgreSQL and Redis on cpu${cfg.loadCpu}. ` +
    `Before the run: load average ${before.loadAverage}, ${serviceBusy} and ${loadBusy} busy with other work` +
    (before.shared ? ' (**shared: absolute rates are low and noisy; the ratios are more robust**).' : ' (quiet).');
  const { speed, drift } = speedOf(speedChecks);
  const sections = [
    ...(rows.length ? [`Knees (targets on the CPU ratio)\n\n${knees}`] : []),
    ...(rows.some((r) => r.knee) ? [`Whole system at each knee: CPU seconds per 1,000 requests\n\n${atKnee}`] : []),
    ...(atEqual ? [`Whole system at equal load (${cfg.fixedRates ? `BENCH_RATE=${cfg.rateSpec}` : `${cfg.equalShare * 100} % of the smaller knee`}, ${cfg.fineSeconds} s each): CPU seconds per 1,000 requests\n\n${atEqual}`] : []),
    ...(comparison ? [`Build against build, same run, equal load (target, ${builds[0].label} -> this tree: system CPU per request ${systemTargets()})\n\n${comparison}`] : []),
  ];
  const tables = `${where}${speed ? ` ${speed}` : ''}\n\n${sections.join('\n\n')}`;

  const vegetaVersion = execFileSync(cfg.vegeta, ['-version'], { encoding: 'utf8' }).split('\n')[0].replace(/^Version:\s*/, '') || path.basename(cfg.vegeta);
  const stepRows = steps.map((s) => `| ${s.endpoint} | ${s.build} | ${s.purpose} | ${s.rate} | ${s.seconds} | ${s.pass ? 'ok' : 'fail'} | ${s.sent.toFixed(0)} | ${s.achieved.toFixed(0)} | ` +
    `${(s.good * 100).toFixed(1)}% | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.p99.toFixed(1)} | ${pct(s.cpu.svc).trim()} | ${pct(s.cpu.pg).trim()} | ${pct(s.cpu.redis).trim()} | ` +
    `${pct(s.cpu.serviceCore).trim()} | ${pct(s.cpu.loadCore).trim()} | ${pct(s.cpu.gen).trim()} | ${s.why || ''} |`);
  const perRequest = [...new Set(steps.filter((s) => !endpointOf(s.endpoint).baseline).map((s) => `${s.endpoint}|${s.build}`))].map((k) => {
    const [endpoint, build] = k.split('|');
    const s = steps.filter((x) => x.endpoint === endpoint && x.build === build && x.pass).at(-1)
      ?? steps.filter((x) => x.endpoint === endpoint && x.build === build).at(-1)!;
    return `| ${endpointOf(endpoint).label} | ${labelOf(build)} | ${s.topStatements.replace(/\|/g, '\\|') || '-'} | ${s.topCommands || '-'} |`;
  });
  const markdown = `# Benchmark: hot endpoints against a bare Express baseline, and what they cost the whole system

Made by \`make bench\` on ${new Date().toISOString()} in ${elapsedSeconds()} s.

${tables}

## How to read it

- **Knee**: the highest constant arrival rate (vegeta, open model) that meets the rule, judged by
  \`experiments/src/analysis/knee.ts\` as in the cluster experiments: p95 latency < ${cfg.slo.p95Ms} ms, fewer than
  ${percent(cfg.slo.maxErrorRate)}% of answers without the endpoint's success status (201 for issue, hold and payment; 200
  otherwise; timeouts count), and answers with it at >= ${percent(cfg.slo.minAchievedRatio)}% of the offered rate. A step vegeta could
  not send while the service kept its latency (p95 under half the bound) and errors says nothing about
  the service (generator-bound) and bounds the search like a failure. Search: ${cfg.coarseSeconds} s steps from
  ${cfg.search.startRps}/s growing x${cfg.search.growth} until one fails, then ${cfg.fineSeconds} s steps: the lowest failure runs again until
  most of its runs agree, the bracket [highest pass, lowest fail) is bisected to within ${percent(cfg.search.resolutionRatio)}%, and
  the knee rate runs ${cfg.search.repeats} times. A rate passes when most of its runs pass (a tie fails). The figures
  at the knee are those of a full-length passing run at the knee rate (of several, the one with the
  median service CPU).
- **Ratio to bare**: knee / knee of the bare Express 5 hello world (\`bench/bare.js\`), same Node, same core, same run.
  **bare Node hello** is the same answer from Node's own HTTP server without Express (\`BARE=node\`): its CPU
  ratio shows how much of bare Express's cost per request is Express itself, a floor no Express service goes below.
- **Service CPU**: CPU used by the Node process under test at the knee (1 core = 100%). **Load core**: how busy
  cpu${cfg.loadCpu} was (vegeta + PostgreSQL + Redis + anything else).
- **req/CPU-s** and **CPU ratio**: the knee rate divided by the service CPU it took, and that against the
  baseline's: requests per second one whole core would serve at that cost. The **targets** apply to the CPU
  ratio, which a shared load core does not flatter or hide; the knee ratio also falls when PostgreSQL or
  Redis, which share cpu${cfg.loadCpu} with vegeta, run out first.
- **Whole system**: CPU seconds per 1,000 requests (the same number as CPU milliseconds per request) of
  the service process, of every PostgreSQL process of the bench's server (postmaster, backends, background
  workers, and backends that ended during the step) and of redis-server, read from /proc over the middle
  of the step. **statements/req**: statements PostgreSQL executed per request, from \`pg_stat_statements\`
  (top level: a function counts once, BEGIN and COMMIT count); **Redis cmds/req**: from \`INFO commandstats\`
  (the commands a Lua script runs count as well as the EVALSHA). Both over the whole step.
- **Equal load**: with BENCH_COMPARE, both builds run each endpoint at the same offered rate (${cfg.equalShare * 100} % of
  the smaller knee) right after their knee searches, so CPU per request is compared at the same load.
- **none**: not even 1 req/s met the rule (for payment: every single request is slower than the p95 bound).
- **What ran out next step**: at the first failing rate above the knee, which rule failed and how busy each side was.
- **Machine speed**: bare Express at ${cfg.speedCheck.rate} req/s for ${cfg.speedCheck.seconds} s (\`BENCH_SPEED_CHECK_RATE\`, 0 for none), at the start
  and after each endpoint. Its CPU per request depends on the machine only; identical steps differ by
  3-5 %, so a spread over ${percent(cfg.speedCheck.limit)} % means the machine changed speed during the run (on a VM, usually
  a busy host), and ratios or builds measured at different times in it do not compare. It catches a
  change that lasts until the next check, not one that comes and goes between two.

## Where it ran

- ${machine()}; vegeta ${vegetaVersion}.
- Service (\`node app/dist/main.js\`, WEB_CONCURRENCY=1) and baseline pinned to cpu${cfg.serviceCpu} with taskset.
  vegeta, PostgreSQL (postmaster and backends), Redis and the orchestrator pinned to cpu${cfg.loadCpu}:
  the service core stands for a pod's CPU limit, which covers Node only, while in production the
  database and Redis live elsewhere. So only Node competes for cpu${cfg.serviceCpu}${builds.length > 1 ? ` (both builds run there; the one not measured is idle)` : ''}.
- Builds: ${builds.map((b) => `${b.label} (\`${path.relative(ROOT, path.join(b.root, 'app/dist/main.js')) || b.root}\`)`).join(', ')}.
- Before the run: load average ${before.loadAverage}; ${serviceBusy} busy, ${loadBusy} busy
  with other work. ${before.shared ? '**Other work shared the CPUs: absolute rates are low and noisy; the ratios are more robust.**' : 'The machine was quiet.'}
- Data: seed \`large\` (${count(SEED.users)} users, ${count(SEED.schedules)} schedules, ${millions(SEED.seats)} seats) in a PostgreSQL of the bench's own
  (data in ${cfg.state}, fsync off as in the test services, pg_stat_statements loaded), reset at the start of each run; an empty Redis
  of the bench's own. Both run only while the bench runs. Processes started with nice ${cfg.nice}.
- Service config: MAX_ACTIVE=1000000 (tokens ACTIVE at once), ACTIVE_TTL_SECONDS=3600, HOLD_TTL_SECONDS=3600,
  LOG_LEVEL=${cfg.logLevel}, everything else at its default.

## Requests

- issue token: \`POST /queue/token\`, a user never seen before in every request (201 path; users beyond the seed are added).
- queue status: \`GET /queue/status\` round-robin over ${count(cfg.statusTokens)} distinct ACTIVE tokens.
- seat list: \`GET /concerts/:c/schedules/:s/seats\`, schedule uniformly random among the first ${count(cfg.seatSchedules)}
  (a mix of cache hits and misses), tokens from the same pool.
- seat hold: \`POST /reservations\` on a distinct available seat per request, spread over all ${millions(SEED.seats)} seats.
- payment: \`POST /payments\`, per request a fresh user with its own ACTIVE token (issued through the API), its
  own held reservation (made with SQL equal to the service's hold) and its own Idempotency-Key, all prepared before the step.

## What each request ran (the last passing step of each build)

| endpoint | build | PostgreSQL statements per request | Redis commands per request |
|---|---|---|---|
${perRequest.join('\n')}

## Every step

| endpoint | build | purpose | offered/s | s | | sent/s | answered/s | success | p50 ms | p95 ms | p99 ms | service CPU | PostgreSQL | Redis | cpu${cfg.serviceCpu} | cpu${cfg.loadCpu} | vegeta | failed on |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${stepRows.join('\n')}
`;
  return { tables, markdown, missed, drift };
}

/** The system targets in words, from ENDPOINTS: "halved for seat list, seat hold and payment". */
function systemTargets() {
  const byTarget = new Map<number, string[]>();
  for (const e of ENDPOINTS) if (e.systemTarget !== undefined) byTarget.set(e.systemTarget, [...byTarget.get(e.systemTarget) ?? [], e.label]);
  const list = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}` : xs[0]);
  return [...byTarget].map(([t, labels]) => `${t === 2 ? 'halved' : `${t} times less`} for ${list(labels)}`).join('; ');
}

/** The speed checks in a sentence, and when their spread is past the limit, what that means. */
function speedOf(checks: SpeedCheck[]) {
  if (checks.length === 0) return { speed: '', drift: '' };
  const ms = checks.map((c) => per1k(c.step.cpu.svc, c.step));
  const spread = Math.max(...ms) / Math.min(...ms) - 1;
  const limit = `${percent(cfg.speedCheck.limit)} %`;
  const drift = spread > cfg.speedCheck.limit
    ? `the machine changed speed during the run (bare Express's CPU per request spread ${(spread * 100).toFixed(0)} %, over the ${limit} limit): ` +
      'figures measured at different times in this run do not compare; run again on a quiet machine'
    : '';
  const speed = `Machine speed, bare Express at ${checks[0].step.rate} req/s: ` +
    `${checks.map((c, i) => `${f3(ms[i])} ms (${c.when})`).join(', ')} of CPU per request` +
    (drift ? `: **${drift}**.` : `, spread ${(spread * 100).toFixed(0)} % (within the ${limit} limit).`);
  return { speed, drift };
}

function limitOf(s: Step) {
  const sides = [`service ${pct(s.cpu.svc).trim()}`, `load core ${pct(s.cpu.loadCore).trim()}`, `pg ${pct(s.cpu.pg).trim()}`, `redis ${pct(s.cpu.redis).trim()}`];
  return `${s.rate}/s: ${s.why} (${sides.join(', ')})`;
}
