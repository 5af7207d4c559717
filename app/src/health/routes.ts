import type { FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import type { Db } from '../lib/db';
import { sendJson } from '../lib/http';
import type { Metrics } from '../lib/metrics';

export interface Lifecycle { ready: boolean }

const CHECK_TIMEOUT_MS = 1000;

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function check(work: () => Promise<unknown>): Promise<string> {
  try {
    await within(CHECK_TIMEOUT_MS, work());
    return 'ok';
  } catch (err) {
    return (err as Error).message || 'failed';
  }
}

export function healthRoutes(api: FastifyInstance, db: Db, redis: Redis, lifecycle: Lifecycle, metrics: Metrics,
  scrape: () => Promise<string>) {
  api.get('/livez', (_req, reply) => sendJson(reply, 200, '{"status":"ok"}'));

  api.get('/readyz', async (_req, reply) => {
    if (!lifecycle.ready) return sendJson(reply, 503, '{"status":"shutting down"}');
    const [postgresql, redisState] = await Promise.all([check(() => db.raw('SELECT 1')), check(() => redis.ping())]);
    const ok = postgresql === 'ok' && redisState === 'ok';
    return sendJson(reply, ok ? 200 : 503, JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks: { postgresql, redis: redisState } }));
  });

  api.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await scrape()));
}
