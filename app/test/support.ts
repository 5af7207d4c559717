import type { AddressInfo } from 'node:net';
import { Config, loadConfig } from '../src/lib/config';
import { createLogger } from '../src/lib/logger';
import { startServer, RunningServer } from '../src/server';

export interface TestApp {
  url: string;
  running: RunningServer;
  config: Config;
  stop(): Promise<void>;
}

/** The real service in-process on a random port, against the private PostgreSQL and Redis.
 *  `redisDb` gives a suite its own waiting room: apps with different MAX_ACTIVE must not share one. */
export async function startApp(overrides: Record<string, string | number> = {}, redisDb = 0): Promise<TestApp> {
  const redisUrl = `${(process.env.REDIS_URL ?? '').replace(/\/\d*$/, '')}/${redisDb}`;
  const env = {
    ...process.env, PORT: '0', LOG_LEVEL: 'silent', WEB_CONCURRENCY: '1', DB_POOL_MAX: '20', MAX_ACTIVE: '1000000',
    REDIS_URL: redisUrl, ...stringify(overrides),
  };
  const config = loadConfig(env);
  const running = await startServer(config, createLogger(config.LOG_LEVEL));
  const { port } = running.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, running, config, stop: () => running.stop() };
}

const stringify = (o: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));

export interface Reply<T = any> { status: number; body: T; headers: Headers }

export async function call<T = any>(app: TestApp, method: string, path: string,
  opts: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${app.url}${isOperation(path) ? path : `/api/v1${path}`}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

const isOperation = (path: string) => ['/livez', '/readyz', '/metrics', '/openapi.json'].includes(path.split('?')[0]);

let nextId = 1;
/** Ids unique within the run, so tests never share rows. */
export const freshId = () => nextId++;

export async function createUser(app: TestApp, balance = 0): Promise<number> {
  const id = freshId();
  const db = app.running.service.db;
  await db('users').insert({ id, name: `user-${id}` });
  await db('points').insert({ user_id: id, balance });
  return id;
}

export interface Venue { concertId: number; scheduleId: number; seatIds: number[]; price: number }

export async function createVenue(app: TestApp, seats = 5, price = 1000): Promise<Venue> {
  const db = app.running.service.db;
  const concertId = freshId();
  const scheduleId = freshId();
  await db('concerts').insert({ id: concertId, title: `Concert ${concertId}`, artist: 'Test' });
  await db('schedules').insert({ id: scheduleId, concert_id: concertId, starts_at: new Date('2027-05-01T19:00:00Z'), total_seats: seats });
  const seatIds = Array.from({ length: seats }, () => freshId());
  await db('seats').insert(seatIds.map((id, i) => ({ id, schedule_id: scheduleId, seat_no: i + 1, price })));
  return { concertId, scheduleId, seatIds, price };
}

/** A token that is ACTIVE right away (the app under test must leave room in MAX_ACTIVE). */
export async function activeToken(app: TestApp, userId: number): Promise<string> {
  const res = await call(app, 'POST', '/queue/token', { body: { userId } });
  if (res.body?.data?.status !== 'ACTIVE') throw new Error(`token for ${userId} is not active: ${JSON.stringify(res.body)}`);
  return res.body.data.token;
}

export const auth = (token: string, extra: Record<string, string> = {}) => ({ 'User-Token': token, ...extra });

let keyCounter = 0;
export const newKey = () => `key-${process.pid}-${Date.now()}-${keyCounter++}`;

/** Inserts `count` users with one balance in one statement; returns their ids. */
export async function createUsers(app: TestApp, count: number, balance = 0): Promise<number[]> {
  const ids = Array.from({ length: count }, () => freshId());
  const db = app.running.service.db;
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    await db('users').insert(chunk.map((id) => ({ id, name: `user-${id}` })));
    await db('points').insert(chunk.map((id) => ({ user_id: id, balance })));
  }
  return ids;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts replies by "status code" or "status code/error code". */
export function tally(replies: Reply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const k = r.body?.error?.code ? `${r.status}/${r.body.error.code}` : String(r.status);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
