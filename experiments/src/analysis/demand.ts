/**
 * The whole system, not only the pods: CPU each component spends per request, and the plan for
 * every shared part at a target rate.
 *
 *   DEFAULT_MAX_UTILISATION = 0.7
 *   componentDemands(steps: StepResult[]): Demand[]
 *   systemPlan(input: SystemPlanInput): SystemPlanRow[]
 *   saturationRps(limitCores: number, demand: Demand): Range
 *   ceilingCheck(counts: CountPoint & { steps?: StepResult[] }[], limits: SystemLimits): CeilingCheck[]
 *   connectionCheck(counts: { replicas, steps? }[], limits: SystemLimits): ConnectionCheck[]
 *
 * Utilisation law, with the idle part apart: a component busy U cores while the system serves
 * X req/s is U = U0 + D·X, so D, the CPU-seconds per request, is the slope of a straight line
 * through every step that met the SLO, and U0 its idle use. (U / X alone charged the idle CPU of
 * PostgreSQL, Redis and the control plane to the requests: on three runs of one profile it gave
 * Redis saturating anywhere from 2,575 to 5,056 req/s.) The range is the slope ± 2 standard errors.
 *
 * For a target T, a component needs D·T / u cores to run at utilisation u. Redis runs commands on
 * one thread: past one core no Redis instance carries the target, whatever its limit. The database
 * connections are replicas × workers × pool against max_connections. The first bottleneck is the
 * component whose current limit is reached at the lowest rate, (limit − U0) / D.
 *
 * connectionCheck() tests the connection arithmetic against what each measured count's steps saw:
 * where replicas × workers × pool fits max_connections, PostgreSQL must never refuse one; where it
 * does not, a refusal must come out as 503 too_many_connections, never as a 500.
 *
 * ceilingCheck() tests that claim where it can fail: with the demands of the one-replica steps
 * alone it predicts the rate where a shared part's limit caps the system, then compares it with
 * what the larger counts measured. Counts whose linear capacity (N × one pod's) lies past that
 * ceiling must all plateau at it; the check passes when their median is within ±10 % of it.
 */

import type { CountPoint } from './capacity.js';
import { checkSlo, DEFAULT_SLO, median, type NodeShare, type Slo, type StepResult } from './knee.js';

export const DEFAULT_MAX_UTILISATION = 0.7;

export type Component = 'service' | 'postgres' | 'redis' | 'loadgen' | 'rest';
/** how the reports name each part */
export const PART_NAMES: Record<Component, string> = {
  service: 'service pods', postgres: 'PostgreSQL', redis: 'Redis', loadgen: 'load generator (k6)', rest: 'the rest of the node',
};
const FIELDS: Record<Component, keyof NodeShare> = {
  service: 'serviceCores', postgres: 'postgresCores', redis: 'redisCores', loadgen: 'loadgenCores', rest: 'restCores',
};

interface Range {
  lo: number;
  mid: number;
  hi: number;
}

export interface Demand {
  component: Component;
  /** CPU milliseconds per request: the slope of cores against req/s, and slope ± 2 standard errors */
  ms: { lo: number; mid: number; hi: number };
  /** cores the part uses with no load at all (the line's intercept) */
  idleCores: number;
  steps: number;
}

export function componentDemands(steps: StepResult[], slo: Slo = DEFAULT_SLO): Demand[] {
  const used = steps.filter((s) => s.node && s.achievedRps > 0 && checkSlo(s, slo).ok);
  if (used.length < 3 || new Set(used.map((s) => Math.round(s.achievedRps))).size < 2) return [];
  return (Object.keys(FIELDS) as Component[]).map((component) => {
    const line = fitLine(used.map((s) => [s.achievedRps, s.node![FIELDS[component]]]));
    const ms = (v: number) => Math.max(0, 1000 * v);
    return { component, ms: { lo: ms(line.slope - 2 * line.slopeSe), mid: ms(line.slope), hi: ms(line.slope + 2 * line.slopeSe) }, idleCores: line.intercept, steps: used.length };
  });
}

