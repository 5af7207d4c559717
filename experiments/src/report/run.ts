/**
 * A results directory, read back: the run's inputs (run.json) and whatever phases it recorded.
 *
 *   loadRun(dir: string): RunData
 *   RunInfoSchema (zod) / RunInfo            run.json: what was measured, where, with what, by which command
 *
 * Files of experiments/results/<run-id>/ (all but run.json optional; the report says which were absent):
 *   run.json          RunInfo
 *   saturation.json   StepResult[]           stepped-rate saturation on one replica
 *   scaling.json      ScalingPoint[]         throughput at fixed replica counts
 *   loadtests.json    LoadTestRow[]          k6 end-of-test summaries, the reports' own table
 *   validation.json   Validation             a reachable target run at the predicted replica count
 *   samples.csv       Sample rows            the recorder
 *   events.jsonl      RunEvent lines         the recorder and the controller's marks
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { StepResult } from '../analysis/knee.js';
import type { RunEvent, Sample } from '../model.js';
import { readEventsJsonl, readSamplesCsv } from '../record/files.js';

export const RunInfoSchema = z.object({
  runId: z.string().min(1),
  /** the exact command line that made the run */
  command: z.string().min(1),
  createdAt: z.string(),
  profile: z.string().min(1),
  scenario: z.string().min(1),
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
  spikeStartS: z.number().optional(),
  spikeEndS: z.number().optional(),
  /** CPU use at the knee as a share of the request, for the HPA target advice */
  cpuUtilAtKnee: z.number().positive().optional(),
});
export type RunInfo = z.infer<typeof RunInfoSchema>;

const StepSchema = z.object({ offeredRps: z.number(), achievedRps: z.number(), p95Ms: z.number(), errorRate: z.number(), droppedIterations: z.number() });
const ScalingSchema = z.object({ replicas: z.number().int().positive(), throughputRps: z.number().min(0), p95Ms: z.number().optional(), errorRate: z.number().optional() });
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
const ValidationSchema = z.object({
  targetTps: z.number().positive(),
  predictedReplicas: z.number().int().positive(),
  /** how the replica count was predicted, e.g. "linear, 30% headroom" */
  method: z.string(),
  observedRps: z.number().min(0),
  p95Ms: z.number(),
  errorRate: z.number().min(0).max(1),
  metSlo: z.boolean(),
});
export type ScalingPoint = z.infer<typeof ScalingSchema>;
export type Validation = z.infer<typeof ValidationSchema>;
export type LoadTestRow = z.infer<typeof LoadTestSchema>;

export interface RunData {
  dir: string;
  info: RunInfo;
  saturation: StepResult[] | null;
  scaling: ScalingPoint[] | null;
  loadTests: LoadTestRow[] | null;
  validation: Validation | null;
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
    validation: parseJson(join(dir, 'validation.json'), ValidationSchema),
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
