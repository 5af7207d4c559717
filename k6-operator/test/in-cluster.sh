#!/usr/bin/env bash
# TestRuns on a running cluster with the headroom TestRun controller (make cluster-up installs it),
# against a release of the chart in namespace booking (the TestRuns' default target; profile
# 500m-1g, one replica, seeded small):
#   1. `kubectl apply -k k6-operator/` alone runs normal-plus-spike to `finished`: verdict condition
#      True, the combined result in its annotation, its series in Prometheus
#   2. `kubectl apply -f testruns/token-burst.yaml` with parallelism 2: one combined result (requests
#      summed = Prometheus' count), every issued token in Redis (redis-cli, not the service)
#   3. make loadtest's path with a threshold it cannot meet: verdict False naming the threshold, exit 1
#   4. a script that does not parse ends in `error` with the initializer's message; a parallelism
#      above the script's VUs is refused
#   5. deleting a running TestRun stops its runners and leaves nothing behind
# Deletes its namespaces afterwards, also on failure. Ends with one 'N passed, N failed' line.
# Env (from k6-operator.mk): HELM, KUBECTL; KUBECONFIG of the local cluster unless CLUSTER=current.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../../k8s/scripts/lib.sh
source "$root/k8s/scripts/lib.sh"
: "${HELM:?set by k6-operator.mk}" "${KUBECTL:?set by k6-operator.mk}"
"$KUBECTL" version >/dev/null 2>&1 || die "no cluster answers (KUBECONFIG=${KUBECONFIG:-}): run 'make cluster-up'."

NS=booking
RELEASE=booking
LT=loadtest
k() { "$KUBECTL" "$@"; }
started=$SECONDS
# shellcheck source=../../k8s/test/checks.sh
source "$root/k8s/test/checks.sh"

cleanup() {
  log "cleanup: TestRuns, namespace $NS"
  k -n "$LT" delete testruns --all --wait=true --timeout=2m >/dev/null 2>&1
  k -n "$LT" delete configmap broken-script tiny-script --ignore-not-found >/dev/null 2>&1
  "$HELM" uninstall "$RELEASE" -n "$NS" --wait --timeout 2m >/dev/null 2>&1
  k delete namespace "$NS" --ignore-not-found --timeout=3m >/dev/null
  echo
  log "in-cluster TestRun checks took $((SECONDS - started)) s"
}
summary_on_exit cleanup

# wait_stage NAME TIMEOUT_S: until .status.stage is finished or error; prints it.
wait_stage() {
  local stage="" until=$((SECONDS + $2))
  while ((SECONDS < until)); do
    stage="$(k -n "$LT" get testrun "$1" -o jsonpath='{.status.stage}' 2>/dev/null || true)"
    [[ $stage == finished || $stage == error ]] && break
    sleep 3
  done
  echo "${stage:-none}"
}
cond() { k -n "$LT" get testrun "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}"; }
# result NAME: the combined result annotation, into $work/NAME.json
result() { k -n "$LT" get testrun "$1" -o jsonpath='{.metadata.annotations.headroom/result}' >"$work/$1.json"; }
field() { node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$work/$1.json" "$2"; }
# prom QUERY: the first value of an instant query, through the API server's service proxy.
prom() {
  k get --raw "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query?query=$(node -p 'encodeURIComponent(process.argv[1])' "$1")" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).data.result;console.log(r.length?r[0].value[1]:"none")})'
}

expect "the TestRun controller is ready" "$(k -n k6-operator-system get deploy headroom-k6-controller -o jsonpath='{.status.readyReplicas}')" 1
k -n "$LT" delete testruns --all --wait=true --timeout=2m >/dev/null 2>&1 || true
log "installing $RELEASE (profile 500m-1g, one replica, seeded small) in $NS"
make -s -C "$root" deploy PROFILE=500m-1g NAMESPACE="$NS" RELEASE="$RELEASE" \
  HELM_ARGS="--set seed.enabled=true --set autoscaling.enabled=false --set replicaCount=1" >"$work/out" 2>&1 ||
  { bad "chart installed"; exit 1; }
