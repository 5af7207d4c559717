/**
 * A results directory, read back: the run's inputs (run.json) and whatever phases it recorded.
 *
 *   loadRun(dir: string): RunData
 *   RunInfoSchema (zod) / RunInfo            run.json: what was measured, where, with what, by which command
 *   STEP_MIXES                               the steps' request mixes (saturation.js MIX)
 *   resourceLimits(resourcesJson): { cpu, memory }   the service container's limits as run.json records them
 *
 * Files of experiments/results/<run-id>/ (all but run.json optional; the report says which were absent):
 *   run.json          RunInfo
 *   saturation.json   StepResult[]           stepped-rate saturation on one replica (also in scaling.json)
 *   scaling.json      ScalingPoint[]         throughput at fixed replica counts, 1 included, with each search's steps
 *   loadtests.json    LoadTestRow[]          k6 end-of-test summaries, the reports' own table
 *   prospective.json  Prospective            the plan's N and N − 1 at a target above anything measured
 *   samples.csv       Sample rows            the recorder
 *   events.jsonl      RunEvent lines         the recorder and the controller's marks
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { StepResult } from '../analysis/knee.js';
import type { RunEvent, Sample } from '../model.js';
import { cpuCores } from '../record/changes.js';
import { readEventsJsonl, readSamplesCsv } from '../record/files.js';

/** the steps' request mixes (k6-operator/scripts/saturation.js MIX) */
export const STEP_MIXES = ['sale', 'points'] as const;

export const RunInfoSchema = z.object({
  runId: z.string().min(1),
  /** the exact command line that made the run */
  command: z.string().min(1),
  createdAt: z.string(),
  profile: z.string().min(1),
  scenario: z.string().min(1),
  /** the steps' request mix (saturation.js MIX); runs before it existed used 'sale' */
  mix: z.enum(STEP_MIXES).default('sale'),
  node: z.object({
    cpus: z.number().positive(),
    memoryGiB: z.number().positive(),
    description: z.string().optional(),
  }),
  /** what else ran on the node: the figures are only as clean as this list is short */
  sharedWith: z.array(z.string()),
  versions: z.record(z.string(), z.string()),
  slo: z.object({ p95Ms: z.number().positive(), maxErrorRate: z.number().min(0).max(1), minAchievedRatio: z.number().min(0).max(1) }).optional(),
  targets: z.array(z.number().positive()).optional(),
  headroom: z.number().min(0).lt(1).optional(),
  /** the shared parts as deployed (analysis/demand.ts SystemLimits) */
  system: z.object({
    postgresLimitCores: z.number().positive().nullable(), redisLimitCores: z.number().positive().nullable(),
    workersPerPod: z.number().int().positive(), dbPoolPerWorker: z.number().int().positive(), maxConnections: z.number().int().positive(),
    postgresMemoryGiB: z.number().positive().nullable().optional(), redisMemoryGiB: z.number().positive().nullable().optional(),
  }).optional(),
  /** PRICE_CPU_HOUR and PRICE_GB_HOUR given to make experiment: the plan is then priced */
  prices: z.object({ cpuHour: z.number().nonnegative(), gbHour: z.number().nonnegative() }).optional(),
  /** which replica counts were measured and why (analysis/capacity.ts chooseCounts) */
  countsNote: z.string().optional(),
});
export type RunInfo = z.infer<typeof RunInfoSchema>;

const NodeShareSchema = z.object({
  serviceCores: z.number(), postgresCores: z.number(), redisCores: z.number(), loadgenCores: z.number(),
  restCores: z.number(), usedCores: z.number(), capacityCores: z.number(), serviceLimitCores: z.number(),
});
const StepSchema = z.object({
  offeredRps: z.number(), achievedRps: z.number(), p95Ms: z.number(), errorRate: z.number(), droppedIterations: z.number(),
  node: NodeShareSchema.optional(),
  restarts: z.number().int().min(0).optional(),
  server: z.object({
    dbConnectionsMax: z.number().nullable(), errorsByStatus: z.record(z.string(), z.number()), unavailableByKind: z.record(z.string(), z.number()).optional(),
  }).optional(),
});
/**
 * One replica count's search. Capacity lies in [lo, hi): lo the least achieved at the knee rate,
 * hi the lowest failing rate. `censored` other than 'none' means it is a bound, not a value: such a
 * point is shown but never fitted. Runs before the search kept its steps have throughputRps only.
 */
