/**
 * The whole system, not only the pods: CPU each component spends per request, and the plan for
 * every shared part at a target rate.
 *
 *   DEFAULT_MAX_UTILISATION = 0.7
 *   componentDemands(steps: MeasuredStep[]): Demand[]
 *   systemPlan(input: SystemPlanInput): SystemPlanRow[]
 *
 * Utilisation law: a component busy U cores while the system serves X req/s spends D = U / X
 * CPU-seconds per request. D is taken from every step that met the SLO at a rate of at least half
 * its count's knee (below that, idle work such as the control plane's or Prometheus' weighs on
 * few requests), and given as min / median / max over those steps.
 *
 * For a target T, a component needs D·T / u cores to run at utilisation u. Redis runs commands on
 * one thread: past one core no Redis instance carries the target, whatever its limit. The database
 * connections are replicas × workers × pool against max_connections. The first bottleneck is the
 * component whose current limit is reached at the lowest rate (limit / D).
 */

import { checkSlo, DEFAULT_SLO, type NodeShare, type Slo, type StepResult } from './knee.js';

export const DEFAULT_MAX_UTILISATION = 0.7;

export type Component = 'service' | 'postgres' | 'redis' | 'loadgen' | 'rest';
const FIELDS: Record<Component, keyof NodeShare> = {
  service: 'serviceCores', postgres: 'postgresCores', redis: 'redisCores', loadgen: 'loadgenCores', rest: 'restCores',
};

export interface MeasuredStep extends StepResult {
  replicas: number;
  /** the knee rate of the search this step belongs to */
  kneeRps: number | null;
}

export interface Demand {
  component: Component;
  /** CPU milliseconds per request: min, median, max over the steps used */
  ms: { lo: number; mid: number; hi: number };
  steps: number;
}

export function componentDemands(steps: MeasuredStep[], slo: Slo = DEFAULT_SLO): Demand[] {
  const used = steps.filter((s) => s.node && s.achievedRps > 0 && checkSlo(s, slo).ok && s.kneeRps !== null && s.offeredRps >= s.kneeRps / 2);
  if (!used.length) return [];
  return (Object.keys(FIELDS) as Component[]).map((component) => {
    const ds = used.map((s) => (1000 * (s.node![FIELDS[component]] as number)) / s.achievedRps).sort((a, b) => a - b);
    return { component, ms: { lo: ds[0], mid: ds[Math.floor((ds.length - 1) / 2)], hi: ds[ds.length - 1] }, steps: ds.length };
  });
}

export interface SystemLimits {
  /** CPU limits of the shared parts as deployed, cores (null: none) */
  postgresLimitCores: number | null;
  redisLimitCores: number | null;
  workersPerPod: number;
  dbPoolPerWorker: number;
  maxConnections: number;
}

export interface SystemPlanInput {
  targets: number[];
  demands: Demand[];
  limits: SystemLimits;
  /** service replicas per target (the plan's USL answer, else linear), null when unknown */
  serviceReplicas: Array<number | null>;
  /** the most the service pods reach by adding replicas (USL ceiling); Infinity when unbounded */
  serviceCeilingRps: number;
  maxUtilisation?: number;
}

export interface SystemPlanRow {
  targetTps: number;
  /** cores at the stated utilisation: from the median demand, and the range from min / max */
  postgresCores: { lo: number; mid: number; hi: number } | null;
  redisCores: { lo: number; mid: number; hi: number } | null;
  /** Redis runs commands on one thread: false when even one full core is not enough */
  redisOneInstanceCarries: boolean | null;
  connections: { needed: number; max: number; fits: boolean } | null;
  /** the part that gives out first as deployed, and the rate where it does */
  bottleneck: { component: 'service' | 'postgres' | 'redis'; atRps: number } | null;
  advice: string[];
}

export function systemPlan(i: SystemPlanInput): SystemPlanRow[] {
  const u = i.maxUtilisation ?? DEFAULT_MAX_UTILISATION;
  const demand = (c: Component) => i.demands.find((d) => d.component === c) ?? null;
  const cores = (d: Demand | null, t: number) => (d ? { lo: (d.ms.lo * t) / 1000 / u, mid: (d.ms.mid * t) / 1000 / u, hi: (d.ms.hi * t) / 1000 / u } : null);
  const pg = demand('postgres');
  const redis = demand('redis');
  const saturates = [
    { component: 'service' as const, atRps: i.serviceCeilingRps },
    ...(pg && i.limits.postgresLimitCores ? [{ component: 'postgres' as const, atRps: (i.limits.postgresLimitCores * 1000) / pg.ms.mid }] : []),
    ...(redis ? [{ component: 'redis' as const, atRps: (Math.min(1, i.limits.redisLimitCores ?? 1) * 1000) / redis.ms.mid }] : []),
  ].filter((s) => Number.isFinite(s.atRps));
  const bottleneck = saturates.length ? saturates.reduce((a, b) => (b.atRps < a.atRps ? b : a)) : null;

  return i.targets.map((targetTps, k) => {
    const advice: string[] = [];
    const postgresCores = cores(pg, targetTps);
    const redisCores = cores(redis, targetTps);
    const redisOneInstanceCarries = redisCores ? redisCores.mid <= 1 : null;
    if (redisOneInstanceCarries === false) advice.push(`Redis needs ${round2(redisCores!.mid)} cores at ${Math.round(u * 100)} %, but runs commands on one thread: shard the waiting room over ${Math.ceil(redisCores!.mid)} instances`);
    const replicas = i.serviceReplicas[k];
    const needed = replicas === null ? null : replicas * i.limits.workersPerPod * i.limits.dbPoolPerWorker;
    const connections = needed === null ? null : { needed, max: i.limits.maxConnections, fits: needed < i.limits.maxConnections };
    if (connections && !connections.fits) {
      const pool = Math.floor((i.limits.maxConnections - 1) / (replicas! * i.limits.workersPerPod));
      advice.push(`${needed} connections (${replicas} pods × ${i.limits.workersPerPod} workers × pool ${i.limits.dbPoolPerWorker}) exceed max_connections ${i.limits.maxConnections}: ` +
        (pool >= 1 ? `lower the pool to ${pool} per worker, or ` : '') + 'put a pooler (PgBouncer in transaction mode) in front of PostgreSQL');
    }
    if (postgresCores && i.limits.postgresLimitCores && postgresCores.mid > i.limits.postgresLimitCores) {
      advice.push(`PostgreSQL needs ${round2(postgresCores.mid)} cores at ${Math.round(u * 100)} % (its limit is ${i.limits.postgresLimitCores})`);
    }
    return { targetTps, postgresCores, redisCores, redisOneInstanceCarries, connections, bottleneck, advice };
  });
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
