// `make bench`: the knee of each hot endpoint under a constant arrival rate (open model, vegeta),
// side by side with a bare Express "hello world" measured in the same run on the same core.
//
// Placement on a 2-core machine: the Node process under test (service or baseline) alone on
// BENCH_SERVICE_CPU; vegeta, PostgreSQL, Redis and this orchestrator on BENCH_LOAD_CPU.
// PostgreSQL and Redis are instances of the bench's own (Debian's binaries, which `make services`
// installs), not the shared test ones: the test suite flushes Redis and stops both when it ends,
// which a concurrent `make test` would do in the middle of a run. PostgreSQL keeps its data in
// BENCH_STATE, so the large seed is loaded once and later runs only undo the previous run. The service
// core then plays the part of a pod's CPU limit, which covers Node only: in production the
// database is elsewhere. The price is that the load core is shared, so every step records how busy
// each core was and the table names what ran out first (service core, load core or latency).
//
// Run it through `make bench`; it expects VEGETA, DATABASE_URL and REDIS_URL in the environment.

import { spawn, execFileSync, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import Redis from 'ioredis';
import { CLK_TCK, growth, postgresTicks, procTicks, redisCalls, statementCalls, topPerRequest, total } from './system';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-'));

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const num = (name: string, fallback: number) => {
  const v = Number(env(name, String(fallback)));
  if (!Number.isFinite(v) || v <= 0) fail(`${name}=${process.env[name]} is not a positive number`);
  return v;
};

/** `target`: the least CPU ratio (the service's requests per CPU-second over bare Express's);
 *  `systemTarget`: how many times less system CPU per request than the BENCH_COMPARE build. */
interface Endpoint { key: string; label: string; expected: number; target: number | null; systemTarget?: number }
const ENDPOINTS: Endpoint[] = [
  { key: 'bare', label: 'bare Express hello', expected: 200, target: null },
  { key: 'issue', label: 'issue token', expected: 201, target: 0.8 },
  { key: 'status', label: 'queue status', expected: 200, target: 0.8 },
  { key: 'seats', label: 'seat list', expected: 200, target: 0.7, systemTarget: 2 },
  { key: 'hold', label: 'seat hold', expected: 201, target: 0.4, systemTarget: 2 },
  { key: 'payment', label: 'payment', expected: 201, target: 0.25, systemTarget: 2 },
];

const cfg = {
  vegeta: env('VEGETA', ''),
  state: env('BENCH_STATE', '/var/tmp/headroom-bench'),
  benchDb: 'booking_bench',
  // Niceness of everything the bench starts; e.g. -10 (as root) shields the measurement from
  // background work on a shared machine, at that work's expense.
  nice: env('BENCH_NICE', '0'),
  serviceCpu: env('BENCH_SERVICE_CPU', '0'),
  loadCpu: env('BENCH_LOAD_CPU', '1'),
  // Knee rule: at a constant offered rate, >= MIN_GOOD of answers carry the expected status,
  // the answered rate is >= MIN_ACHIEVED of offered, vegeta kept the schedule, p95 <= P95_MS.
  p95Ms: num('BENCH_P95_MS', 50),
  minGood: num('BENCH_MIN_SUCCESS', 0.99),
  minAchieved: 0.97,
  coarseSeconds: num('BENCH_COARSE_SECONDS', 2),
  fineSeconds: num('BENCH_STEP_SECONDS', 5),
  startRate: num('BENCH_START_RATE', 100),
  maxRate: num('BENCH_MAX_RATE', 40_000),
  growth: 1.6,
  bisections: 3,
  timeout: env('BENCH_TIMEOUT', '2s'),
  // Bounds vegeta's workers and sockets: past the knee an unbounded open model opens tens of
  // thousands of connections and the generator, not the service, becomes what is measured.
  maxWorkers: num('BENCH_MAX_WORKERS', 1000),
  statusTokens: num('BENCH_STATUS_TOKENS', 10_000),
  seatSchedules: num('BENCH_SEAT_SCHEDULES', 2_500),
  only: env('BENCH_ONLY', '').split(',').filter(Boolean),
  strict: env('BENCH_STRICT', '') === '1',
  // Git revisions built beside this tree and measured in the same run, endpoint by endpoint: the
  // "before" of a change (or, several in order, the step each change made), on the same machine
  // at the same time.
  compare: env('BENCH_COMPARE', '').split(/[\s,]+/).filter(Boolean),
  // One step per endpoint at a given rate instead of a knee search: a quick reading of CPU per
  // request (at equal load for both builds when BENCH_COMPARE is set). "300" for every endpoint,
  // or per endpoint: "status=2000,seats=900" (the endpoints not named are skipped).
  fixedRates: rates(env('BENCH_RATE', '')),
  // Equal-load comparison: both builds at this share of the smaller of their knees.
  equalShare: 0.7,
};

function rates(spec: string): Map<string, number> | undefined {
  if (!spec) return undefined;
  const all = /^\d+$/.test(spec) ? Number(spec) : undefined;
  const out = new Map<string, number>();
  for (const e of ENDPOINTS) out.set(e.key, all ?? 0);
  if (all === undefined) {
    for (const part of spec.split(',')) {
      const m = /^(\w+)=(\d+)$/.exec(part.trim());
      if (!m || !out.has(m[1]) || Number(m[2]) <= 0) fail(`BENCH_RATE=${spec}: give a rate ("300") or endpoint=rate pairs ("status=2000,seats=900") with endpoints ${[...out.keys()].join(', ')}`);
      out.set(m[1], Number(m[2]));
    }
  }
  return out;
}

// Large seed: 1,000 concerts x 50 schedules x 50 seats.
const SEED = { users: 100_000, schedules: 50_000, seats: 2_500_000, schedulesPerConcert: 50, seatsPerSchedule: 50 };
const BALANCE = 1_000_000;


// ---------------------------------------------------------------- output

const started = Date.now();
const say = (msg: string) => process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${msg}\n`);

function fail(msg: string): never {
  process.stderr.write(`[bench] FAILED: ${msg}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------- CPU accounting

function coreTimes(): Map<string, { busy: number; total: number }> {
  const out = new Map<string, { busy: number; total: number }>();
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    out.set(m[1], { busy: total - f[3] - f[4], total });
  }
  return out;
}

