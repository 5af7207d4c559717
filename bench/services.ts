// The processes the bench runs. PostgreSQL and Redis of its own, started by scripts/test-services.sh
// on free ports with BENCH_STATE as their state directory, pinned to the load core (the script's
// children inherit the affinity and niceness it runs with); the Node programs under test, pinned
// to the service core; and the builds of the revisions it compares.

import { spawn, execFileSync, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { cfg, fail, ROOT, say, sleep } from './config';

const SERVICES = path.join(ROOT, 'scripts/test-services.sh');
// The bench's readings need pg_stat_statements; the buffers hold the large seed's hot pages.
const PG_OPTIONS = '-c shared_preload_libraries=pg_stat_statements -c shared_buffers=512MB -c max_connections=100';

const pgData = () => path.join(cfg.state, 'pg');

const children = new Set<ChildProcess>();
let pgPort: number | undefined;
let redisPort: number | undefined;
// Read once each server has started (the script returns only once it answers), for the CPU accounting.
let postmasterPid: number | undefined;
let redisPid: number | undefined;

/** Killed when the bench exits. */
export function track(child: ChildProcess) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function services(command: string) {
  execFileSync('nice', ['-n', cfg.nice, 'taskset', '-c', cfg.loadCpu, SERVICES, command], {
    stdio: 'pipe',
    env: {
      ...process.env, HEADROOM_TEST_STATE: cfg.state, HEADROOM_PG_OPTIONS: PG_OPTIONS,
      ...(pgPort === undefined ? {} : { HEADROOM_PG_PORT: String(pgPort) }),
      ...(redisPort === undefined ? {} : { HEADROOM_REDIS_PORT: String(redisPort) }),
    },
  });
}

const stderrOf = (err: unknown) => (err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err);

/** Starts one server and returns the pid its pid file names (the first line of both files). */
function start(command: 'start-postgres' | 'start-redis', what: string, pidFile: string): number {
  try { services(command); } catch (err) { fail(`${what} did not start: ${stderrOf(err)}`); }
  return Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0].trim());
}

/** The bench's PostgreSQL; its data stays in BENCH_STATE between runs. Returns the bench database's URL. */
export async function startPostgres(): Promise<string> {
  if (!fs.existsSync(path.join(pgData(), 'PG_VERSION'))) say(`creating a PostgreSQL data directory in ${pgData()}`);
  // A run that was killed may have left its server behind, on a port nobody knows any more.
  services('stop-postgres');
  pgPort = await freePort();
  postmasterPid = start('start-postgres', 'PostgreSQL', path.join(pgData(), 'postmaster.pid'));
  return `postgres://postgres@127.0.0.1:${pgPort}/${cfg.benchDb}`;
}

/** An empty Redis of the bench's own (in memory only). Returns its URL. */
export async function startRedis(): Promise<string> {
  // As for PostgreSQL: the script finds a leftover by its pid file.
  services('stop-redis');
  redisPort = await freePort();
  redisPid = start('start-redis', 'Redis', path.join(cfg.state, 'redis/redis.pid'));
  return `redis://127.0.0.1:${redisPort}`;
}

/** What the CPU accounting reads: the postmaster's and Redis's pids, while they run. */
export const databaseProcesses = () => ({ postmasterPid, redisPid });

/** Stops both (whichever runs), synchronously: it runs from the process's exit handler. */
export function stopDatabases() {
  for (const [command, running] of [['stop-redis', redisPort], ['stop-postgres', pgPort]] as const) {
    if (running === undefined) continue;
    try { services(command); } catch (err) { process.stderr.write(`[bench] ${command}: ${stderrOf(err)}\n`); }
  }
  redisPort = pgPort = postmasterPid = redisPid = undefined;
}

export function killChildren() {
  for (const c of children) c.kill('SIGKILL');
}

function get(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
  });
}

/** Starts a Node program pinned to the service core and waits until `readyUrl` answers 200. */
export async function startNode(name: string, script: string, extraEnv: Record<string, string>, readyUrl: string, logFile: string) {
  const log = fs.openSync(logFile, 'w');
  const child = spawn('nice', ['-n', cfg.nice, 'taskset', '-c', cfg.serviceCpu, process.execPath, script], {
    cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ['ignore', log, log],
  });
  track(child);
  let exited = false;
  child.once('exit', () => { exited = true; });
  for (let i = 0; i < 100; i++) {
    if (exited) fail(`${name} exited during start; see ${logFile}`);
    if (await get(readyUrl) === 200) return child;
    await sleep(100);
  }
  fail(`${name} did not answer ${readyUrl} within 10 s; see ${logFile}`);
}

export async function stopNode(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

type Stream = 'pipe' | 'inherit';

/** Spawns a program in the tree's root; its output on the streams given as 'pipe' is collected, the others are shown. */
function spawnIn(command: string, args: string[], env: Record<string, string>, stdout: Stream, stderr: Stream): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', stdout, stderr] });
    let output = '';
    const add = (c: Buffer) => { output += c.toString(); };
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Runs a Node script of the tree (the service's migrate and seed CLIs) and collects its output. */
export const capture = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnIn(process.execPath, [script, ...args], env, 'pipe', 'pipe');

/** Runs a Node script of the tree with its output shown. */
export async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const { code } = await spawnIn(process.execPath, [script, ...args], env, 'inherit', 'inherit');
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${code}`);
}

/** One build of the service under test: this tree, or a BENCH_COMPARE revision built beside it. */
export interface Build { name: string; label: string; root: string; pid?: number; base?: string }

/** Builds a git revision of this repository beside it (bench/baseline.sh) and returns its root. */
export async function buildRevision(rev: string): Promise<string> {
  const { code, output } = await spawnIn('bash', [path.join(__dirname, 'baseline.sh'), rev], {}, 'pipe', 'inherit');
  if (code !== 0) fail(`could not build ${rev}: see the lines above`);
  return output.trim().split('\n').pop()!;
}
