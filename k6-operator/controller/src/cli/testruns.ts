/**
 * Writes k6-operator/testruns/<scenario>.yaml, all from one template, so each stays a whole
 * manifest for `kubectl apply -f` (a kustomize patch alone could not be applied that way) while the
 * shared 45 lines and the k6 image tag (versions.env K6_VERSION) live in one place.
 *   npx tsx k6-operator/controller/src/cli/testruns.ts           write the files
 *   npx tsx k6-operator/controller/src/cli/testruns.ts --check   exit 1 if any file differs (make test)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const TESTRUNS = join(ROOT, 'k6-operator', 'testruns');

/** Each scenario: what its header says, and env entries of its own (the runners' and the
 *  initializer's alike: it sets the VUs and the duration make loadtest waits for). */
export const SCENARIOS: Record<string, { about: string; env?: string[]; scale?: string }> = {
  contention: { about: 'contention: 50 VUs try 50 times each to hold one seat; 10 VUs charge one user 1,000 points each for 5 s.' },
  'decreasing-rate': {
    about: 'decreasing-rate: VUs 600 -> 500 -> 400 -> 300 -> 200 over 10 s, 0.5 s think: the per-server TPS method.',
    env: ['# vus (report 003) or arrival (2 s arrival-rate steps); token, status, concerts or schedules',
      '{name: SHAPE, value: vus}', '{name: ENDPOINT, value: token}'],
  },
  'full-journey': { about: 'full-journey: VUs ramp to 5,000 over 5 m; each waits for activation, lists seats, holds one, pays, thinks 5-10 s.' },
  'hot-and-cold': { about: 'hot-and-cold: concert B gets 1,000 concurrent seat lookups while concert A gets a trickle.' },
  load: { about: "load: 100 VUs look up seats for 1 m, then 100 VUs issue tokens for 1 m, no think time (report 004)." },
  'normal-plus-spike': {
    about: 'normal-plus-spike: 50 VUs browse for 1 m plus a 0 -> 400 VU spike from 10 s (10 s up, 30 s, 10 s down).',
    env: ['{name: P95_MS, value: "500"}', '# browse (what make experiment replays) or token (report 000 as it ran)', '{name: FLOW, value: browse}'],
  },
  peak: { about: 'peak: 1,000 VUs look up seats for 30 s, then 1,000 VUs issue tokens for 30 s (report 004).' },
  'queue-staged': {
    about: 'queue-staged: 1,000 -> 2,000 -> 5,000 VUs over 5 m issue queue tokens for users 1..100,000, 1 s think time.\n' +
      'SCALE 0.008: its 800 users fit the small seed (SEED=large allows up to 1).',
    scale: '0.008',
  },
  saturation: {
    about: "saturation: the experiments' stepped arrival rate (RATES, STEP_SECONDS) against one replica; the\n" +
      'experiment controller sets both and reads per-step figures from Prometheus.',
    env: ['{name: RATES, value: "50,100,200"}', '{name: STEP_SECONDS, value: "30"}', '{name: MIX, value: "sale"}'],
  },
  'seats-rate': { about: 'seats-rate: seat lookups of one date arrive at a constant 50/s for 5 s (report 001).' },
  soak: {
    about: 'soak: 50 VUs look up seats, then 50 VUs issue tokens, each for SOAK_DURATION (default 3m, at most 4h).',
    env: ['# How long each hold lasts (at most 4h): make loadtest SCENARIO=soak K6_ENV=SOAK_DURATION=2h', '{name: SOAK_DURATION, value: "3m"}'],
  },
  'status-polling': {
    about: 'status-polling: 10,000 queue tokens polled by up to 5,000 VUs, 1.5 s think time.\n' +
      'SCALE 0.08: its 800 tokens fit the small seed (SEED=large allows up to 1).',
    scale: '0.08',
  },
  stress: { about: 'stress: 200 VUs look up seats for 5 m, then 300 VUs issue tokens for 5 m (report 004).' },
  'token-burst': { about: 'token-burst: 3,000 VUs each issue a queue token at once (10 s at most); every token must survive.' },
  'token-steady': { about: 'token-steady: 100 VUs issue queue tokens for random users 1..3,000 for 30 s, 1 s think time.' },
};

