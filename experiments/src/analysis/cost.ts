/**
 * What a target costs per hour, the database included, and the cheapest profile for it.
 *
 *   memoryGiB(quantity: string | undefined): number | null
 *   pricesFrom(cpuHour?: string, gbHour?: string): Prices | null     PRICE_CPU_HOUR, PRICE_GB_HOUR; throws on bad input
 *   priceTarget(input: PriceInput): TargetCost
 *   cheapestProfiles(profiles: Array<{ profile: string; costs: TargetCost[] }>): Cheapest[]
 *
 * Every part is priced at what it reserves: the service pods at their CPU and memory limits, times
 * the plan's replicas; PostgreSQL and Redis at the cores the whole-system plan gives them (70 %
 * utilisation) and at their memory limits as deployed. The range carries the replicas' and the
 * cores' ranges through. A profile whose plan cannot reach a target (the USL curve tops out below
 * it) does not meet it and is never the cheapest.
 */

export interface Prices {
  /** price of one CPU core for an hour */
  cpuHour: number;
  /** price of one GiB of memory for an hour */
  gbHour: number;
}

interface Range {
  lo: number;
  mid: number;
  hi: number;
}

export interface PriceInput {
  targetTps: number;
  prices: Prices;
  /** the plan's replicas for the target; Infinity in `hi` (or everywhere) when the USL curve cannot reach it */
  replicas: Range | null;
  /** where the replicas come from: the USL fit, or per-pod TPS × N (which assumes pods scale perfectly) */
  basis: 'usl' | 'linear';
  pod: { cpu: number; memoryGiB: number };
  postgresCores: Range | null;
  redisCores: Range | null;
  postgresMemoryGiB: number | null;
  redisMemoryGiB: number | null;
}

export interface TargetCost {
  targetTps: number;
  /** per hour, all parts */
  total: Range;
  service: Range;
  postgres: Range | null;
  redis: Range | null;
  /** the plan reaches the target (replicas known and finite at the middle) */
  meets: boolean;
  basis: 'usl' | 'linear';
  /** parts priced without their memory (its limit unknown) */
  unpriced: string[];
}

export interface Cheapest {
  targetTps: number;
  /** null when no profile meets the target */
  profile: string | null;
  total: Range | null;
  basis: 'usl' | 'linear' | null;
}

export function priceTarget(i: PriceInput): TargetCost {
  const { cpuHour, gbHour } = i.prices;
  const unpriced: string[] = [];
  const podHour = i.pod.cpu * cpuHour + i.pod.memoryGiB * gbHour;
  const scale = (r: Range, k: number, plus = 0): Range => ({ lo: r.lo * k + plus, mid: r.mid * k + plus, hi: r.hi * k + plus });
  const part = (cores: Range | null, memory: number | null, name: string): Range | null => {
    if (!cores) return null;
    if (memory === null) unpriced.push(`${name} memory`);
    return scale(cores, cpuHour, (memory ?? 0) * gbHour);
  };
  const service = i.replicas ? scale(i.replicas, podHour) : { lo: NaN, mid: NaN, hi: NaN };
  const postgres = part(i.postgresCores, i.postgresMemoryGiB, 'PostgreSQL');
  const redis = part(i.redisCores, i.redisMemoryGiB, 'Redis');
  const sum = (k: keyof Range) => service[k] + (postgres?.[k] ?? 0) + (redis?.[k] ?? 0);
  const meets = !!i.replicas && Number.isFinite(i.replicas.mid);
  return { targetTps: i.targetTps, total: { lo: sum('lo'), mid: sum('mid'), hi: sum('hi') }, service, postgres, redis, meets, basis: i.basis, unpriced };
}

/** For each target, the profile with the lowest middle cost among those that meet it and are fully priced (an unpriced memory would look free). */
export function cheapestProfiles(profiles: Array<{ profile: string; costs: TargetCost[] }>): Cheapest[] {
  const targets = [...new Set(profiles.flatMap((p) => p.costs.map((c) => c.targetTps)))].sort((a, b) => a - b);
  return targets.map((targetTps) => {
    const meeting = profiles
      .map((p) => ({ profile: p.profile, cost: p.costs.find((c) => c.targetTps === targetTps) }))
      .filter((p): p is { profile: string; cost: TargetCost } => !!p.cost?.meets && !p.cost.unpriced.length && Number.isFinite(p.cost.total.mid));
    if (!meeting.length) return { targetTps, profile: null, total: null, basis: null };
    const best = meeting.reduce((a, b) => (b.cost.total.mid < a.cost.total.mid ? b : a));
    return { targetTps, profile: best.profile, total: best.cost.total, basis: best.cost.basis };
  });
}

/** Both prices or neither; a price is a number ≥ 0. */
export function pricesFrom(cpuHour?: string, gbHour?: string): Prices | null {
  const given = [cpuHour, gbHour].filter((v) => v !== undefined && v !== '');
  if (given.length === 0) return null;
  if (given.length === 1) throw new Error('give both PRICE_CPU_HOUR and PRICE_GB_HOUR (e.g. 0.04 and 0.005), or neither');
  const [c, g] = [Number(cpuHour), Number(gbHour)];
  if (!(c >= 0) || !(g >= 0)) throw new Error(`PRICE_CPU_HOUR and PRICE_GB_HOUR must be numbers ≥ 0, not '${cpuHour}' and '${gbHour}'`);
  return { cpuHour: c, gbHour: g };
}

/** A Kubernetes memory quantity (512Mi, 2Gi, 1G, 536870912) in GiB; null when absent or unreadable. */
export function memoryGiB(quantity: string | undefined): number | null {
  if (quantity === undefined) return null;
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|)$/.exec(quantity.trim());
  if (!m) return null;
  const factor: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, '': 1 };
  const v = (Number(m[1]) * factor[m[2]]) / 2 ** 30;
  return Number.isFinite(v) ? v : null;
}
