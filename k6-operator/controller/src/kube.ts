/** The Kubernetes clients the controller and the run client share, and the API errors they expect. */
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

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
