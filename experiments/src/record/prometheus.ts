/**
 * A small Prometheus HTTP API client (`/api/v1/query`), reaching
 * Prometheus directly or through the Kubernetes API server's service proxy.
 *
 *   new PrometheusClient(transport: PromTransport, timeoutMs?: number)
 *     .query(promql, time?: Date): Promise<PromVector>
 *     .scalar(promql, time?: Date): Promise<number | null>     first value, null when empty or NaN
 *     .samples(selector, rangeS, time: Date): Promise<PromMatrix>   raw samples before `time`
 *   directTransport(baseUrl: string): PromTransport            e.g. http://127.0.0.1:9090/
 *   kubeProxyTransport(kc: KubeConfig, target: ServiceRef): PromTransport
 *   prometheusTransport(spec: string, kc?: KubeConfig): PromTransport
 *     spec `http(s)://...` is direct; `kube://<namespace>/<service>:<port>` goes through
 *     /api/v1/namespaces/<ns>/services/<service>:<port>/proxy/ with the kubeconfig's credentials
 *     (the host may not route to the service network; the API server always does).
 *   DEFAULT_PROMETHEUS = 'kube://monitoring/prometheus:9090'
 */

import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export const DEFAULT_PROMETHEUS = 'kube://monitoring/prometheus:9090';

export interface PromTransport {
  /** GET `path` (relative to the Prometheus root, e.g. `api/v1/query?query=up`) */
  get(path: string, timeoutMs: number): Promise<{ status: number; body: string }>;
  /** where requests go, for messages */
  describe(): string;
}

export type PromVector = Array<{ metric: Record<string, string>; value: [number, number] }>;
export type PromMatrix = Array<{ metric: Record<string, string>; values: Array<[number, number]> }>;

export class PrometheusError extends Error {
  constructor(message: string, readonly status: number | null, readonly errorType?: string) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** Prometheus's HTTP API envelope (https://prometheus.io/docs/prometheus/latest/querying/api/). */
interface ApiBody {
  status: 'success' | 'error';
  data: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
  message?: string;
}

export class PrometheusClient {
  constructor(readonly transport: PromTransport, readonly timeoutMs = 10_000) {}

  async query(promql: string, time?: Date): Promise<PromVector> {
    const params = new URLSearchParams({ query: promql });
    if (time) params.set('time', String(time.getTime() / 1000));
    const data = await this.call(`api/v1/query?${params}`);
    if (data.resultType === 'scalar') return [{ metric: {}, value: toPoint(data.result as [number, string]) }];
    if (data.resultType !== 'vector') throw new PrometheusError(`expected a vector from ${promql}, got ${data.resultType}`, null);
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ metric: r.metric, value: toPoint(r.value) }));
  }

  /** The raw samples of `selector` over the `rangeS` seconds before `time` (a range-vector query). */
  async samples(selector: string, rangeS: number, time: Date): Promise<PromMatrix> {
    const params = new URLSearchParams({ query: `${selector}[${Math.ceil(rangeS)}s]`, time: String(time.getTime() / 1000) });
    const data = await this.call(`api/v1/query?${params}`);
    if (data.resultType !== 'matrix') throw new PrometheusError(`expected a matrix from ${selector}, got ${data.resultType}`, null);
    return (data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map((r) => ({ metric: r.metric, values: r.values.map(toPoint) }));
  }

  async scalar(promql: string, time?: Date): Promise<number | null> {
    const v = await this.query(promql, time);
    if (!v.length) return null;
    const x = v[0].value[1];
    return Number.isFinite(x) ? x : null;
  }

  /** `result`'s shape follows `resultType` (the callers check it before reading). */
  private async call(path: string): Promise<{ resultType: string; result: unknown }> {
    const res = await this.transport.get(path, this.timeoutMs);
    let body: ApiBody;
    try {
      body = JSON.parse(res.body) as ApiBody;
    } catch {
      throw new PrometheusError(`${this.transport.describe()}: HTTP ${res.status}, not JSON: ${res.body.slice(0, 200)}`, res.status);
    }
    if (body.status !== 'success') {
      throw new PrometheusError(`${this.transport.describe()}: ${body.errorType ?? 'error'}: ${body.error ?? body.message ?? res.body.slice(0, 200)}`, res.status, body.errorType);
    }
    return body.data;
  }
}

function toPoint([t, v]: [number, string]): [number, number] {
  return [t, Number(v)];
}

export function directTransport(baseUrl: string): PromTransport {
  const root = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    describe: () => root,
    async get(path, timeoutMs) {
      const res = await fetch(new URL(path, root), { signal: AbortSignal.timeout(timeoutMs) });
      return { status: res.status, body: await res.text() };
    },
  };
}

export interface ServiceRef {
  namespace: string;
  service: string;
  port: number | string;
}

export function kubeProxyTransport(kc: KubeConfig, target: ServiceRef): PromTransport {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeProxyTransport: the kubeconfig has no current cluster');
  const root = `${cluster.server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services/${encodeURIComponent(target.service)}:${target.port}/proxy/`;
  return {
    describe: () => root,
    async get(path, timeoutMs) {
      // applyToHTTPSOptions sets the CA, client certificate, bearer token (also from exec plugins)
      // and an agent for the cluster: the same credentials the typed API clients use.
      const opts: https.RequestOptions = { method: 'GET', timeout: timeoutMs };
      await kc.applyToHTTPSOptions(opts);
      const url = new URL(path, root);
      const mod = url.protocol === 'http:' ? http : https;
      return new Promise((resolve, reject) => {
        const req = mod.request(url, opts, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms: ${url}`)));
        req.on('error', reject);
        req.end();
      });
    },
  };
}

export function prometheusTransport(spec: string, kc?: KubeConfig): PromTransport {
  if (/^https?:\/\//.test(spec)) return directTransport(spec);
  const m = /^kube:\/\/([^/]+)\/([^:/]+):([^/]+)\/?$/.exec(spec);
  if (!m) throw new Error(`prometheus: expected http(s)://host:port/ or kube://<namespace>/<service>:<port>, got ${spec}`);
  if (!kc) throw new Error(`prometheus: ${spec} needs a kubeconfig`);
  return kubeProxyTransport(kc, { namespace: m[1], service: m[2], port: m[3] });
}