interface CpuSample { at: number; cores: ReturnType<typeof coreTimes>; svc: number; gen: number; pg: number; redis: number }
// Set once the bench's own PostgreSQL and Redis run.
let redisPid: number | undefined;
let pgRunning = false;
const sample = (svcPid?: number, genPid?: number): CpuSample => ({
  at: Date.now(), cores: coreTimes(), svc: procTicks(svcPid), gen: procTicks(genPid),
  pg: pgRunning ? postgresTicks(pgData()) : 0, redis: procTicks(redisPid),
});

function cpuBetween(a: CpuSample, b: CpuSample) {
  const secs = (b.at - a.at) / 1000;
  const core = (id: string) => {
    const x = a.cores.get(id), y = b.cores.get(id);
    return x && y && y.total > x.total ? (y.busy - x.busy) / (y.total - x.total) : 0;
  };
  return {
    svc: (b.svc - a.svc) / CLK_TCK / secs,
    gen: (b.gen - a.gen) / CLK_TCK / secs,
    pg: (b.pg - a.pg) / CLK_TCK / secs,
    redis: (b.redis - a.redis) / CLK_TCK / secs,
    serviceCore: core(cfg.serviceCpu),
    loadCore: core(cfg.loadCpu),
  };
}

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function get(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
  });
}

/** Starts a Node program pinned to the service core and waits until `readyUrl` answers 200. */
async function startNode(name: string, script: string, extraEnv: Record<string, string>, readyUrl: string, logFile: string) {
  const log = fs.openSync(logFile, 'w');
  const child = spawn('nice', ['-n', cfg.nice, 'taskset', '-c', cfg.serviceCpu, process.execPath, script], {
    cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ['ignore', log, log],
  });
  children.add(child);
  let exited = false;
  child.once('exit', () => { exited = true; children.delete(child); });
  for (let i = 0; i < 100; i++) {
    if (exited) fail(`${name} exited during start; see ${logFile}`);
    if (await get(readyUrl) === 200) return child;
    await sleep(100);
  }
  fail(`${name} did not answer ${readyUrl} within 10 s; see ${logFile}`);
}

