/**
 * What changed between two versions of a watched object, as events for events.jsonl. Pure: the
 * recorder calls these from its informers' add/update/delete handlers with the previous version
 * it saw (undefined on add) and the new one (undefined on delete).
 *
 *   hpaChanges(prev?: V2HorizontalPodAutoscaler, next?: V2HorizontalPodAutoscaler): EventBody[]
 *   podChanges(prev?: V1Pod, next?: V1Pod): EventBody[]
 *   deploymentChanges(prev?: V1Deployment, next?: V1Deployment): EventBody[]
 *   testRunChanges(prev?: TestRun, next?: TestRun): EventBody[]
 *   cpuCores(quantity: string | number | undefined): number | null    "250m" -> 0.25
 */

import type { V1Deployment, V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';

export type EventBody = { kind: string; [field: string]: unknown };

/** The slice of a k6-operator TestRun (k6.io/v1alpha1) the recorder reads. */
export interface TestRun {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { parallelism?: number };
  status?: { stage?: string; testRunId?: string };
}

export function hpaChanges(prev: V2HorizontalPodAutoscaler | undefined, next: V2HorizontalPodAutoscaler | undefined): EventBody[] {
  if (!next) return prev ? [{ kind: 'hpa.deleted', hpa: prev.metadata?.name }] : [];
  const out: EventBody[] = [];
  const from = prev?.status?.desiredReplicas ?? null;
  const to = next.status?.desiredReplicas ?? null;
  if (to !== null && to !== from) {
    out.push({ kind: 'hpa.desired', hpa: next.metadata?.name, from, to, current: next.status?.currentReplicas ?? null, cpuUtilPercent: hpaCpuUtil(next) });
  }
  const before = new Map((prev?.status?.conditions ?? []).map((c) => [c.type, c]));
  for (const c of next.status?.conditions ?? []) {
    const p = before.get(c.type);
    if (!p || p.status !== c.status || p.reason !== c.reason) {
      out.push({ kind: 'hpa.condition', hpa: next.metadata?.name, type: c.type, status: c.status, reason: c.reason ?? null, message: c.message ?? null });
    }
  }
  return out;
}

export function hpaCpuUtil(hpa: V2HorizontalPodAutoscaler | undefined): number | null {
  const m = hpa?.status?.currentMetrics?.find((x) => x.type === 'Resource' && x.resource?.name === 'cpu');
  return m?.resource?.current?.averageUtilization ?? null;
}

export function podReady(pod: V1Pod | undefined): boolean {
  return !!pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podChanges(prev: V1Pod | undefined, next: V1Pod | undefined): EventBody[] {
  const name = next?.metadata?.name ?? prev?.metadata?.name;
  if (!next) return [{ kind: 'pod.deleted', pod: name }];
  const out: EventBody[] = [];
  if (!prev) out.push({ kind: 'pod.added', pod: name, node: next.spec?.nodeName ?? null, phase: next.status?.phase ?? null });
  if (podReady(next) !== podReady(prev) && (prev || podReady(next))) out.push({ kind: podReady(next) ? 'pod.ready' : 'pod.unready', pod: name });
  if (next.metadata?.deletionTimestamp && !prev?.metadata?.deletionTimestamp) out.push({ kind: 'pod.terminating', pod: name });
  const wasTerminated = new Set((prev?.status?.containerStatuses ?? []).filter((c) => c.state?.terminated).map((c) => c.name));
  for (const c of next.status?.containerStatuses ?? []) {
    const term = c.state?.terminated;
    if (term && !wasTerminated.has(c.name)) out.push({ kind: 'pod.terminated', pod: name, container: c.name, reason: term.reason ?? null, exitCode: term.exitCode });
  }
  return out;
}

export function deploymentChanges(prev: V1Deployment | undefined, next: V1Deployment | undefined): EventBody[] {
  if (!next) return prev ? [{ kind: 'deployment.deleted', deployment: prev.metadata?.name }] : [];
  const view = (d: V1Deployment | undefined) => ({
    desired: d?.spec?.replicas ?? null,
    current: d?.status?.replicas ?? 0,
    ready: d?.status?.readyReplicas ?? 0,
    updated: d?.status?.updatedReplicas ?? 0,
  });
  const a = prev ? view(prev) : null;
  const b = view(next);
  if (a && a.desired === b.desired && a.current === b.current && a.ready === b.ready && a.updated === b.updated) return [];
  return [{ kind: 'deployment.replicas', deployment: next.metadata?.name, ...b }];
}

export function testRunChanges(prev: TestRun | undefined, next: TestRun | undefined): EventBody[] {
  if (!next) return prev ? [{ kind: 'testrun.deleted', testRun: prev.metadata?.name, stage: prev.status?.stage ?? null }] : [];
  const from = prev?.status?.stage ?? null;
  const to = next.status?.stage ?? null;
  return from === to && prev ? [] : [{ kind: 'testrun.stage', testRun: next.metadata?.name, from, to }];
}

export function cpuCores(q: string | number | undefined): number | null {
  if (q === undefined) return null;
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|)$/.exec(q.trim());
  if (!m) return null;
  const v = Number(m[1]);
  return m[2] === 'm' ? v / 1000 : v;
}