const ScalingSchema = z.object({
  replicas: z.number().int().positive(),
  /** median achieved at the knee rate; 0 when nothing passed */
  throughputRps: z.number().min(0),
  lo: z.number().min(0).optional(),
  hi: z.number().positive().nullable().optional(),
  censored: z.enum(['none', 'lower-bound', 'no-pass']).optional(),
  repeats: z.array(z.number()).optional(),
  nodeBound: z.boolean().optional(),
  steps: z.array(StepSchema).optional(),
  p95Ms: z.number().optional(),
  errorRate: z.number().optional(),
});
const LoadTestSchema = z.object({
  name: z.string(),
  profile: z.string(),
  requests: z.number(),
  meanMs: z.number(),
  p90Ms: z.number(),
  p95Ms: z.number(),
  rps: z.number(),
  /** share of requests under the SLO latency, 0..1 */
  shareUnderSlo: z.number().min(0).max(1).nullable(),
  failures: z.number(),
});
/** The prospective check (analysis/capacity.ts): the plan's N and N − 1 at a target above anything measured. */
const ProspectiveSchema = z.object({
  targetTps: z.number().positive(),
  bestMeasuredRps: z.number().positive(),
  factor: z.number().positive(),
  /** the plan's N without headroom; null when the curve never reaches the target */
  replicas: z.number().int().positive().nullable(),
  runs: z.array(z.object({
    replicas: z.number().int().positive(),
    ran: z.boolean(),
    note: z.string().optional(),
    observedRps: z.number().min(0).optional(),
    p95Ms: z.number().optional(),
    errorRate: z.number().min(0).max(1).optional(),
    metSlo: z.boolean().optional(),
    nodeBound: z.boolean().optional(),
  })),
});
export type ScalingPoint = z.infer<typeof ScalingSchema>;
export type Prospective = z.infer<typeof ProspectiveSchema>;
export type LoadTestRow = z.infer<typeof LoadTestSchema>;

export interface RunData {
  dir: string;
  info: RunInfo;
  saturation: StepResult[] | null;
  scaling: ScalingPoint[] | null;
  loadTests: LoadTestRow[] | null;
  prospective: Prospective | null;
  samples: Sample[] | null;
  events: RunEvent[] | null;
}

export function loadRun(dir: string): RunData {
  const info = parseJson(join(dir, 'run.json'), RunInfoSchema);
  if (!info) throw new Error(`${dir}: no run.json — not a results directory`);
  return {
    dir,
    info,
    saturation: parseJson(join(dir, 'saturation.json'), z.array(StepSchema)),
    scaling: parseJson(join(dir, 'scaling.json'), z.array(ScalingSchema)),
    loadTests: parseJson(join(dir, 'loadtests.json'), z.array(LoadTestSchema)),
    prospective: parseJson(join(dir, 'prospective.json'), ProspectiveSchema),
    samples: existsSync(join(dir, 'samples.csv')) ? readSamplesCsv(join(dir, 'samples.csv')) : null,
    events: existsSync(join(dir, 'events.jsonl')) ? readEventsJsonl(join(dir, 'events.jsonl')) : null,
  };
}

function parseJson<T>(path: string, schema: z.ZodType<T>): T | null {
  if (!existsSync(path)) return null;
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${path}: ${issues}`);
  }
  return parsed.data;
}

/** CPU in cores and memory as written, from the container's resources JSON in run.json. */
export function resourceLimits(resourcesJson: string | undefined): { cpu: number | null; memory: string | null } {
  let limits: { cpu?: string; memory?: string } = {};
  try {
    limits = (JSON.parse(resourcesJson ?? '{}') as { limits?: typeof limits }).limits ?? {};
  } catch {
    return { cpu: null, memory: null };
  }
  const cpu = cpuCores(limits.cpu);
  return { cpu: cpu !== null && Number.isFinite(cpu) && cpu > 0 ? cpu : null, memory: limits.memory ?? null };
}
