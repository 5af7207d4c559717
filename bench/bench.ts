// `make bench`: the knee of each hot endpoint under a constant arrival rate (open model, vegeta),
// side by side with a bare Express "hello world" measured in the same run on the same core.
//
// Placement on a 2-core machine: the Node process under test (service or baseline) alone on
// BENCH_SERVICE_CPU; vegeta, PostgreSQL, Redis and this orchestrator on BENCH_LOAD_CPU.
// PostgreSQL and Redis are instances of the bench's own (scripts/test-services.sh on free ports,
// state in BENCH_STATE), not the shared test ones: the test suite flushes Redis and stops both when
// it ends, which a concurrent `make test` would do in the middle of a run. PostgreSQL keeps its data
// in BENCH_STATE, so the large seed is loaded once and later runs only undo the previous run. The
// service core then plays the part of a pod's CPU limit, which covers Node only: in production the
// database is elsewhere. The price is that the load core is shared, so every step records how busy
// each core was and the table names what ran out first (service core, load core or latency).
//
// Where to look: config.ts (knobs, endpoints), services.ts (PostgreSQL, Redis, the Node processes),
// data.ts (seed, users, tokens), targets.ts (each endpoint's requests), load.ts (one vegeta step and
// its verdict), search.ts (the knee search, experiments/src/analysis/knee.ts), cpu.ts and system.ts
// (what each side used), report.ts (the tables and latest.md).
//
// Run it through `make bench`; it expects VEGETA (the vegeta binary) in the environment.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { cfg, elapsedSeconds, type Endpoint, endpointOf, ENDPOINTS, fail, machine, pct, RESULTS, ROOT, say } from './config';
import { machineBefore } from './cpu';
import { closeAgent, Data } from './data';
import { attack, type Prepare, setProbes, type Step } from './load';
import { render, type Row, type SpeedCheck } from './report';
import { searchKnee } from './search';
import {
  type Build, buildRevision, freePort, killChildren, startNode, startPostgres, startRedis, stopDatabases, stopNode,
} from './services';
import { bareTargets, ServiceTargets } from './targets';