ok "chart installed and seeded"

echo "== kubectl apply -k k6-operator/: normal-plus-spike runs to finished with nobody calling make"
k apply -k "$root/k6-operator/" >"$work/out" 2>&1 || bad "kubectl apply -k k6-operator/"
log "normal-plus-spike at the manifest's SCALE (about 2 minutes)"
expect "normal-plus-spike reaches stage finished" "$(wait_stage normal-plus-spike 600)" finished
expect "its ThresholdsPassed condition is True" "$(cond normal-plus-spike ThresholdsPassed status)" True
result normal-plus-spike
expect "the result annotation says passed, with requests and no failures" \
  "$(field normal-plus-spike 'r.verdict === "passed" && r.http_reqs > 0 && r.http_req_failed.fails === 0')" true
expect "k6_http_reqs_total{testrun_name=\"normal-plus-spike\"} summed equals the result's count" \
  "$(prom 'sum(last_over_time(k6_http_reqs_total{testrun_name="normal-plus-spike"}[10m]))')" "$(field normal-plus-spike r.http_reqs)"
expect "make testruns lists it with its verdict" \
  "$(make -s -C "$root" testruns | awk '$1 == "normal-plus-spike" {print $2, $3}')" "finished True"

echo "== kubectl apply -f testruns/token-burst.yaml with parallelism 2: one combined result; every token in Redis"
sed -e 's/^  parallelism: 1$/  parallelism: 2/' -e 's/{name: RUNNERS, value: "1"}/{name: RUNNERS, value: "2"}/' \
  "$root/k6-operator/testruns/token-burst.yaml" | k apply -f - >"$work/out" 2>&1 || bad "kubectl apply -f token-burst.yaml"
expect "token-burst (2 runners) reaches stage finished" "$(wait_stage token-burst 600)" finished
expect "its initializer saw the TestRun's SCALE (3,000 x 0.1 VUs)" "$(cond token-burst Initialized message | grep -o 'maxVUs [0-9]*')" "maxVUs 300"
expect "its ThresholdsPassed condition is True" "$(cond token-burst ThresholdsPassed status)" True
result token-burst
expect "two runners reported" "$(field token-burst r.runnersReported)" 2
expect "combined requests = the sum of both runners'" "$(field token-burst 'r.http_reqs === r.runner_http_reqs.reduce((a, b) => a + b, 0) && r.runner_http_reqs.every((n) => n > 0)')" true
expect "combined requests = Prometheus' k6_http_reqs_total over both runners" \
  "$(prom 'sum(last_over_time(k6_http_reqs_total{testrun_name="token-burst"}[10m]))')" "$(field token-burst r.http_reqs)"
expect "the p95 over both runners comes from the merged native histograms" "$(field token-burst r.p95.source)" prometheus
issued="$(field token-burst r.metrics.tokens_issued.count)"
scale="$(k -n "$LT" get testrun token-burst -o jsonpath='{.spec.runner.env[?(@.name=="SCALE")].value}')"
expect "tokens issued = users in the burst (3000 x SCALE)" "$issued" "$(node -p "Math.max(1, Math.round(3000 * $scale))")"
for pod in $(k -n "$LT" get pods -l k6_cr=token-burst,runner=true -o name); do
  k -n "$LT" logs "$pod" | grep -o 'TOKENS [0-9a-f -]*' | tr ' ' '\n' | grep -E '^[0-9a-f-]{36}$' || true
done | sort -u >"$work/tokens"
expect "distinct tokens in the runners' logs = tokens issued" "$(wc -l <"$work/tokens")" "$issued"
found="$(sed 's/^/EXISTS q:tok:/' "$work/tokens" |
  k -n "$NS" exec -i "$RELEASE-redis-0" -- sh -c 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD"' | grep -c '^1$' || true)"
