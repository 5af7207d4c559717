import client from 'prom-client';
import { AppError, UNAVAILABLE_KINDS } from './errors';

// prom-client's defaults also export the active handle/request/resource counts as *_total gauges,
// which promtool rejects; the same values stay available without the suffix.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);

  const reg = { registers: [registry] };
  const metrics = {
    registry,
    httpRequests: new client.Counter({
      name: 'http_requests_total', help: 'HTTP requests by method, route and status.',
      labelNames: ['method', 'route', 'status'] as const, ...reg,
    }),
    httpDuration: new client.Histogram({
      name: 'http_request_duration_seconds', help: 'HTTP request duration by route.',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5], ...reg,
    }),
    inFlight: new client.Gauge({ name: 'http_requests_in_flight', help: 'Requests being served.', ...reg }),
    shed: new client.Counter({ name: 'http_requests_shed_total', help: 'Requests refused with 503 because too many were in flight.', ...reg }),
    unavailable: new client.Counter({
      name: 'booking_dependency_unavailable_total', help: 'Requests answered 503 because PostgreSQL or Redis was unavailable, by why.',
      labelNames: ['dependency', 'kind'] as const, ...reg,
    }),
    tokensIssued: new client.Counter({
      name: 'booking_queue_tokens_issued_total', help: 'Queue tokens issued (new) or returned again (existing).',
      labelNames: ['outcome'] as const, ...reg,
    }),
    holds: new client.Counter({
      name: 'booking_seat_holds_total', help: 'Seat hold attempts by outcome.', labelNames: ['outcome'] as const, ...reg,
    }),
    payments: new client.Counter({
      name: 'booking_payments_total', help: 'Payment attempts by outcome.', labelNames: ['outcome'] as const, ...reg,
    }),
    charges: new client.Counter({
      name: 'booking_point_charges_total', help: 'Point charge attempts by outcome.', labelNames: ['outcome'] as const, ...reg,
    }),
    // Every worker of every pod sees the same Redis: aggregate these with max, never sum.
    queueWaiting: new client.Gauge({ name: 'booking_queue_waiting', help: 'Users waiting in the queue.', aggregator: 'max', ...reg }),
    queueActive: new client.Gauge({ name: 'booking_queue_active', help: 'Users currently active.', aggregator: 'max', ...reg }),
  };
  // Every series at 0 from the start: a counter first seen mid-window is lost to increase().
  for (const kind of UNAVAILABLE_KINDS) metrics.unavailable.inc({ dependency: 'postgresql', kind }, 0);
  metrics.unavailable.inc({ dependency: 'redis', kind: 'unreachable' }, 0);
  return metrics;
}

/** Runs an attempt and counts it under its outcome: `success` names a result; a failure counts
 *  as its API error code in lower case (`seat_not_available`), anything unexpected as `error`. */
export async function countOutcome<T>(counter: client.Counter<'outcome'>, attempt: () => Promise<T>,
  success: (result: T) => string): Promise<T> {
  try {
    const result = await attempt();
    counter.inc({ outcome: success(result) });
    return result;
  } catch (err) {
    counter.inc({ outcome: err instanceof AppError ? err.code.toLowerCase() : 'error' });
    throw err;
  }
}

/** What a database pool reports at a scrape (knex's tarn pool). */
export interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/**
 * The PostgreSQL connections this process holds, and the requests waiting for one, read at each
 * scrape. Summed over a pod's workers, and over the pods, they are what max_connections must hold
 * (replicas × workers × pool at worst), and pending acquires show a pool too small for the load.
 */
export function observePool(metrics: Metrics, pool: () => PoolStats | undefined) {
  const reg = { registers: [metrics.registry] };
  new client.Gauge({
    name: 'booking_db_pool_connections', help: 'PostgreSQL connections held by the pool, by state (used, free).',
    labelNames: ['state'] as const, ...reg,
    collect() {
      const p = pool();
      this.set({ state: 'used' }, p?.numUsed() ?? 0);
      this.set({ state: 'free' }, p?.numFree() ?? 0);
    },
  });
  new client.Gauge({
    name: 'booking_db_pool_pending_acquires', help: 'Requests waiting for a PostgreSQL connection from the pool.', ...reg,
    collect() {
      this.set(pool()?.numPendingAcquires() ?? 0);
    },
  });
}