async function stopNode(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- data

function withDatabase(url: string, db: string) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

class Data {
  readonly pool: pg.Pool;
  private userMax = 0;

  constructor(readonly url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
  }

  /** Seeds `large` into the bench's own database the first time; later runs only undo what the
   *  previous run changed, which takes seconds instead of a reseed. */
  async prepare() {
    const admin = new pg.Client({ connectionString: withDatabase(this.url, 'postgres') });
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cfg.benchDb]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${cfg.benchDb}`);
    // The schema follows the build under test; a history this build does not know means a fresh start.
    const migrate = await capture(process.execPath, [path.join(ROOT, 'app/dist/cli/migrate.js')], { DATABASE_URL: this.url });
    if (migrate.code !== 0) {
      say(`the bench database's schema history does not fit this build (${migrate.output.trim().split('\n')[0]}); recreating it`);
      await admin.query(`DROP DATABASE ${cfg.benchDb} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${cfg.benchDb}`);
    }
    await admin.end();

    const seeded = await this.pool.query(`SELECT
        (SELECT count(*) FROM seats)::int AS seats, (SELECT count(*) FROM schedules)::int AS schedules,
        (SELECT count(*) FROM users WHERE id <= ${SEED.users})::int AS users`).catch(() => ({ rows: [{ seats: 0, schedules: 0, users: 0 }] }));
    const s = seeded.rows[0];
    if (s.seats !== SEED.seats || s.schedules !== SEED.schedules || s.users !== SEED.users) {
      say(`seeding "large" into database ${cfg.benchDb} (first run only, ~20 s)`);
      await run(process.execPath, [path.join(ROOT, 'app/dist/cli/seed.js'), 'large'], { DATABASE_URL: this.url });
    } else {
      say(`resetting database ${cfg.benchDb} (seeded "large" already)`);
      await this.pool.query(`TRUNCATE payments, idempotency_keys, point_transactions, reservations`);
      await this.pool.query(`UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, hold_expires_at = NULL
                               WHERE status <> 'AVAILABLE' OR reservation_id IS NOT NULL`);
      await this.pool.query(`UPDATE points SET balance = ${BALANCE} WHERE balance <> ${BALANCE}`);
      await this.pool.query(`ALTER SEQUENCE reservations_id_seq RESTART`);
    }
    await this.pool.query('VACUUM ANALYZE seats, reservations, points');
    await this.pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await this.pool.query('SELECT coalesce(max(id), 0)::int AS max FROM users');
    this.userMax = rows[0].max;
  }

  /** Users beyond the seed, so every token request in a run is for a user never seen before. */
  async ensureUsers(upTo: number) {
    if (upTo <= this.userMax) return;
    const from = this.userMax + 1;
    await this.pool.query(`WITH u AS (INSERT INTO users (id, name) SELECT g, 'bench-' || g FROM generate_series($1::bigint, $2::bigint) g
                             ON CONFLICT DO NOTHING RETURNING id)
                           INSERT INTO points (user_id, balance) SELECT id, ${BALANCE} FROM u ON CONFLICT DO NOTHING`, [from, upTo]);
    this.userMax = upTo;
  }

  /** Holds the given seats for the given users exactly as the service's own hold would, so a
   *  payment step finds one fresh reservation per request. Returns reservation ids by user. */
  async holdForPayment(users: number[], seats: number[]): Promise<Map<number, number>> {
    const { rows } = await this.pool.query(`
      WITH pairs AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS p(user_id, seat_id)),
      held AS (
        UPDATE seats s SET status = 'HELD', reservation_id = nextval('reservations_id_seq'),
                           hold_expires_at = now() + interval '1 hour'
          FROM pairs p WHERE s.id = p.seat_id AND s.status = 'AVAILABLE'
        RETURNING s.id, s.schedule_id, s.price, s.reservation_id, s.hold_expires_at, p.user_id)
      INSERT INTO reservations (id, user_id, schedule_id, seat_id, price, status, expires_at)
      SELECT reservation_id, user_id, schedule_id, id, price, 'HELD', hold_expires_at FROM held
      RETURNING id, user_id`, [users, seats]);
    return new Map(rows.map((r: { id: number; user_id: string }) => [Number(r.user_id), Number(r.id)]));
  }

}

function capture(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c) => { output += c; });
    child.stderr!.on('data', (c) => { output += c; });
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

/** Distinct seats spread over the whole hall: k -> (k * A + B) mod N is a permutation because A
 *  is coprime with N = 2,500,000 = 2^5 * 5^7. */
class SeatCursor {
  private k = 0;
  next(): { seatId: number; scheduleId: number } {
    const seatId = ((this.k++ * 1_000_003 + 7_777) % SEED.seats) + 1;
    return { seatId, scheduleId: Math.ceil(seatId / SEED.seatsPerSchedule) };
  }
}

/** A small deterministic PRNG, so two runs send the same requests. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- a small HTTP client for set-up

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function request(base: string, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${base}${urlPath}`, {
      method, agent, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* keep the text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Issues one ACTIVE token per user through the API (set-up, not measured). */