expect "each of them is a q:tok:<token> key in Redis" "$found" "$issued"

echo "== make loadtest with a threshold the run cannot meet: verdict False, the threshold named"
rc=0
env SCENARIO=normal-plus-spike SCALE=0.02 K6_ENV=P95_MS=0.001 npx --no-install tsx "$root/k6-operator/controller/src/cli/loadtest.ts" >"$work/out" 2>&1 || rc=$?
expect "make loadtest exits 1" "$rc" 1
expect "the output says FAILED" "$(grep -c '): FAILED ===' "$work/out")" 1
expect "ThresholdsPassed is False" "$(cond normal-plus-spike ThresholdsPassed status)/$(cond normal-plus-spike ThresholdsPassed reason)" False/ThresholdsFailed
expect "its message names the failed threshold" "$(cond normal-plus-spike ThresholdsPassed message | grep -o 'failed thresholds: http_req_duration: p(95)<0.001')" \
  "failed thresholds: http_req_duration: p(95)<0.001"

echo "== a script that does not parse, and a parallelism above the script's VUs, end in error"
k -n "$LT" create configmap broken-script --from-literal=broken.js='export default function () { this is not javascript' >/dev/null
k -n "$LT" create configmap tiny-script --from-literal=tiny.js='export const options = { vus: 1, iterations: 1 }; export default function () {}' >/dev/null
image="$(k -n "$LT" get testrun token-burst -o jsonpath='{.spec.runner.image}')"
for t in broken:broken-script:broken.js:1 tiny:tiny-script:tiny.js:2; do
  IFS=: read -r name cm file n <<<"$t"
  k apply -f - >/dev/null <<YAML
apiVersion: k6.io/v1alpha1
kind: TestRun
metadata: {name: $name, namespace: $LT}
spec:
  parallelism: $n
  script: {configMap: {name: $cm, file: $file}}
  initializer: {image: $image, imagePullPolicy: IfNotPresent}
  runner: {image: $image, imagePullPolicy: IfNotPresent}
YAML
done
expect "the unparsable script ends in stage error" "$(wait_stage broken 180)" error
expect "its Error condition carries the initializer's message" \
  "$(cond broken Error reason)/$(cond broken Error message | grep -qi 'syntax\|unexpected\|expected' && echo k6-error)" InitializerFailed/k6-error
expect "parallelism 2 with a 1-VU script ends in stage error" "$(wait_stage tiny 180)" error
expect "its Error condition says why" "$(cond tiny Error reason)" ParallelismTooHigh
expect "no runner was created for either" "$(k -n "$LT" get jobs -l 'k6_cr in (broken,tiny),runner=true' -o name | wc -l)" 0

echo "== deleting a running TestRun stops its runners and leaves nothing behind"
sed -e 's/^  name: soak$/  name: soak-deleted/' "$root/k6-operator/testruns/soak.yaml" | k apply -f - >/dev/null
until=$((SECONDS + 180)) stage=""
while ((SECONDS < until)); do
  stage="$(k -n "$LT" get testrun soak-deleted -o jsonpath='{.status.stage}')"
  [[ $stage == started ]] && break
  sleep 2
done
expect "soak reaches stage started" "$stage" started
sleep 10
expect "its runner pod runs" "$(k -n "$LT" get pods -l k6_cr=soak-deleted,runner=true -o jsonpath='{.items[0].status.phase}')" Running
k -n "$LT" delete testrun soak-deleted --wait=true --timeout=60s >/dev/null
left=""
for _ in $(seq 30); do
  left="$(k -n "$LT" get jobs,pods,services -l k6_cr=soak-deleted -o name)"
  [[ -z $left ]] && break
  sleep 2
done
expect "no Job, pod or Service of it is left within 60 s" "${left:-none}" none

finished=true
