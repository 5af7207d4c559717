// Renders a TestRun (YAML on stdin) as the runner Jobs k6-operator would create, for clusters
// where the operator's manager is not installed (it cannot be built here: the Go module proxy
// refuses github.com/grafana/k6-operator). Same image, env, resources, script ConfigMap mount,
// execution segments and tags as the operator's runners; no --paused, so no starter is needed.
// Prints a kubectl-applicable List (JSON) on stdout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml');

const testRun = yaml.load(readFileSync(0, 'utf8'));
const { name, namespace } = testRun.metadata;
const spec = testRun.spec;
const n = Number(spec.parallelism);
const runner = spec.runner ?? {};
const file = spec.script.configMap.file;
const args = Array.isArray(spec.args) && spec.args.length ? spec.args : (spec.arguments ?? '').split(/\s+/).filter(Boolean);
const sequence = ['0', ...Array.from({ length: n }, (_, i) => (i + 1 === n ? '1' : `${i + 1}/${n}`))].join(',');
const segment = (i) => `${i === 1 ? '0' : `${i - 1}/${n}`}:${i === n ? '1' : `${i}/${n}`}`;

const jobs = Array.from({ length: n }, (_, k) => {
  const i = k + 1;
  const labels = { app: 'k6', k6_cr: name, runner: 'true', 'headroom/runner-mode': 'job' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${name}-${i}`, namespace, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: runner.securityContext,
          containers: [{
            name: 'k6',
            image: runner.image,
            imagePullPolicy: runner.imagePullPolicy,
            command: ['k6', 'run', '--quiet',
              ...(n > 1 ? [`--execution-segment=${segment(i)}`, `--execution-segment-sequence=${sequence}`] : []),
              ...args, `/test/${file}`, '--tag', `instance_id=${i}`, '--tag', `testrun_name=${name}`],
            env: runner.env,
            resources: runner.resources,
            securityContext: runner.containerSecurityContext,
            volumeMounts: [{ name: 'k6-test-volume', mountPath: '/test' }],
          }],
          volumes: [{ name: 'k6-test-volume', configMap: { name: spec.script.configMap.name } }],
        },
      },
    },
  };
});

process.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: jobs }, null, 2));
