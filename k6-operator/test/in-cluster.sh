#!/usr/bin/env bash
# `make loadtest` on a running cluster, against a release of the chart of its own (namespace
# booking-k6ci, profile 500m-1g, one replica, seeded small):
#   1. normal-plus-spike passes, and k6_http_reqs_total and k6_http_req_duration_seconds are in
#      Prometheus labelled with the run's testid
#   2. the same scenario with a threshold it cannot meet (P95_MS=0.001) is reported as FAILED and
#      exits non-zero
#   3. token-burst with parallelism 2 gives one combined result (requests summed over both
#      runners, and equal to Prometheus' count), and every token k6 saw issued (the runners log
#      them) is a q:tok:<token> key in the release's Redis afterwards (redis-cli, not the service)
# Deletes its namespace afterwards, also on failure. Ends with one 'N passed, N failed' line.
# Env: HELM, KUBECTL (from the Makefile), SCALE (default 0.1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
: "${HELM:?set by k6-operator.mk}" "${KUBECTL:?set by k6-operator.mk}"
"$KUBECTL" version >/dev/null 2>&1 || { echo "ERROR: no cluster answers (KUBECONFIG=${KUBECONFIG:-}): run 'make cluster-up'." >&2; exit 1; }

NS=booking-k6ci
RELEASE=booking-k6ci
SCALE=${SCALE:-0.1}
k() { "$KUBECTL" -n "$NS" "$@"; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
started=$SECONDS
work="$(mktemp -d)"
passed=0 failed=0
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [[ -s $work/out ]] && sed 's/^/        /' "$work/out" | tail -40; return 0; }
# expect NAME ACTUAL WANTED
expect() { if [[ $2 == "$3" ]]; then ok "$1 ($2)"; else : >"$work/out"; bad "$1: got '$2', wanted '$3'"; fi; }

finished=false
cleanup() {
  local rc=$?
  set +e
  : >"$work/out"
  $finished || bad "stopped early (exit $rc)"
  log "cleanup: namespace $NS"
  "$HELM" uninstall "$RELEASE" -n "$NS" --wait --timeout 2m >/dev/null 2>&1
  "$KUBECTL" delete namespace "$NS" --ignore-not-found --timeout=3m >/dev/null
  rm -rf "$work"
  echo
  log "in-cluster load-test checks took $((SECONDS - started)) s"
  echo "$passed passed, $failed failed"
  ((failed == 0)) && exit 0
  exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# loadtest NAME ENV...: runs make loadtest's script; its HEADROOM_RESULT JSON lands in $work/NAME.json.
loadtest() {
  local name=$1; shift
  local rc=0
  env BASE_URL="http://$RELEASE.$NS.svc" SCALE="$SCALE" "$@" "$root/k6-operator/scripts/loadtest.sh" >"$work/$name.log" 2>&1 || rc=$?
  sed -n 's/^HEADROOM_RESULT //p' "$work/$name.log" | tail -1 >"$work/$name.json"
  cp "$work/$name.log" "$work/out"
  return $rc
}
field() { node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(eval(process.argv[2]))' "$work/$1.json" "$2"; }
# prom QUERY: the first value of an instant query, through the API server's service proxy.
prom() {
  "$KUBECTL" get --raw "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query?query=$(node -p 'encodeURIComponent(process.argv[1])' "$1")" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).data.result;console.log(r.length?r[0].value[1]:"none")})'
}

"$KUBECTL" delete namespace "$NS" --ignore-not-found --timeout=3m >/dev/null
log "installing $RELEASE (profile 500m-1g, one replica, seeded small) in $NS"
make -s -C "$root" deploy PROFILE=500m-1g NAMESPACE="$NS" RELEASE="$RELEASE" \
  HELM_ARGS="--set seed.enabled=true --set autoscaling.enabled=false --set replicaCount=1" >"$work/out" 2>&1 ||
  { bad "chart installed"; exit 1; }