async function issueTokens(base: string, users: number[]): Promise<Map<number, string>> {
  const tokens = new Map<number, string>();
  let i = 0;
  const worker = async () => {
    while (i < users.length) {
      const u = users[i++];
      const res = await request(base, 'POST', '/api/v1/queue/token', { userId: u });
      if (res.status !== 201 && res.status !== 200) fail(`set-up: issuing a token for user ${u} gave ${res.status} ${JSON.stringify(res.body)}`);
      if (res.body.data.status !== 'ACTIVE') fail('set-up: tokens are not ACTIVE at once; the bench sets MAX_ACTIVE=1000000, check the service config');
      tokens.set(u, res.body.data.token);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return tokens;
}

// ---------------------------------------------------------------- vegeta

interface Target { method: string; url: string; body?: unknown; header?: Record<string, string> }

function writeTargets(file: string, count: number, make: (i: number) => Target) {
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

/** One build of the service under test: this tree, or the BENCH_COMPARE revision built beside it. */
interface Build { name: string; label: string; root: string; pid?: number; base?: string }

interface Step {
  endpoint: string; build: string; purpose: 'search' | 'equal-load';
  rate: number; seconds: number; pass: boolean; why: string;
  sent: number; achieved: number; good: number; p50: number; p95: number; p99: number;
  codes: Record<string, number>; errors: string[];
  cpu: ReturnType<typeof cpuBetween>;
  // Per request, over the whole attack: statements PostgreSQL ran and commands Redis ran.
  statements: number; redisCommands: number; topStatements: string; topCommands: string;
}

const steps: Step[] = [];

// The bench's own readers of pg_stat_statements and INFO commandstats; set once both run.
let probes: { pool: pg.Pool; redis: Redis } | undefined;

async function attack(endpoint: Endpoint, build: string, pid: number, rate: number, seconds: number, targets: string,
  purpose: Step['purpose'] = 'search'): Promise<Step> {
  const out = path.join(TMP, 'results.bin');
  const statementsBefore = probes ? await statementCalls(probes.pool) : new Map();
  const commandsBefore = probes ? await redisCalls(probes.redis) : new Map();
  const child = spawn('nice', ['-n', cfg.nice, 'taskset', '-c', cfg.loadCpu, cfg.vegeta, 'attack', '-format=json', '-lazy', `-targets=${targets}`,
    `-rate=${rate}/1s`, `-duration=${seconds}s`, `-timeout=${cfg.timeout}`, `-max-workers=${cfg.maxWorkers}`,
    `-max-connections=${cfg.maxWorkers}`, `-output=${out}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (c) => { stderr += c; });
  const exited = new Promise<number>((r) => child.once('exit', (code) => { children.delete(child); r(code ?? 1); }));
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
  const report = JSON.parse(execFileSync(cfg.vegeta, ['report', '-type=json', out], { encoding: 'utf8' }));
  const requests: number = report.requests;
  const goodCount: number = report.status_codes?.[String(endpoint.expected)] ?? 0;
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
  const reasons: string[] = [];
  if (step.sent < rate * 0.99) reasons.push(`sent only ${step.sent.toFixed(0)}/s`);
  if (step.good < cfg.minGood) reasons.push(`${(step.good * 100).toFixed(1)}% ${endpoint.expected}`);
  if (step.achieved < rate * cfg.minAchieved) reasons.push(`answered ${step.achieved.toFixed(0)}/s`);
  if (step.p95 > cfg.p95Ms) reasons.push(`p95 ${step.p95.toFixed(1)} ms`);
  step.pass = reasons.length === 0;
  step.why = reasons.join(', ');
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

const pct = (x: number) => `${(x * 100).toFixed(0).padStart(3)}%`;

/** Writes the targets of one step for one build and returns the file. */
type Prepare = (build: string, rate: number, seconds: number) => Promise<string>;

/** Geometric ramp in short steps until a step fails, then geometric bisection in full-length
 *  steps; the knee is the highest rate that passed a full-length step. */
async function findKnee(endpoint: Endpoint, build: string, pid: number, prepare: Prepare): Promise<Step | undefined> {
  const tryRate = async (rate: number, seconds: number) => {
    const s = await attack(endpoint, build, pid, rate, seconds, await prepare(build, rate, seconds));
    // Fast wrong answers are a broken set-up or a broken service, not an overload: searching on is pointless.
    if (s.good < 0.5 && s.p95 <= cfg.p95Ms) {
      throw new Broken(`${endpoint.key} answered ${JSON.stringify(s.codes)} at ${rate}/s (${s.errors[0] ?? 'no transport error'}); see bench/results/service-${build}.log`);
    }
    return s;
  };
  // A step that failed only on latency (answers all right) may be a hiccup of a shared machine:
  // it counts as a failure only when it fails again. Errors and timeouts count at once.
  const passes = async (rate: number, seconds: number) => {
    const s = await tryRate(rate, seconds);
    if (s.pass || s.good < cfg.minGood) return s;
    return tryRate(rate, seconds);
  };
  let lo = 0, hi = 0;
  let rate = cfg.startRate;
  while (rate <= cfg.maxRate) {
    if ((await passes(rate, cfg.coarseSeconds)).pass) { lo = rate; rate = Math.round(rate * cfg.growth); } else { hi = rate; break; }
  }
  if (lo === 0) {
    // Fails even at the start rate: walk down.
    for (rate = Math.floor(cfg.startRate / 2); rate >= 1; rate = Math.floor(rate / 2)) {
      if ((await passes(rate, cfg.coarseSeconds)).pass) { lo = rate; break; }
      hi = rate;
    }
    if (lo === 0) return undefined;
  }
  let best: Step | undefined;
  if (hi === 0) hi = lo; // never failed up to BENCH_MAX_RATE
  for (let i = 0; i < cfg.bisections && hi / lo > 1.05; i++) {
    const mid = Math.round(Math.sqrt(lo * hi));
    if (mid <= lo || mid >= hi) break;
    const s = await passes(mid, cfg.fineSeconds);
    if (s.pass) { lo = mid; best = s; } else hi = mid;
  }
  // Confirm the knee with a full-length step; step down if the short step flattered it.
  for (let tries = 0; !best && tries < 4 && lo >= 1; tries++) {
    const s = await passes(lo, cfg.fineSeconds);
    if (s.pass) best = s; else lo = Math.floor(lo * 0.85);
  }
  return best;
}

// ---------------------------------------------------------------- the run

class Broken extends Error {}

interface Row { endpoint: Endpoint; build: string; knee?: Step; firstFail?: Step; broken?: string }

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

  const loadBefore = os.loadavg();
  const busyBefore = await backgroundLoad();
  say(`machine: ${machine()}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}; ` +
    `busy before start: cpu${cfg.serviceCpu} ${pct(busyBefore.serviceCore)}, cpu${cfg.loadCpu} ${pct(busyBefore.loadCore)}`);
  if (busyBefore.serviceCore > 0.1 || busyBefore.loadCore > 0.1) {
    say('WARNING: other work is using the CPUs; absolute numbers will be low and noisy, ratios less so');
  }

  const cleanup = () => {
    for (const c of children) c.kill('SIGKILL');
    stopPostgres();
    fs.rmSync(TMP, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { say(`${sig}: stopping`); process.exit(130); });

  const pgUrl = await startPostgres();
  const data = new Data(pgUrl);
  await data.prepare();
  const redisUrl = await startRedis();
  probes = { pool: data.pool, redis: new Redis(redisUrl) };
  say(`PostgreSQL (${pgUrl}) and Redis (${redisUrl}) of the bench's own, on cpu${cfg.loadCpu}`);

  const rows: Row[] = [];
  const equalLoad: Step[] = [];
  let broken: string | undefined;
  const search: typeof findKnee = async (...args) => {
    broken = undefined;
    try {
      return await findKnee(...args);
    } catch (err) {
      if (!(err instanceof Broken)) throw err;
      broken = err.message;
      say(`WARNING: ${broken}`);
      return undefined;
    }
  };
  const record = (endpoint: Endpoint, build: string, knee: Step | undefined) => {
    const mine = steps.filter((s) => s.endpoint === endpoint.key && s.build === build && s.purpose === 'search');
    const firstFail = mine.filter((s) => !s.pass && (!knee || s.rate > knee.rate)).sort((x, y) => x.rate - y.rate)[0];
    rows.push({ endpoint, build, knee, firstFail, broken });
    say(knee ? `${endpoint.label} [${build}]: knee ${knee.rate}/s, p95 ${knee.p95.toFixed(1)} ms` : `${endpoint.label} [${build}]: no rate passed`);
  };
  /** The knee of each build, then (with two builds, or BENCH_RATE) one step each at equal load. */
  const measure = async (endpoint: Endpoint, runs: { build: string; pid: number }[], prepare: Prepare) => {
    const knees: (Step | undefined)[] = [];
    if (!cfg.fixedRates) {
      for (const r of runs) {
        const knee = await search(endpoint, r.build, r.pid, prepare);
        record(endpoint, r.build, knee);
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

  // ---- the baseline
  if (wanted('bare')) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const bare = await startNode('bare Express', path.join(__dirname, 'bare.js'), { PORT: String(port) }, `${base}/`, path.join(RESULTS, 'bare.log'));
    say(`bare Express on cpu${cfg.serviceCpu} at ${base}`);
    const file = path.join(TMP, 'bare.ndjson');
    await measure(ENDPOINTS[0], [{ build: 'bare', pid: bare.pid! }], async (_build, rate, secs) => {
      writeTargets(file, Math.ceil(rate * secs) + 10, () => ({ method: 'GET', url: `${base}/` }));
      return file;
    });
    await stopNode(bare);
  }

  // ---- the service: every build runs at once, idle while another is measured
  const serviceProcs: ChildProcess[] = [];
  for (const build of builds) {
    const port = await freePort();
    build.base = `http://127.0.0.1:${port}`;
    const serviceEnv = {
      NODE_PATH: path.join(build.root, 'node_modules'), PORT: String(port), DATABASE_URL: data.url, REDIS_URL: redisUrl, WEB_CONCURRENCY: '1', NODE_ENV: 'production',
      MAX_ACTIVE: '1000000', ACTIVE_TTL_SECONDS: '3600', HOLD_TTL_SECONDS: '3600', LOG_LEVEL: serviceLogLevel(),
    };
    const child = await startNode(`booking service (${build.label})`, path.join(build.root, 'app/dist/main.js'), serviceEnv,
      `${build.base}/readyz`, path.join(RESULTS, `service-${build.name}.log`));
    build.pid = child.pid!;
    serviceProcs.push(child);
    say(`booking service, ${build.label}, on cpu${cfg.serviceCpu} at ${build.base} (WEB_CONCURRENCY=1, pid ${build.pid})`);
  }
  const runs = builds.map((b) => ({ build: b.name, pid: b.pid! }));
  const apiOf = (build: string) => `${builds.find((b) => b.name === build)!.base}/api/v1`;

  let nextUser = 1;
  const takeUsers = async (n: number) => {
    const users = Array.from({ length: n }, (_, i) => nextUser + i);
    nextUser += n;
    await data.ensureUsers(nextUser);
    return users;
  };
  const seats = new SeatCursor();

  // Tokens shared by the status, seat-list and hold steps: many distinct, ACTIVE ones.
  const needPool = ['status', 'seats', 'hold'].some(wanted);
  let pool: string[] = [];
  if (needPool) {
    say(`set-up: issuing ${cfg.statusTokens} ACTIVE tokens through the API`);
    pool = [...(await issueTokens(builds[0].base!, await takeUsers(cfg.statusTokens))).values()];
  }
  const endpoint = (key: string) => ENDPOINTS.find((e) => e.key === key)!;

  if (wanted('issue')) {
    const file = path.join(TMP, 'issue.ndjson');
    await measure(endpoint('issue'), runs, async (build, rate, secs) => {
      const users = await takeUsers(Math.ceil(rate * secs) + 10);
      writeTargets(file, users.length, (i) => ({ method: 'POST', url: `${apiOf(build)}/queue/token`, body: { userId: users[i] } }));
      return file;
    });
  }

  if (wanted('status')) {
    const file = path.join(TMP, 'status.ndjson');
    let k = 0;
    await measure(endpoint('status'), runs, async (build, rate, secs) => {
      writeTargets(file, Math.ceil(rate * secs) + 10, () => ({ method: 'GET', url: `${apiOf(build)}/queue/status`, header: { 'User-Token': pool[k++ % pool.length] } }));
      return file;
    });
  }

  if (wanted('seats')) {
    const file = path.join(TMP, 'seats.ndjson');
    const rnd = mulberry32(42);
    let k = 0;
    await measure(endpoint('seats'), runs, async (build, rate, secs) => {
      writeTargets(file, Math.ceil(rate * secs) + 10, () => {
        const scheduleId = 1 + Math.floor(rnd() * cfg.seatSchedules);
        const concertId = Math.ceil(scheduleId / SEED.schedulesPerConcert);
        return { method: 'GET', url: `${apiOf(build)}/concerts/${concertId}/schedules/${scheduleId}/seats`, header: { 'User-Token': pool[k++ % pool.length] } };
      });
      return file;
    });
  }

  if (wanted('hold')) {
    const file = path.join(TMP, 'hold.ndjson');
    let k = 0;
    await measure(endpoint('hold'), runs, async (build, rate, secs) => {
      writeTargets(file, Math.ceil(rate * secs) + 10, () => {
        const { seatId, scheduleId } = seats.next();
        return { method: 'POST', url: `${apiOf(build)}/reservations`, body: { scheduleId, seatId }, header: { 'User-Token': pool[k++ % pool.length] } };
      });
      return file;
    });
  }

  if (wanted('payment')) {
    const file = path.join(TMP, 'payment.ndjson');
    const runId = Date.now().toString(36);
    await measure(endpoint('payment'), runs, async (build, rate, secs) => {
      // One fresh user, ACTIVE token and held reservation per request, made before the step.
      const users = await takeUsers(Math.ceil(rate * secs) + 10);
      const tokens = await issueTokens(builds[0].base!, users);
      const held = await data.holdForPayment(users, users.map(() => seats.next().seatId));
      const ready = users.filter((u) => held.has(u));
      writeTargets(file, ready.length, (i) => {
        const u = ready[i];
        const reservationId = held.get(u)!;
        return {
          method: 'POST', url: `${apiOf(build)}/payments`, body: { reservationId },
          header: { 'User-Token': tokens.get(u)!, 'Idempotency-Key': `bench-${runId}-${reservationId}` },
        };
      });
      return file;
    });
  }

  for (const child of serviceProcs) await stopNode(child);
  probes.redis.disconnect();
  probes = undefined;
  await data.pool.end();
  agent.destroy();
  stopPostgres();

  const report = render(rows, equalLoad, builds, loadBefore, busyBefore);
  fs.writeFileSync(path.join(RESULTS, 'latest.md'), report.markdown);
  process.stdout.write(`\n${report.tables}\n`);
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; written to bench/results/latest.md (steps in bench/results/steps.jsonl)`);
  if (cfg.strict && report.missed.length) fail(`below target: ${report.missed.join(', ')}`);
  // The private Redis is a child process and would keep the event loop alive: exit runs cleanup.
  process.exit(0);
}

/** Builds a git revision of this repository beside it (bench/baseline.sh) and returns its root. */
function buildRevision(rev: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(__dirname, 'baseline.sh'), rev], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c) => { out += c; });
    child.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').pop()!) : fail(`could not build ${rev}: see the lines above`)));
  });
}

function machine() {
  const c = os.cpus();
  return `${c.length} CPUs (${c[0].model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}`;
}

const pgBin = () => {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin/pg_ctl'))) : [];
  versions.sort((a, b) => Number(a) - Number(b));
  if (!versions.length) fail('PostgreSQL is not installed; run `make services` (it installs it from Debian)');
  return path.join(root, versions[versions.length - 1], 'bin');
};
const isRoot = process.getuid?.() === 0;
// initdb and postgres refuse to run as root.
const asPg = (cmd: string, args: string[]) => (isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
const pgData = () => path.join(cfg.state, 'pg');

/** A PostgreSQL of the bench's own on the load core; its data stays in BENCH_STATE between runs. */
async function startPostgres(): Promise<string> {
  const bin = pgBin();
  const data = pgData();
  const pgctl = (...args: string[]) => execFileSync(...asPg(path.join(bin, 'pg_ctl'), ['-D', data, ...args]), { stdio: 'pipe' });
  if (!fs.existsSync(path.join(data, 'PG_VERSION'))) {
    say(`creating a PostgreSQL data directory in ${data}`);
    fs.mkdirSync(data, { recursive: true });
    if (isRoot) execFileSync('chown', ['-R', 'postgres:', cfg.state]);
    execFileSync(...asPg(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']), { stdio: 'pipe' });
    fs.appendFileSync(path.join(data, 'postgresql.conf'), [
      "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${data}'`, 'max_connections = 100',
      'shared_buffers = 512MB', 'fsync = off', 'synchronous_commit = off', 'full_page_writes = off', '',
    ].join('\n'));
    if (isRoot) execFileSync('chown', ['-R', 'postgres:', data]);
  }
  // A run that was killed may have left its server behind.
  try { pgctl('status'); pgctl('-m', 'fast', '-w', 'stop'); } catch { /* not running */ }
  const port = await freePort();
  const [cmd, args] = asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(data, 'server.log'), '-o', `-p ${port} -c shared_preload_libraries=pg_stat_statements`, '-w', '-t', '60', 'start']);
  try {
    execFileSync('nice', ['-n', cfg.nice, 'taskset', '-c', cfg.loadCpu, cmd, ...args], { stdio: 'pipe' });
  } catch (err) {
    fail(`PostgreSQL did not start: ${(err as { stderr?: Buffer }).stderr?.toString().trim()}; see ${path.join(data, 'server.log')}`);
  }
  pgRunning = true;
  return `postgres://postgres@127.0.0.1:${port}/${cfg.benchDb}`;
}

function stopPostgres() {
  if (!pgRunning) return;
  pgRunning = false;
  try { execFileSync(...asPg(path.join(pgBin(), 'pg_ctl'), ['-D', pgData(), '-m', 'fast', '-w', 'stop']), { stdio: 'pipe' }); } catch { /* already down */ }
}

/** A Redis of the run's own, in memory only, pinned to the load core. */
async function startRedis(): Promise<string> {
  let bin = '';
  try { bin = execFileSync('bash', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim(); } catch { /* below */ }
  if (!bin) fail('redis-server is not installed; run `make services` (it installs it from Debian)');
  const port = await freePort();
  const child = spawn('nice', ['-n', cfg.nice, 'taskset', '-c', cfg.loadCpu, bin, '--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', TMP, '--logfile', path.join(RESULTS, 'redis.log')], { stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // nice and taskset exec: the pid is redis-server's.
  redisPid = child.pid;
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const ok = await redis.connect().then(() => redis.ping(), () => '');
    redis.disconnect();
    if (ok === 'PONG') return url;
    await sleep(100);
  }
  fail(`the private redis-server did not start on port ${port}; see bench/results/redis.log`);
}

async function backgroundLoad() {
  const a = sample();
  await sleep(1000);
  return cpuBetween(a, sample());
}

// ---------------------------------------------------------------- the report

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

function render(rows: Row[], equalLoad: Step[], builds: Build[], loadBefore: number[], busyBefore: ReturnType<typeof cpuBetween>) {
  const missed: string[] = [];
  const bareKnee = rows.find((r) => r.endpoint.key === 'bare')?.knee ?? equalLoad.find((s) => s.endpoint === 'bare');
  const perCpu = (s?: Step) => (s && s.cpu.svc > 0.05 ? s.rate / s.cpu.svc : undefined);
  const barePerCpu = perCpu(bareKnee);
  const labelOf = (build: string) => builds.find((b) => b.name === build)?.label ?? '-';
  const endpointOf = (key: string) => ENDPOINTS.find((e) => e.key === key)!;
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
    for (const endpoint of ENDPOINTS.filter((e) => e.key !== 'bare')) {
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

  const where = `Machine: ${machine()}. Service core cpu${cfg.serviceCpu}; vegeta, PostgreSQL and Redis on cpu${cfg.loadCpu}. ` +
    `Before the run: load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, cpu${cfg.serviceCpu} ${pct(busyBefore.serviceCore).trim()} and ` +
    `cpu${cfg.loadCpu} ${pct(busyBefore.loadCore).trim()} busy with other work` +
    (busyBefore.serviceCore > 0.1 || busyBefore.loadCore > 0.1 ? ' (**shared: absolute rates are low and noisy; the ratios are more robust**).' : ' (quiet).');
  const sections = [
    ...(rows.length ? [`Knees (targets on the CPU ratio)\n\n${knees}`] : []),
    ...(rows.some((r) => r.knee) ? [`Whole system at each knee: CPU seconds per 1,000 requests\n\n${atKnee}`] : []),
    ...(atEqual ? [`Whole system at equal load (${cfg.fixedRates ? `BENCH_RATE=${process.env.BENCH_RATE}` : `${cfg.equalShare * 100} % of the smaller knee`}, ${cfg.fineSeconds} s each): CPU seconds per 1,000 requests\n\n${atEqual}`] : []),
    ...(comparison ? [`Build against build, same run, equal load (target, ${builds[0].label} -> this tree: system CPU per request halved for seat list, hold and payment)\n\n${comparison}`] : []),
  ];
  const tables = `${where}\n\n${sections.join('\n\n')}`;

  const vegetaVersion = execFileSync(cfg.vegeta, ['-version'], { encoding: 'utf8' }).split('\n')[0].replace(/^Version:\s*/, '') || path.basename(cfg.vegeta);
  const stepRows = steps.map((s) => `| ${s.endpoint} | ${s.build} | ${s.purpose} | ${s.rate} | ${s.seconds} | ${s.pass ? 'ok' : 'fail'} | ${s.sent.toFixed(0)} | ${s.achieved.toFixed(0)} | ` +
    `${(s.good * 100).toFixed(1)}% | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.p99.toFixed(1)} | ${pct(s.cpu.svc).trim()} | ${pct(s.cpu.pg).trim()} | ${pct(s.cpu.redis).trim()} | ` +
    `${pct(s.cpu.serviceCore).trim()} | ${pct(s.cpu.loadCore).trim()} | ${pct(s.cpu.gen).trim()} | ${s.why || ''} |`);
  const perRequest = [...new Set(steps.filter((s) => s.endpoint !== 'bare').map((s) => `${s.endpoint}|${s.build}`))].map((k) => {
    const [endpoint, build] = k.split('|');
    const s = steps.filter((x) => x.endpoint === endpoint && x.build === build && x.pass).at(-1)
      ?? steps.filter((x) => x.endpoint === endpoint && x.build === build).at(-1)!;
    return `| ${endpointOf(endpoint).label} | ${labelOf(build)} | ${s.topStatements.replace(/\|/g, '\\|') || '-'} | ${s.topCommands || '-'} |`;
  });
  const markdown = `# Benchmark: hot endpoints against a bare Express baseline, and what they cost the whole system

Made by \`make bench\` on ${new Date().toISOString()} in ${((Date.now() - started) / 1000).toFixed(0)} s.

${tables}

## How to read it

- **Knee**: the highest constant arrival rate (vegeta, open model) at which, over a ${cfg.fineSeconds} s step,
  vegeta sent >= 99% of the offered rate, >= ${(cfg.minGood * 100).toFixed(0)}% of answers had the endpoint's success status
  (201 for issue, hold and payment; 200 otherwise), the answered rate was >= ${(cfg.minAchieved * 100).toFixed(0)}% of offered,
  and p95 latency was <= ${cfg.p95Ms} ms. Search: ${cfg.coarseSeconds} s steps from ${cfg.startRate}/s growing x${cfg.growth}
  until one fails, then ${cfg.bisections} geometric bisections in ${cfg.fineSeconds} s steps (resolution about ${((cfg.growth ** (1 / 2 ** cfg.bisections) - 1) * 100).toFixed(0)}%),
  and the knee is always a rate that passed a full-length step. A step that failed on latency alone
  is repeated once and counts as failed only if it fails again (errors and timeouts count at once).
- **Ratio to bare**: knee / knee of the bare Express 5 hello world (\`bench/bare.js\`), same Node, same core, same run.
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

## Where it ran

- ${machine()}; vegeta ${vegetaVersion}.
- Service (\`node app/dist/main.js\`, WEB_CONCURRENCY=1) and baseline pinned to cpu${cfg.serviceCpu} with taskset.
  vegeta, PostgreSQL (postmaster and backends), Redis and the orchestrator pinned to cpu${cfg.loadCpu}:
  the service core stands for a pod's CPU limit, which covers Node only, while in production the
  database and Redis live elsewhere. So only Node competes for cpu${cfg.serviceCpu}${builds.length > 1 ? ` (both builds run there; the one not measured is idle)` : ''}.
- Builds: ${builds.map((b) => `${b.label} (\`${path.relative(ROOT, path.join(b.root, 'app/dist/main.js')) || b.root}\`)`).join(', ')}.
- Before the run: load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}; cpu${cfg.serviceCpu} ${pct(busyBefore.serviceCore).trim()} busy, cpu${cfg.loadCpu} ${pct(busyBefore.loadCore).trim()} busy
  with other work. ${busyBefore.serviceCore > 0.1 || busyBefore.loadCore > 0.1 ? '**Other work shared the CPUs: absolute rates are low and noisy; the ratios are more robust.**' : 'The machine was quiet.'}
- Data: seed \`large\` (100,000 users, 50,000 schedules, 2.5 M seats) in a PostgreSQL of the bench's own
  (data in ${cfg.state}, fsync off as in the test services, pg_stat_statements loaded), reset at the start of each run; an empty Redis
  of the bench's own. Both run only while the bench runs. Processes started with nice ${cfg.nice}.
- Service config: MAX_ACTIVE=1000000 (tokens ACTIVE at once), ACTIVE_TTL_SECONDS=3600, HOLD_TTL_SECONDS=3600,
  LOG_LEVEL=${serviceLogLevel()}, everything else at its default.

## Requests

- issue token: \`POST /queue/token\`, a user never seen before in every request (201 path; users beyond the seed are added).
- queue status: \`GET /queue/status\` round-robin over ${cfg.statusTokens.toLocaleString('en')} distinct ACTIVE tokens.
- seat list: \`GET /concerts/:c/schedules/:s/seats\`, schedule uniformly random among the first ${cfg.seatSchedules.toLocaleString('en')}
  (a mix of cache hits and misses), tokens from the same pool.
- seat hold: \`POST /reservations\` on a distinct available seat per request, spread over all 2.5 M seats.
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
  return { tables, markdown, missed };
}

const serviceLogLevel = () => env('BENCH_LOG_LEVEL', 'info');

function limitOf(s: Step) {
  const sides = [`service ${pct(s.cpu.svc).trim()}`, `load core ${pct(s.cpu.loadCore).trim()}`, `pg ${pct(s.cpu.pg).trim()}`, `redis ${pct(s.cpu.redis).trim()}`];
  return `${s.rate}/s: ${s.why} (${sides.join(', ')})`;
}

main().catch((err) => fail(err.stack ?? String(err)));