async function main() {
  if (!cfg.vegeta || !fs.existsSync(cfg.vegeta)) fail(`no vegeta at VEGETA=${cfg.vegeta || '(unset)'}; run it as \`make bench\`, which builds it`);
  const cpus = os.cpus().length;
  for (const c of [cfg.serviceCpu, cfg.loadCpu]) {
    if (!/^\d+$/.test(c) || Number(c) >= cpus) fail(`CPU ${c} does not exist here (${cpus} CPUs); set BENCH_SERVICE_CPU and BENCH_LOAD_CPU to two distinct CPUs`);
  }
  if (cfg.serviceCpu === cfg.loadCpu) fail('BENCH_SERVICE_CPU and BENCH_LOAD_CPU must differ: the service core is measured alone');
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'steps.jsonl'), '');
  const wanted = (k: string) => cfg.only.length === 0 || cfg.only.includes(k);

  const builds: Build[] = [{ name: 'current', label: 'this tree', root: ROOT }];
  for (const rev of [...cfg.compare].reverse()) {
    say(`building ${rev} beside this tree (bench/baseline.sh; cached by commit)`);
    const root = await buildRevision(rev);
    const sha = path.basename(root).slice(0, 7); // baseline.sh names the build by its commit
    builds.unshift({ name: rev, label: sha.startsWith(rev) ? sha : `${rev} (${sha})`, root });
  }

  const before = await machineBefore();
  say(`machine: ${machine()}; load average ${before.loadAverage}; ` +
    `busy before start: cpu${cfg.serviceCpu} ${pct(before.busy.serviceCore)}, cpu${cfg.loadCpu} ${pct(before.busy.loadCore)}`);
  if (before.shared) say('WARNING: other work is using the CPUs; absolute numbers will be low and noisy, ratios less so');

  process.on('exit', () => {
    killChildren();
    stopDatabases();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { say(`${sig}: stopping`); process.exit(130); });

  const pgUrl = await startPostgres();
  const data = new Data(pgUrl);
  await data.prepare();
  const redisUrl = await startRedis();
  const probeRedis = new Redis(redisUrl);
  setProbes({ pool: data.pool, redis: probeRedis });
  say(`PostgreSQL (${pgUrl}) and Redis (${redisUrl}) of the bench's own, on cpu${cfg.loadCpu}`);

  /** Bare Express (or Node) on the service core, answering at `base`. */
  const startBare = async (endpoint: Endpoint, logName: string) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = await startNode(endpoint.label, path.join(__dirname, 'bare.js'), { PORT: String(port), BARE: endpoint.baseline! }, `${base}/`,
      path.join(RESULTS, logName));
    return { child, base };
  };

  // The machine's own speed, at the start and after each endpoint: if bare Express's CPU per request
  // moves, figures taken at different times in this run do not compare. One process and one targets
  // file serve every check; the process idles in between, as the builds not being measured do.
  const speedChecks: SpeedCheck[] = [];
  const { rate: speedRate, seconds: speedSeconds } = cfg.speedCheck;
  const speedProbe = speedRate > 0 ? await startBare(endpointOf('bare'), 'speed-check.log') : undefined;
  const speedTargets = speedProbe && await bareTargets(speedProbe.base, 'speed-check')('bare', speedRate, speedSeconds);
  const checkSpeed = async (when: string) => {
    if (!speedProbe || !speedTargets) return;
    speedChecks.push({ when, step: await attack(endpointOf('bare'), 'bare', speedProbe.child.pid!, speedRate, speedSeconds, speedTargets, 'speed check') });
  };
  await checkSpeed('start');

  const rows: Row[] = [];
  const equalLoad: Step[] = [];
  /** The knee of each build, then (with two builds, or BENCH_RATE) one step each at equal load. */
  const measure = async (endpoint: Endpoint, runs: { build: string; pid: number }[], prepare: Prepare) => {
    const knees: (Step | undefined)[] = [];
    if (!cfg.fixedRates) {
      for (const r of runs) {
        const { knee, firstFail, broken } = await searchKnee(endpoint, r.build, r.pid, prepare);
        rows.push({ endpoint, build: r.build, knee, firstFail, broken });
        say(knee ? `${endpoint.label} [${r.build}]: knee ${knee.rate}/s, p95 ${knee.p95.toFixed(1)} ms` : `${endpoint.label} [${r.build}]: no rate passed`);
        knees.push(knee);
      }
    }
    if (!cfg.fixedRates && (runs.length < 2 || knees.some((k) => !k))) return;
    const rate = cfg.fixedRates ? cfg.fixedRates.get(endpoint.key)! : Math.floor(cfg.equalShare * Math.min(...knees.map((k) => k!.rate)));
    if (rate === 0) return;
    for (const r of runs) {
      equalLoad.push(await attack(endpoint, r.build, r.pid, rate, cfg.fineSeconds, await prepare(r.build, rate, cfg.fineSeconds), 'equal-load'));
    }
  };

  // ---- the baselines
  for (const endpoint of ENDPOINTS.filter((e) => e.baseline && wanted(e.key))) {
    const { child: bare, base } = await startBare(endpoint, `${endpoint.key}.log`);
    say(`${endpoint.label} on cpu${cfg.serviceCpu} at ${base}`);
    await measure(endpoint, [{ build: 'bare', pid: bare.pid! }], bareTargets(base, endpoint.key));
    await stopNode(bare);
  }

  // ---- the service: every build runs at once, idle while another is measured
  const serviceProcs: ChildProcess[] = [];
  for (const build of builds) {
    const port = await freePort();
    build.base = `http://127.0.0.1:${port}`;
    const serviceEnv = {
      NODE_PATH: path.join(build.root, 'node_modules'), PORT: String(port), DATABASE_URL: data.url, REDIS_URL: redisUrl, WEB_CONCURRENCY: '1', NODE_ENV: 'production',
      MAX_ACTIVE: '1000000', ACTIVE_TTL_SECONDS: '3600', HOLD_TTL_SECONDS: '3600', LOG_LEVEL: cfg.logLevel,
    };
    const child = await startNode(`booking service (${build.label})`, path.join(build.root, 'app/dist/main.js'), serviceEnv,
      `${build.base}/readyz`, path.join(RESULTS, `service-${build.name}.log`));
    build.pid = child.pid!;
    serviceProcs.push(child);
    say(`booking service, ${build.label}, on cpu${cfg.serviceCpu} at ${build.base} (WEB_CONCURRENCY=1, pid ${build.pid})`);
  }
  const runs = builds.map((b) => ({ build: b.name, pid: b.pid! }));
  const targets = new ServiceTargets(data, (build) => `${builds.find((b) => b.name === build)!.base}/api/v1`, builds[0].base!);
  if (wanted('issue')) {
    await measure(endpointOf('issue'), runs, targets.issue());
    // The token search can leave a million tokens ACTIVE, all that MAX_ACTIVE allows, and every
    // token issued after them would wait: the waiting room (and the read cache) start empty again.
    await probeRedis.flushdb();
    await checkSpeed('after issue token');
  }
  if (['status', 'seats', 'hold'].some(wanted)) await targets.issuePool();
  const prepares: Record<string, () => Prepare> = {
    status: () => targets.status(), seats: () => targets.seatList(), hold: () => targets.hold(), payment: () => targets.payment(),
  };
  for (const [key, prepare] of Object.entries(prepares)) {
    if (!wanted(key)) continue;
    await measure(endpointOf(key), runs, prepare());
    await checkSpeed(`after ${endpointOf(key).label}`);
  }

  for (const child of [...serviceProcs, ...(speedProbe ? [speedProbe.child] : [])]) await stopNode(child);
  setProbes(undefined);
  probeRedis.disconnect();
  await data.pool.end();
  closeAgent();
  stopDatabases();

  const report = render(rows, equalLoad, builds, before, speedChecks);
  fs.writeFileSync(path.join(RESULTS, 'latest.md'), report.markdown);
  process.stdout.write(`\n${report.tables}\n`);
  say(`done in ${elapsedSeconds()} s; written to bench/results/latest.md (steps in bench/results/steps.jsonl)`);
  if (report.drift) say(`WARNING: ${report.drift}`);
  if (cfg.strict && report.missed.length) fail(`below target: ${report.missed.join(', ')}`);
  if (cfg.strict && report.drift) fail(report.drift);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.stack ?? err.message : String(err)));
