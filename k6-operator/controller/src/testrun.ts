/**
 * The part of a k6-operator TestRun (k6.io/v1alpha1, CRD in ../install/crd) this controller reads,
 * as a zod schema: what is not here (cloud tokens, PrivateLoadZones, volume-claim scripts) is
 * refused with a message rather than ignored. Pod-level fields pass through to the pods as they are.
 */
import { z } from 'zod';

export const GROUP = 'k6.io';
export const VERSION = 'v1alpha1';
export const PLURAL = 'testruns';
export const KIND = 'TestRun';
/** Where `make loadtest` and the experiments run their TestRuns (and k6 runner pods). */
export const NAMESPACE = 'loadtest';

/** Where the combined result is kept: an annotation on the TestRun itself (README: why). */
export const RESULT_ANNOTATION = 'headroom/result';
/** The verdict's condition type in .status.conditions. */
export const VERDICT_CONDITION = 'ThresholdsPassed';

export const STAGES = ['initialization', 'initialized', 'created', 'started', 'stopped', 'finished', 'error'] as const;
export type Stage = (typeof STAGES)[number];

const loose = z.record(z.string(), z.unknown());
const envVar = z.object({ name: z.string(), value: z.string().optional(), valueFrom: loose.optional() });

/** One pod's settings: the runner's, the initializer's and the starter's share this shape. */
const podSpec = z.object({
  image: z.string().optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  imagePullSecrets: z.array(loose).optional(),
  env: z.array(envVar).optional(),
  envFrom: z.array(loose).optional(),
  resources: loose.optional(),
  securityContext: loose.optional(),
  containerSecurityContext: loose.optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  tolerations: z.array(loose).optional(),
  affinity: loose.optional(),
  serviceAccountName: z.string().optional(),
  automountServiceAccountToken: z.string().optional(),
  priorityClassName: z.string().optional(),
  metadata: z.object({ labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).optional(),
}).passthrough();
export type PodSettings = z.infer<typeof podSpec>;

export const testRunSpec = z.object({
  parallelism: z.number().int().min(1),
  script: z.object({
    configMap: z.object({ name: z.string().min(1), file: z.string().min(1) }).optional(),
    volumeClaim: loose.optional(),
    localFile: z.string().optional(),
  }),
  arguments: z.string().optional(),
  args: z.array(z.string()).optional(),
  paused: z.string().optional(),
  quiet: z.string().optional(),
  separate: z.boolean().optional(),
  cleanup: z.literal('post').optional(),
  token: z.string().optional(),
  runner: podSpec.optional(),
  initializer: podSpec.optional(),
  starter: podSpec.optional(),
}).passthrough();
export type TestRunSpec = z.infer<typeof testRunSpec>;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface TestRun {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    /** set once deletion started (a string in custom objects' JSON; only its presence matters) */
    deletionTimestamp?: Date;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: unknown;
  status?: { stage?: Stage; conditions?: Condition[]; testRunId?: string };
}

/** The spec, checked; or why this controller cannot run it (the TestRun then ends in `error`). */
export function parseSpec(spec: unknown): { spec: TestRunSpec } | { error: string } {
  const parsed = testRunSpec.safeParse(spec);
  if (!parsed.success) return { error: `invalid spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const s = parsed.data;
  if (!s.script.configMap) return { error: 'only spec.script.configMap is supported by the headroom controller (not volumeClaim or localFile)' };
  if (s.token) return { error: 'spec.token (Grafana Cloud k6) is not supported by the headroom controller: use the upstream k6-operator' };
  if (s.separate) return { error: 'spec.separate (one node per runner) is not supported by the headroom controller' };
  return { spec: s };
}

/** k6's arguments: `args` when given, else `arguments` split on whitespace (as k6-operator does). */
export function k6Arguments(spec: TestRunSpec): string[] {
  if (spec.args?.length) return spec.args;
  return (spec.arguments ?? '').split(/\s+/).filter(Boolean);
}

/** The value of `--tag testid=X` in the arguments: it labels the run's series in Prometheus. */
export function testIdOf(spec: TestRunSpec): string | undefined {
  const args = k6Arguments(spec);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const tag = a === '--tag' ? args[i + 1] : a.startsWith('--tag=') ? a.slice(6) : undefined;
    if (tag?.startsWith('testid=')) return tag.slice('testid='.length);
  }
  return undefined;
}
