// One step of load: vegeta at a constant rate against one endpoint of one build, on the load core,
// with the CPU each side used, the statements and Redis commands per request, and the verdict of
// the knee rule. Every step is kept (`steps`) and appended to bench/results/steps.jsonl.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type Redis from 'ioredis';
import { checkSlo, type StepResult } from '../experiments/src/analysis/knee';
import { cfg, type Endpoint, fail, pct, RESULTS, say, sleep, TMP } from './config';
import { type Cpu, cpuBetween, sample } from './cpu';
import { track } from './services';
import { growth, redisCalls, statementCalls, topPerRequest, total } from './system';

interface Target { method: string; url: string; body?: unknown; header?: Record<string, string> }

/** Writes `count` targets in vegeta's JSON format. */
export function writeTargets(file: string, count: number, make: (i: number) => Target) {
  const fd = fs.openSync(file, 'w');
  let buf = '';
  for (let i = 0; i < count; i++) {
    const t = make(i);
    const header: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(t.header ?? {})) header[k] = [v];
    if (t.body !== undefined) header['Content-Type'] = ['application/json'];
    buf += JSON.stringify({
      method: t.method, url: t.url, header,
      ...(t.body === undefined ? {} : { body: Buffer.from(JSON.stringify(t.body)).toString('base64') }),
    }) + '\n';
    if (buf.length > 1 << 20) { fs.writeSync(fd, buf); buf = ''; }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

/** Writes the targets of one step for one build and returns the file. */
export type Prepare = (build: string, rate: number, seconds: number) => string | Promise<string>;

export interface Step {
  endpoint: string; build: string; purpose: 'search' | 'equal-load' | 'speed check';
  rate: number; seconds: number; pass: boolean; why: string;
  sent: number; achieved: number; good: number; p50: number; p95: number; p99: number;
  codes: Record<string, number>; errors: string[];
  cpu: Cpu;
  // Per request, over the whole attack: statements PostgreSQL ran and commands Redis ran.
  statements: number; redisCommands: number; topStatements: string; topCommands: string;
}

export const steps: Step[] = [];

/** A bench step as knee.ts judges it. Achieved counts only answers with the endpoint's status. A
 *  vegeta that could not keep the schedule answers short while the service kept its latency and
 *  errors: knee.ts takes that as generator-bound, neither a pass nor a failure. */
export const stepResult = (s: Step): StepResult => ({
  offeredRps: s.rate, achievedRps: s.achieved, p95Ms: s.p95, errorRate: 1 - s.good, droppedIterations: 0,
});

/** The fields of `vegeta report -type=json` the bench reads; durations in nanoseconds. */
interface VegetaReport {
  requests: number; rate: number; duration: number;
  latencies: { '50th': number; '95th': number; '99th': number };
  status_codes?: Record<string, number>; errors?: string[];
}

// The bench's own readers of pg_stat_statements and INFO commandstats; set once both run.
let probes: { pool: pg.Pool; redis: Redis } | undefined;
export const setProbes = (p: typeof probes) => { probes = p; };

export async function attack(endpoint: Endpoint, build: string, pid: number, rate: number, seconds: number, targets: string,
  purpose: Step['purpose'] = 'search'): Promise<Step> {
  const out = path.join(TMP, 'results.bin');
  const statementsBefore = probes ? await statementCalls(probes.pool) : new Map<string, number>();
  const commandsBefore = probes ? await redisCalls(probes.redis) : new Map<string, number>();
  const child = spawn('nice', ['-n', cfg.nice, 'taskset', '-c', cfg.loadCpu, cfg.vegeta, 'attack', '-format=json', '-lazy', `-targets=${targets}`,
    `-rate=${rate}/1s`, `-duration=${seconds}s`, `-timeout=${cfg.timeout}`, `-max-workers=${cfg.maxWorkers}`,
    `-max-connections=${cfg.maxWorkers}`, `-output=${out}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? 1)));
  // The CPU window sits inside the attack, away from its first and last moments.
  const edge = Math.min(300, seconds * 100);
  await sleep(edge);
  const a = sample(pid, child.pid);
  await sleep(seconds * 1000 - 2 * edge);
  const b = sample(pid, child.pid);
  const code = await exited;
  if (code !== 0) fail(`vegeta attack exited ${code}: ${stderr.trim()}`);
  const statements = probes ? growth(statementsBefore, await statementCalls(probes.pool)) : new Map<string, number>();
  const commands = probes ? growth(commandsBefore, await redisCalls(probes.redis)) : new Map<string, number>();
  const report = JSON.parse(execFileSync(cfg.vegeta, ['report', '-type=json', out], { encoding: 'utf8' })) as VegetaReport;
  const requests = report.requests;
  const goodCount = report.status_codes?.[String(endpoint.expected)] ?? 0;
  const attackSecs = report.duration / 1e9;
  const step: Step = {
    endpoint: endpoint.key, build, purpose, rate, seconds,
    pass: false, why: '',
    sent: report.rate,
    achieved: attackSecs > 0 ? goodCount / attackSecs : 0,
    good: requests > 0 ? goodCount / requests : 0,
    p50: report.latencies['50th'] / 1e6,
    p95: report.latencies['95th'] / 1e6,
    p99: report.latencies['99th'] / 1e6,
    codes: report.status_codes ?? {},
    errors: (report.errors ?? []).slice(0, 3),
    cpu: cpuBetween(a, b),
    statements: requests > 0 ? total(statements) / requests : 0,
    redisCommands: requests > 0 ? total(commands) / requests : 0,
    topStatements: topPerRequest(statements, requests),
    topCommands: topPerRequest(commands, requests),
  };
  const verdict = checkSlo(stepResult(step), cfg.slo);
  step.pass = verdict.ok;
  step.why = verdict.reasons.join(', ');
  steps.push(step);
  fs.appendFileSync(path.join(RESULTS, 'steps.jsonl'), JSON.stringify(step) + '\n');
  const c = step.cpu;
  say(`${endpoint.key.padEnd(8)} ${build === 'current' || build === 'bare' ? '' : `[${build}] `}${String(rate).padStart(6)}/s x ${seconds}s  ${step.pass ? 'ok  ' : 'FAIL'}  p95 ${step.p95.toFixed(1).padStart(7)} ms  ` +
    `${(step.good * 100).toFixed(1).padStart(5)}% ${endpoint.expected}  service ${pct(c.svc)} (core ${pct(c.serviceCore)})  ` +
    `load core ${pct(c.loadCore)} (vegeta ${pct(c.gen)}, pg ${pct(c.pg)}, redis ${pct(c.redis)})${step.pass ? '' : `  <- ${step.why}`}` +
    (step.errors.length && !step.pass ? `\n${' '.repeat(12)}errors: ${step.errors.join(' | ').slice(0, 200)}` : ''));
  // Let the queues empty before the next rate, and longer after an overload.
  await sleep(step.pass ? 800 : 2500);
  return step;
}
