/**
 * The objects a TestRun becomes, as k6-operator makes them (names, labels, commands), so tools
 * written for the operator find them here too:
 *   <name>-initializer        Job: `k6 archive` + `k6 inspect --execution-requirements`
 *   <name>-1..N               Jobs: `k6 run --paused` with execution segment i of N, port 6565
 *   <name>-service-1..N       Services in front of each runner's REST API (the starter's target)
 *   <name>-starter            Job: PATCH /v1/status {paused: false} on every runner at once
 * Every object is owned by the TestRun (a controller owner reference), so deleting the TestRun
 * deletes them and their pods.
 */
import type { V1Container, V1Job, V1OwnerReference, V1Service } from '@kubernetes/client-node';
import { segmentArgs } from './segments.js';
import { GROUP, k6Arguments, KIND, VERSION, type PodSettings, type TestRun, type TestRunSpec } from './testrun.js';

export const RUNNER_PORT = 6565;
const SCRIPT_DIR = '/test';
const DEFAULT_K6_IMAGE = 'grafana/k6:latest';
const DEFAULT_STARTER_IMAGE = 'ghcr.io/grafana/k6-operator:latest-starter';
/** What the starter sends each runner: k6's REST API, JSON:API style. */
export const RESUME_BODY = JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } });

export const initializerName = (tr: TestRun) => `${tr.metadata.name}-initializer`;
export const runnerName = (tr: TestRun, i: number) => `${tr.metadata.name}-${i}`;
export const serviceName = (tr: TestRun, i: number) => `${tr.metadata.name}-service-${i}`;
export const starterName = (tr: TestRun) => `${tr.metadata.name}-starter`;
export const runnerUrl = (tr: TestRun, i: number) => `http://${serviceName(tr, i)}.${tr.metadata.namespace}.svc:${RUNNER_PORT}`;

/** The labels every object of a TestRun carries (k6-operator's), to find and clean them up. */
export function labelsOf(tr: TestRun, role: 'initializer' | 'runner' | 'starter'): Record<string, string> {
  return {
    app: 'k6',
    k6_cr: tr.metadata.name,
    ...(role === 'runner' ? { runner: 'true' } : { [role]: 'true' }),
    'app.kubernetes.io/managed-by': 'headroom-k6-controller',
  };
}
export const selectorOf = (tr: TestRun) => `app=k6,k6_cr=${tr.metadata.name}`;

function ownerOf(tr: TestRun): V1OwnerReference {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: KIND, name: tr.metadata.name, uid: tr.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function job(tr: TestRun, name: string, role: 'initializer' | 'runner' | 'starter', pod: PodSettings, container: V1Container,
  extra: { volumes?: boolean; podLabels?: Record<string, string> } = {}): V1Job {
  const labels = { ...pod.metadata?.labels, ...labelsOf(tr, role) };
  const spec = specOf(tr);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: tr.metadata.namespace, labels, ownerReferences: [ownerOf(tr)] },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...labels, ...extra.podLabels }, annotations: pod.metadata?.annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: pod.automountServiceAccountToken === 'true',
          serviceAccountName: pod.serviceAccountName,
          securityContext: pod.securityContext,
          nodeSelector: pod.nodeSelector,
          tolerations: pod.tolerations as never,
          affinity: pod.affinity as never,
          priorityClassName: pod.priorityClassName,
          imagePullSecrets: pod.imagePullSecrets as never,
          containers: [{
            imagePullPolicy: pod.imagePullPolicy,
            env: pod.env,
            envFrom: pod.envFrom,
            resources: pod.resources,
            securityContext: pod.containerSecurityContext,
            ...container,
            ...(extra.volumes ? { volumeMounts: [{ name: 'k6-test-volume', mountPath: SCRIPT_DIR }] } : {}),
          }],
          ...(extra.volumes ? { volumes: [{ name: 'k6-test-volume', configMap: { name: spec.script.configMap!.name } }] } : {}),
        },
      },
    },
  };
}

const specOf = (tr: TestRun) => tr.spec as TestRunSpec;
const scriptPath = (spec: TestRunSpec) => `${SCRIPT_DIR}/${spec.script.configMap!.file}`;
/** sh -c quoting: each word in single quotes. */
const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;

/** k6 archive takes the script options but no outputs: drop `-o/--out X` for it. */
function withoutOutputs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-o' || args[i] === '--out') i++;
    else if (!/^(-o|--out)=/.test(args[i])) out.push(args[i]);
  }
  return out;
}

/** Marks where `k6 inspect`'s JSON starts in the initializer's log (archive's errors come before it). */
export const INSPECT_MARKER = 'HEADROOM_INSPECT';

export function initializerJob(tr: TestRun): V1Job {
  const spec = specOf(tr);
  const pod = spec.initializer ?? spec.runner ?? {};
  const archive = `/tmp/${spec.script.configMap!.file.replace(/[^\w.-]/g, '_')}.archived.tar`;
  const archiveArgs = [scriptPath(spec), '-O', archive, ...withoutOutputs(k6Arguments(spec))].map(quote).join(' ');
  // --include-system-env-vars: the TestRun's env (SCALE...) sets the VUs and duration, as for the runners.
  const command = `k6 archive --include-system-env-vars ${archiveArgs} && echo ${INSPECT_MARKER} && k6 inspect --execution-requirements --log-output=none ${quote(archive)}`;
  return job(tr, initializerName(tr), 'initializer', pod, { name: 'k6', image: pod.image ?? DEFAULT_K6_IMAGE, command: ['sh', '-c', command] }, { volumes: true });
}

export function runnerJob(tr: TestRun, i: number): V1Job {
  const spec = specOf(tr);
  const pod = spec.runner ?? {};
  const command = ['k6', 'run',
    ...(spec.quiet === 'false' ? [] : ['--quiet']),
    ...segmentArgs(i, spec.parallelism),
    ...k6Arguments(spec),
    scriptPath(spec),
    `--address=0.0.0.0:${RUNNER_PORT}`,
    ...(isPaused(spec) ? ['--paused'] : []),
    '--tag', `instance_id=${i}`, '--tag', `testrun_name=${tr.metadata.name}`];
  return job(tr, runnerName(tr, i), 'runner', pod, { name: 'k6', image: pod.image ?? DEFAULT_K6_IMAGE, command, ports: [{ containerPort: RUNNER_PORT }] },
    { volumes: true, podLabels: { 'runner-index': String(i) } });
}

export function runnerService(tr: TestRun, i: number): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName(tr, i), namespace: tr.metadata.namespace, labels: labelsOf(tr, 'runner'), ownerReferences: [ownerOf(tr)] },
    spec: { selector: { ...labelsOf(tr, 'runner'), 'runner-index': String(i) }, ports: [{ port: RUNNER_PORT, targetPort: RUNNER_PORT }] },
  };
}

/** Runners start paused unless `paused: "false"`; only then is a starter needed. */
export const isPaused = (spec: TestRunSpec) => spec.paused !== 'false';

export function starterJob(tr: TestRun): V1Job {
  const spec = specOf(tr);
  const pod = spec.starter ?? {};
  const calls = Array.from({ length: spec.parallelism }, (_, k) =>
    `curl -sS --fail --retry 3 -X PATCH -H 'Content-Type: application/json' ${runnerUrl(tr, k + 1)}/v1/status -d ${quote(RESUME_BODY)}`);
  // One after the other in one shell: a few milliseconds apart, like the operator's starter.
  return job(tr, starterName(tr), 'starter', pod, { name: 'starter', image: pod.image ?? DEFAULT_STARTER_IMAGE, command: ['sh', '-c', calls.join(' && ')] });
}
