/** The Kubernetes clients the controller and the run client share, and the API errors they expect. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/** CLUSTER=local: the local cluster's kubeconfig in HEADROOM_CACHE; current: kubectl's own (KUBECONFIG, context). */
export function kubeConfigFor(cluster: string): KubeConfig {
  const kc = new KubeConfig();
  if (cluster === 'current') {
    kc.loadFromDefault();
    return kc;
  }
  if (cluster !== 'local') throw new Error(`CLUSTER is local or current, not '${cluster}'`);
  const path = join(process.env.HEADROOM_CACHE ?? join(homedir(), '.cache', 'headroom'), 'cluster', 'kubeconfig');
  if (!existsSync(path)) throw new Error(`no local cluster (${path} missing): run 'make cluster-up', or use CLUSTER=current`);
  kc.loadFromFile(path);
  return kc;
}

export interface Kube {
  kc: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  custom: CustomObjectsApi;
}

export function kubeFrom(kc: KubeConfig): Kube {
  return { kc, core: kc.makeApiClient(CoreV1Api), batch: kc.makeApiClient(BatchV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The HTTP status of a client-node ApiException, if that is what was thrown. */
export const statusOf = (err: unknown): number | undefined => (err as { code?: number }).code;
export const isNotFound = (err: unknown) => statusOf(err) === 404;
export const isConflict = (err: unknown) => statusOf(err) === 409;

/** Creates, treating "already exists" as done: reconciling twice must not fail. */
export async function createIfAbsent(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

/** A short message of an API error, for logs and conditions. */
export function errorText(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  let body = typeof e.body === 'string' ? e.body : '';
  try {
    body = (JSON.parse(body) as { message?: string }).message ?? body;
  } catch { /* not JSON */ }
  return e.code ? `HTTP ${e.code}: ${body || e.message}` : String(e.message ?? err);
}