/** Ordinary least squares y = a + b·x, with the standard error of b. */
function fitLine(points: Array<[number, number]>): { intercept: number; slope: number; slopeSe: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const rss = points.reduce((a, [x, y]) => a + (y - intercept - slope * x) ** 2, 0);
  return { intercept, slope, slopeSe: n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : Infinity };
}

export interface SystemLimits {
  /** CPU limits of the shared parts as deployed, cores (null: none) */
  postgresLimitCores: number | null;
  redisLimitCores: number | null;
  workersPerPod: number;
  dbPoolPerWorker: number;
  maxConnections: number;
  /** memory limits of the shared parts, GiB (absent in runs before they were recorded; null: none) */
  postgresMemoryGiB?: number | null;
  redisMemoryGiB?: number | null;
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
    ...sharedCeilings(i.demands, i.limits).map((c) => ({ component: c.component, atRps: c.atRps.mid })),
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
    const connections = needed === null ? null : { needed, max: i.limits.maxConnections, fits: connectionsFit(needed, i.limits.maxConnections) };
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

/** The rate where a part's CPU limit is used up, (limit − idle) / D; the range from D's. */
export function saturationRps(limitCores: number, d: Demand): Range {
  const free = Math.max(0, limitCores - Math.max(0, d.idleCores));
  const at = (ms: number) => (ms > 0 ? (free * 1000) / ms : Infinity);
  return { lo: at(d.ms.hi), mid: at(d.ms.mid), hi: at(d.ms.lo) };
}

/** PostgreSQL at its CPU limit, Redis at its limit or its one thread, whichever comes first. */
function sharedCeilings(demands: Demand[], limits: SystemLimits): Array<{ component: 'postgres' | 'redis'; limitCores: number; atRps: Range }> {
  const pg = demands.find((d) => d.component === 'postgres');
  const redis = demands.find((d) => d.component === 'redis');
  const redisCores = Math.min(1, limits.redisLimitCores ?? 1);
  // A part whose fitted idle use already fills its limit has no meaningful ceiling (a bad fit): left out.
  return [
    ...(pg && limits.postgresLimitCores ? [{ component: 'postgres' as const, limitCores: limits.postgresLimitCores, atRps: saturationRps(limits.postgresLimitCores, pg) }] : []),
    ...(redis ? [{ component: 'redis' as const, limitCores: redisCores, atRps: saturationRps(redisCores, redis) }] : []),
  ].filter((c) => c.atRps.mid > 0);
}

export const CEILING_TOLERANCE = 0.1;

export interface CeilingCheck {
  component: 'postgres' | 'redis';
  limitCores: number;
  /** predicted from the one-replica steps only, before any larger count ran */
  predictedRps: Range;
  /** one pod's throughput at the SLO, which sets the counts that must plateau */
  onePodRps: number;
  /** the counts whose N × one pod lies past the predicted ceiling, as measured */
  beyond: Array<{ replicas: number; throughputRps: number; censored: string; nodeBound: boolean }>;
  /** median of the measured, not node-bound `beyond` counts; null when there is none */
  observedRps: number | null;
  /** a `beyond` count only bounded from below, yet above the ceiling's tolerance: it refutes the prediction */
  boundAbove: number | null;
  /** (observed − predicted) / predicted */
  error: number | null;
  withinTolerance: boolean | null;
  /** (largest count − smallest count) / smallest, over the measured `beyond` counts: adding pods past the ceiling should gain nothing */
  gain: number | null;
}

/** Predicted vs observed plateau for every shared part whose predicted ceiling some measured count passed. */
export function ceilingCheck(counts: Array<CountPoint & { steps?: StepResult[] }>, limits: SystemLimits, slo: Slo = DEFAULT_SLO): CeilingCheck[] {
  const one = counts.find((c) => c.replicas === 1);
  if (!one?.steps?.length || (one.censored ?? 'none') !== 'none' || !(one.throughputRps > 0)) return [];
  const demands = componentDemands(one.steps, slo);
  return sharedCeilings(demands, limits).flatMap(({ component, limitCores, atRps }) => {
    if (!Number.isFinite(atRps.mid)) return [];
    const beyond = counts
      .filter((c) => c.replicas * one.throughputRps > atRps.mid)
      .sort((a, b) => a.replicas - b.replicas)
      .map((c) => ({ replicas: c.replicas, throughputRps: c.throughputRps, censored: c.censored ?? 'none', nodeBound: !!c.nodeBound }));
    if (!beyond.some((c) => c.replicas > 1)) return [];
    // A node-bound count plateaued at the node's CPU, which would confirm any ceiling near it: not evidence.
    const measured = beyond.filter((c) => c.censored === 'none' && c.throughputRps > 0 && !c.nodeBound);
    const observedRps = measured.length ? median(measured.map((c) => c.throughputRps)) : null;
    const above = beyond.filter((c) => c.censored === 'lower-bound' && c.throughputRps > atRps.mid * (1 + CEILING_TOLERANCE));
    const boundAbove = above.length ? Math.max(...above.map((c) => c.throughputRps)) : null;
    const error = observedRps === null ? null : (observedRps - atRps.mid) / atRps.mid;
    const gain = measured.length >= 2 ? (measured.at(-1)!.throughputRps - measured[0].throughputRps) / measured[0].throughputRps : null;
    const withinTolerance = boundAbove !== null ? false : error === null ? null : Math.abs(error) <= CEILING_TOLERANCE;
    return [{ component, limitCores, predictedRps: atRps, onePodRps: one.throughputRps, beyond, observedRps, boundAbove, error, withinTolerance, gain }];
  });
}

/** One connection is left for an operator's psql. */
function connectionsFit(needed: number, max: number): boolean {
  return needed < max;
}

/** The key of a step's `unavailableByKind`: the service's 503s for a dependency, by why. */
export function unavailableKey(dependency: string, kind: string): string {
  return `${dependency}:${kind}`;
}

const TOO_MANY_CONNECTIONS = unavailableKey('postgresql', 'too_many_connections');

export interface ConnectionCheck {
  replicas: number;
  /** replicas × workers × pool: the most the pools may open */
  needed: number;
  max: number;
  fits: boolean;
  /** the most connections the pools held at once over the count's steps */
  heldMax: number | null;
  /** 503s because PostgreSQL refused a connection, and 500s, over the count's steps */
  refused: number;
  internalErrors: number;
  verdict: 'as predicted' | 'refuted' | 'untested';
  why: string;
}

export function connectionCheck(counts: Array<{ replicas: number; steps?: StepResult[] }>, limits: SystemLimits): ConnectionCheck[] {
  return counts.flatMap(({ replicas, steps }) => {
    const seen = (steps ?? []).flatMap((s) => (s.server ? [s.server] : []));
    if (!seen.length) return [];
    const needed = replicas * limits.workersPerPod * limits.dbPoolPerWorker;
    const max = limits.maxConnections;
    const fits = connectionsFit(needed, max);
    const held = seen.map((s) => s.dbConnectionsMax).filter((v): v is number => v !== null);
    const heldMax = held.length ? Math.max(...held) : null;
    const refused = seen.reduce((a, s) => a + (s.unavailableByKind?.[TOO_MANY_CONNECTIONS] ?? 0), 0);
    const internalErrors = seen.reduce((a, s) => a + (s.errorsByStatus['500'] ?? 0), 0);
    let verdict: ConnectionCheck['verdict'];
    let why: string;
    if (internalErrors > 0) {
      verdict = 'refuted';
      why = `${internalErrors} responses were 500s: a failure the plan did not name`;
    } else if (fits) {
      verdict = refused ? 'refuted' : 'as predicted';
      why = refused ? `${needed} fit under ${max}, yet PostgreSQL refused ${refused} connections` : `${needed} fit under ${max}: no connection refused`;
    } else if (refused) {
      verdict = 'as predicted';
      why = `${needed} exceed ${max}: the pools held up to ${heldMax ?? '?'} and PostgreSQL refused the rest, ${refused} requests answered 503 too_many_connections, none 500`;
    } else {
      verdict = 'untested';
      why = `${needed} exceed ${max}, but the load never filled the pools past it (held at most ${heldMax ?? '?'})`;
    }
    return [{ replicas, needed, max, fits, heldMax, refused, internalErrors, verdict, why }];
  });
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