/** K6_VERSION and K6_STARTER_IMAGE_TAG: versions.env and k6-operator.mk are where they are pinned. */
function pinned(name: string): string {
  for (const file of [join(ROOT, 'versions.env'), join(ROOT, 'k6-operator', 'k6-operator.mk')]) {
    const m = new RegExp(`^${name}\\s*\\??=\\s*(\\S+)`, 'm').exec(readFileSync(file, 'utf8'));
    if (m) return m[1];
  }
  throw new Error(`${name} is pinned in neither versions.env nor k6-operator.mk`);
}

export function render(name: string): string {
  const s = SCENARIOS[name];
  const scale = s.scale ?? '0.1';
  const k6 = `localhost/headroom/k6:${pinned('K6_VERSION')}`;
  const starter = `localhost/headroom/k6-starter:${pinned('K6_STARTER_IMAGE_TAG')}`;
  const header = name === 'saturation' ? s.about : `${s.about}
Script: scripts/${name}.js from the ConfigMap headroom-k6-scripts (apply \`kubectl apply -k k6-operator/\`
first). SCALE ${scale} fits a 2-core node; \`make loadtest SCENARIO=${name} SCALE=... PARALLELISM=...\`
sets SCALE, RUNNERS, parallelism and a unique testid, and prints the verdict.`;
  const entries = (xs: string[] = []) => xs.map((e) => `    ${e.startsWith('#') ? e : `- ${e}`}\n`).join('');
  return `${header.split('\n').map((l) => `# ${l}`).join('\n')}
# Generated by k6-operator/controller/src/cli/testruns.ts (make testrun-manifests): edit it there.
apiVersion: k6.io/v1alpha1
kind: TestRun
metadata:
  name: ${name}
  namespace: loadtest
  labels: {app.kubernetes.io/part-of: headroom, headroom/scenario: ${name}}
spec:
  parallelism: 1
  script:
    configMap: {name: headroom-k6-scripts, file: ${name}.js}
  # testid labels every series this run writes to Prometheus; make loadtest makes it unique per run.
  arguments: -o experimental-prometheus-rw --tag testid=${name}
  initializer:
    image: ${k6}
    imagePullPolicy: IfNotPresent
    # The initializer runs \`k6 archive\` and \`k6 inspect --execution-requirements\`: the same env,
    # so it sees the same VUs the runners will.
    env:
    - {name: SCALE, value: "${scale}"}
    - {name: RUNNERS, value: "1"}
    - {name: SEED, value: small}
${entries(s.env?.filter((e) => !e.startsWith('#')))}    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {cpu: 500m, memory: 512Mi}
  starter:
    image: ${starter}
    imagePullPolicy: IfNotPresent
  runner:
    image: ${k6}
    imagePullPolicy: IfNotPresent
    env:
    - {name: BASE_URL, value: "http://booking.booking.svc"}
    - {name: SCALE, value: "${scale}"}
    - {name: RUNNERS, value: "1"}
    - {name: SEED, value: small}
    - {name: TESTID, value: ${name}}
${entries(s.env)}    - {name: K6_PROMETHEUS_RW_SERVER_URL, value: "http://prometheus.monitoring.svc:9090/api/v1/write"}
    # Trends as native histograms: percentiles over several runners can then be merged exactly
    # (Prometheus needs --enable-feature=native-histograms to accept them).
    - {name: K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM, value: "true"}
    - {name: K6_PROMETHEUS_RW_PUSH_INTERVAL, value: 5s}
    resources:
      requests: {cpu: 250m, memory: 256Mi}
      limits: {cpu: "1", memory: 2Gi}
    securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534}
    containerSecurityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: false
      capabilities: {drop: [ALL]}
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const name of Object.keys(SCENARIOS)) {
    const path = join(TESTRUNS, `${name}.yaml`);
    const want = render(name);
    let have = '';
    try {
      have = readFileSync(path, 'utf8');
    } catch { /* missing */ }
    if (have === want) continue;
    if (check) stale.push(path);
    else writeFileSync(path, want);
  }
  if (stale.length) {
    process.stderr.write(`TestRun manifests out of date with their template (k6-operator/controller/src/cli/testruns.ts, versions.env):\n` +
      `${stale.map((p) => `  ${p}`).join('\n')}\nrun 'make testrun-manifests' and commit the result.\n`);
    process.exitCode = 1;
  } else if (check) process.stdout.write(`${Object.keys(SCENARIOS).length} TestRun manifests match their template\n`);
}
