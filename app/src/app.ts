import Fastify from 'fastify';
import { concertRoutes } from './concerts/routes';
import { ConcertRepository } from './concerts/repository';
import { ConcertService } from './concerts/service';
import { healthRoutes, Lifecycle } from './health/routes';
import { JsonCache } from './lib/cache';
import type { Config } from './lib/config';
import { createDb } from './lib/db';
import { messageOf } from './lib/errors';
import { errorHandling, requestFrame, sendJson } from './lib/http';
import type { Logger } from './lib/logger';
import { createMetrics, observePool, type PoolStats } from './lib/metrics';
import { createRedis } from './lib/redis';
import { openApiDocument } from './openapi';
import { paymentRoutes } from './payments/routes';
import { PaymentRepository } from './payments/repository';
import { PaymentService } from './payments/service';
import { pointRoutes } from './points/routes';
import { PointRepository } from './points/repository';
import { PointService } from './points/service';
import { QueueRepository } from './queue/repository';
import { queueRoutes } from './queue/routes';
import { QueueService } from './queue/service';
import { reservationRoutes } from './reservations/routes';
import { ReservationRepository } from './reservations/repository';
import { ReservationService } from './reservations/service';
import { UserRepository } from './users/repository';

/** Builds the service: its clients, components and Express app. Nothing listens yet. */
export function createApp(config: Config, log: Logger, scrape?: () => Promise<string>) {
  const metrics = createMetrics();
  const db = createDb(config.DATABASE_URL, config.DB_POOL_MAX, { log });
  observePool(metrics, () => (db.client as { pool?: PoolStats }).pool);
  const redis = createRedis(config.REDIS_URL);
  redis.on('error', (err) => log.debug({ err: err.message }, 'redis connection error'));
  const cache = new JsonCache(redis, config.CACHE_TTL_MS, log);
  const lifecycle: Lifecycle = { ready: true };

  const queue = new QueueService(new QueueRepository(redis, config.MAX_ACTIVE, config.ACTIVE_TTL_SECONDS * 1000),
    new UserRepository(db), metrics, config.MAX_ACTIVE, config.ACTIVE_TTL_SECONDS);
  const points = new PointService(new PointRepository(db), metrics);
  const concerts = new ConcertService(new ConcertRepository(db), cache);
  const reservations = new ReservationService(new ReservationRepository(db), cache, metrics, config.HOLD_TTL_SECONDS);
  const payments = new PaymentService(new PaymentRepository(db), queue, cache, metrics, log);

  // Fastify rather than Express: `make bench` measured Express 5's own cost per request at about
  // as much as all of a status request's work (figures in the README's Benchmark section).
  const app = Fastify({
    logger: false, // the service logs through its own pino logger
    bodyLimit: config.BODY_LIMIT,
    // Paths match as they always have: any letter case, with or without a trailing slash, and
    // ids of any length reach validation (which answers 400) rather than a router limit.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 2048 },
    return503OnClosing: false, // the service drains itself (server.ts)
  });
  requestFrame(app, metrics, config.MAX_IN_FLIGHT, lifecycle);
  errorHandling(app, log, metrics);
  healthRoutes(app, db, redis, lifecycle, metrics, scrape ?? (() => metrics.registry.metrics()));
  const contract = JSON.stringify(openApiDocument(config.MAX_CHARGE_AMOUNT));
  app.get('/openapi.json', (_req, reply) => sendJson(reply, 200, contract));
  void app.register((api, _opts, done) => {
    queueRoutes(api, queue);
    pointRoutes(api, points, config.MAX_CHARGE_AMOUNT);
    concertRoutes(api, concerts, queue);
    reservationRoutes(api, reservations, queue);
    paymentRoutes(api, payments, queue);
    done();
  }, { prefix: '/api/v1' });

  let tickTimer: NodeJS.Timeout | undefined;
  return {
    app, db, redis, metrics, lifecycle, queue,
    redisReady(timeoutMs: number) {
      if (redis.status === 'ready') return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() { clearTimeout(timer); redis.off('ready', done); resolve(); }
        redis.once('ready', done);
      });
    },
    /** Promotes waiting users and refreshes the queue gauges even when no request arrives. */
    startQueueTicks() {
      tickTimer = setInterval(() => {
        queue.tick().catch((err: unknown) => log.debug({ err: messageOf(err) }, 'queue tick skipped'));
      }, config.QUEUE_TICK_MS);
      tickTimer.unref();
    },
    async close() {
      clearInterval(tickTimer);
      await Promise.allSettled([db.destroy(), redis.quit().catch(() => redis.disconnect())]);
    },
  };
}

export type Service = ReturnType<typeof createApp>;
