#!/usr/bin/env bash
# make replay: the reports' scenarios one after another on the local cluster, against the release
# in namespace booking (deploy it first, e.g. make deploy PROFILE=1cpu-1g HELM_ARGS="--set
# seed.enabled=true --set autoscaling.enabled=false"), each through make loadtest; then one
# markdown table: scenario, SCALE, requests, req/s, p95, verdict, failed thresholds.
# Usage: replay.sh [scenario[:SCALE[:K6_ENV]]...]  (default: every report scenario at its TestRun's SCALE)
# Results (HEADROOM_RESULT lines and logs) are kept in $REPLAY_DIR (default a new temp dir).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${REPLAY_DIR:-$(mktemp -d)}"
mkdir -p "$out"
specs=("$@")
((${#specs[@]})) || specs=(decreasing-rate token-burst seats-rate token-steady normal-plus-spike:0.1:FLOW=token
  load peak "soak:0.1:SOAK_DURATION=1m" queue-staged status-polling contention full-journey stress)
scale_of() { sed -n 's/^    - {name: SCALE, value: "\([^"]*\)"}$/\1/p' "$root/k6-operator/testruns/$1.yaml" | head -1; }
for spec in "${specs[@]}"; do
  IFS=: read -r name scale k6env <<<"$spec"
  scale="${scale:-$(scale_of "$name")}"
  tag="$name${k6env:+-${k6env//[^A-Za-z0-9]/_}}"
  printf '[%s] %s SCALE=%s %s\n' "$(date +%H:%M:%S)" "$name" "$scale" "$k6env"
  rc=0
  SCENARIO="$name" SCALE="$scale" K6_ENV="$k6env" npx --no-install tsx "$root/k6-operator/controller/src/cli/loadtest.ts" >"$out/$tag.log" 2>&1 || rc=$?
  sed -n 's/^HEADROOM_RESULT //p' "$out/$tag.log" | tail -1 >"$out/$tag.json"
  [[ -s $out/$tag.json ]] || { echo "{\"scenario\":\"$name\",\"error\":\"exit $rc: $(tail -1 "$out/$tag.log" | tr -d '"\\')\"}" >"$out/$tag.json"; }
  echo "$name:$scale:$k6env" >"$out/$tag.spec"
done
node - "$out" <<'JS'
const fs = require('fs'), path = require('path');
const dir = process.argv[2];
const f = (v, d = 1) => (v === null || v === undefined ? '-' : Number(v).toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d }));
console.log('\n| scenario | SCALE | requests | req/s | p95 ms | verdict | failed thresholds |\n|---|--:|--:|--:|--:|---|---|');
for (const spec of fs.readdirSync(dir).filter((x) => x.endsWith('.spec')).sort()) {
  const tag = spec.replace(/\.spec$/, '');
  const [name, scale, env] = fs.readFileSync(path.join(dir, spec), 'utf8').trim().split(':');
  const r = JSON.parse(fs.readFileSync(path.join(dir, `${tag}.json`), 'utf8'));
  if (r.error) { console.log(`| ${name}${env ? ` (${env})` : ''} | ${scale ?? ''} | - | - | - | could not run | ${r.error} |`); continue; }
  const failed = r.thresholds.filter((t) => t.passed === false).map((t) => `${t.metric}: ${t.expression} (${t.value ? f(t.value.high, 3) : '-'})`).join('; ');
  console.log(`| ${name}${env ? ` (${env})` : ''} | ${scale ?? ''} | ${f(r.http_reqs, 0)} | ${f(r.rps)} | ${f(r.p95.ms)} | ${r.verdict} | ${failed || '-'} |`);
}
console.log(`\n(results and logs: ${dir})`);
JS