ok "chart installed and seeded"

echo "== normal-plus-spike passes, its series are in Prometheus by testid"
log "normal-plus-spike at SCALE=$SCALE (about 2 minutes)"
if loadtest nps SCENARIO=normal-plus-spike; then ok "normal-plus-spike: PASSED, exit 0"; else bad "normal-plus-spike passed"; fi
testid="$(field nps r.testid)"
reqs="$(field nps r.http_reqs)"
expect "normal-plus-spike served requests without failures" "$(field nps 'r.http_req_failed.fails === 0 && r.http_reqs > 0')" true
expect "k6_http_reqs_total{testid=\"$testid\"} summed equals the runners' count" \
  "$(prom "sum(last_over_time(k6_http_reqs_total{testid=\"$testid\"}[15m]))")" "$reqs"
expect "k6_http_req_duration_seconds{testid=\"$testid\"} is a native histogram with a p95" \
  "$(prom "histogram_quantile(0.95, sum(last_over_time(k6_http_req_duration_seconds{testid=\"$testid\"}[15m]))) > 0" | grep -qv none && echo yes)" yes

echo "== a threshold the run cannot meet is a failure"
log "normal-plus-spike with P95_MS=0.001 (about 2 minutes)"
if loadtest nps-fail SCENARIO=normal-plus-spike SCALE=0.02 K6_ENV=P95_MS=0.001; then
  bad "a failing threshold made loadtest exit non-zero"
else
  ok "a failing threshold made loadtest exit non-zero"
fi
expect "the result says FAILED" "$(grep -c '): FAILED ===' "$work/nps-fail.log")" 1
expect "the failing threshold is named" "$(field nps-fail 'Object.entries(r.thresholds.results).filter(([k, v]) => !v).map(([k]) => k).join()')" \
  "http_req_duration: p(95)<0.001"

echo "== token-burst, parallelism 2: one combined result; every issued token is in Redis"
log "token-burst at SCALE=$SCALE with PARALLELISM=2 (about 1 minute)"
if loadtest burst SCENARIO=token-burst PARALLELISM=2; then ok "token-burst: PASSED, exit 0"; else bad "token-burst passed"; fi
expect "two runners reported" "$(field burst r.runners)" 2
expect "combined requests = the sum of both runners'" "$(field burst 'r.http_reqs === r.runner_http_reqs.reduce((a, b) => a + b, 0) && r.runner_http_reqs.every((n) => n > 0)')" true
testid="$(field burst r.testid)"
expect "combined requests = Prometheus' k6_http_reqs_total over both runners" \
  "$(prom "sum(last_over_time(k6_http_reqs_total{testid=\"$testid\"}[15m]))")" "$(field burst r.http_reqs)"
issued="$(field burst r.metrics.tokens_issued.count)"
expect "tokens issued = users in the burst (3000 x SCALE)" "$issued" "$(node -p "Math.max(1, Math.round(3000 * $SCALE))")"
# The tokens each runner logged (TOKENS <uuid>...), looked up in the release's Redis with
# redis-cli, not through the service.
for pod in $("$KUBECTL" -n loadtest get pods -l k6_cr=token-burst -o name); do
  "$KUBECTL" -n loadtest logs "$pod" | grep -o 'TOKENS [0-9a-f -]*' | tr ' ' '\n' | grep -E '^[0-9a-f-]{36}$' || true
done | sort -u >"$work/tokens"
expect "distinct tokens in the runners' logs = tokens issued" "$(wc -l <"$work/tokens")" "$issued"
found="$(sed 's/^/EXISTS q:tok:/' "$work/tokens" |
  k exec -i "$RELEASE-redis-0" -- sh -c 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD"' | grep -c '^1$' || true)"
expect "each of them is a q:tok:<token> key in Redis" "$found" "$issued"
expect "k6 verified every token through the service too" "$(field burst 'r.metrics.tokens_lost?.count ?? 0')" 0

finished=true
