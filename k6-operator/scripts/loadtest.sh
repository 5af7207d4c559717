#!/usr/bin/env bash
# make loadtest SCENARIO=<name> [SCALE=0.1] [PARALLELISM=1] [SEED=small] [BASE_URL=...]
# Runs one scenario as a TestRun and prints ONE result for all its runners:
#  1. deletes the previous TestRun of that name (the operator refuses to start over existing Jobs);
#  2. applies the scripts ConfigMap (from kustomize) and the TestRun with SCALE, RUNNERS,
#     parallelism and a unique testid patched in;
#  3. follows .status.stage with progress lines (stage, elapsed, runner pods' phases);
#  4. reads each runner pod's exit code (99 = thresholds failed: the operator still says
#     `finished`) and its HEADROOM_SUMMARY log line, asks Prometheus for the exact p95 over all
#     runners (native histograms), and combines them (combine-summaries.mjs). Exits non-zero on failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
source "$HERE/../../k8s/scripts/lib.sh"
source "$HERE/kube.sh"

SCENARIO="${SCENARIO:-normal-plus-spike}"
SCALE="${SCALE:-0.1}"
PARALLELISM="${PARALLELISM:-1}"
SEED="${SEED:-small}"
BASE_URL="${BASE_URL:-http://booking.booking.svc}"
NS=loadtest
TESTRUN="$ROOT/testruns/$SCENARIO.yaml"
[[ -f $TESTRUN ]] || die "no scenario '$SCENARIO': one of $(cd "$ROOT/testruns" && ls | sed 's/\.yaml$//' | tr '\n' ' ')"
[[ $SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || die "SCALE must be a positive number, not '$SCALE'"
[[ $PARALLELISM =~ ^[1-9][0-9]*$ ]] || die "PARALLELISM must be a positive integer, not '$PARALLELISM'"
[[ $SCENARIO != contention || $PARALLELISM == 1 ]] || die "contention counts its single winner on one runner: PARALLELISM=1"
TESTID="$SCENARIO-$(date -u +%Y%m%dT%H%M%SZ)"

# How long the script runs at this SCALE, from the same `k6 inspect` the initializer runs.
K6="$(bin_path k6 "$K6_VERSION")"
total_s=1800
if [[ -x $K6 ]]; then
  total_s="$("$K6" inspect --execution-requirements -e SCALE="$SCALE" -e SEED="$SEED" -e RUNNERS="$PARALLELISM" \
    "$ROOT/scripts/$SCENARIO.js" 2>/dev/null | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const d = JSON.parse(s).totalDuration, m = /(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?/.exec(d);
        console.log(Math.ceil((+m[1] || 0) * 3600 + (+m[2] || 0) * 60 + (+m[3] || 0)));
      });')" || total_s=1800
fi
# Scheduling, image start, setup and teardown on top of the script's own bound.
deadline_s=$((total_s + ${LOADTEST_SLACK_S:-600}))
log "loadtest $SCENARIO: testid=$TESTID scale=$SCALE parallelism=$PARALLELISM seed=$SEED (script ${total_s}s, giving up after ${deadline_s}s)"

# Runners come from k6-operator when its manager runs in the cluster; otherwise (K6_RUNNER=job, or
# auto without a manager) the same runner Jobs are created directly from the TestRun.
K6_RUNNER="${K6_RUNNER:-auto}"
if [[ $K6_RUNNER == auto ]]; then
  ready="$(kc -n k6-operator-system get deploy k6-operator-controller-manager -o jsonpath='{.status.readyReplicas}' 2>/dev/null || true)"
  if [[ ${ready:-0} -ge 1 ]]; then K6_RUNNER=operator; else K6_RUNNER=job; fi
fi
[[ $K6_RUNNER == operator || $K6_RUNNER == job ]] || die "K6_RUNNER must be auto, operator or job, not '$K6_RUNNER'"
[[ $K6_RUNNER == job ]] && log "no k6-operator manager in the cluster: running the TestRun's runners as plain Jobs"

kc -n "$NS" delete testrun "$SCENARIO" --ignore-not-found --wait=true >/dev/null 2>&1 || true
kc -n "$NS" delete job -l "k6_cr=$SCENARIO" --ignore-not-found --wait=true >/dev/null 2>&1 || true
kc -n "$NS" wait --for=delete job -l "k6_cr=$SCENARIO" --timeout=120s >/dev/null 2>&1 || true

# The Namespace and the scripts ConfigMap from kustomize, without its default TestRun.
kc kustomize "$ROOT" | awk -v RS='\n---\n' -v ORS='\n---\n' '/(^|\n)kind: (Namespace|ConfigMap)\n/' |
  kc apply -f - >/dev/null

patched="$(sed -E \
  -e "s/^(  parallelism:) [0-9]+$/\1 $PARALLELISM/" \
  -e "s/(\{name: SCALE, value:) \"[^\"]*\"\}/\1 \"$SCALE\"}/" \
  -e "s/(\{name: RUNNERS, value:) \"[^\"]*\"\}/\1 \"$PARALLELISM\"}/" \
  -e "s/(\{name: SEED, value:) [a-z]+\}/\1 $SEED}/" \
  -e "s|(\{name: BASE_URL, value:) \"[^\"]*\"\}|\1 \"$BASE_URL\"}|" \
  -e "s/(\{name: TESTID, value:) [^}]+\}/\1 $TESTID}/" \
  -e "s/--tag testid=[^ ]+$/--tag testid=$TESTID/" "$TESTRUN")"
# K6_ENV="KEY=value ...": more of the runners' env entries, for scripts with knobs of their own.
for kv in ${K6_ENV:-}; do
  key=${kv%%=*} val=${kv#*=}
  patched="$(sed -E "s|(\{name: $key, value:) [^}]*\}|\1 \"$val\"}|" <<<"$patched")"
  grep -qF "{name: $key, value: \"$val\"}" <<<"$patched" || die "K6_ENV: $SCENARIO's TestRun has no env entry $key"
done
for want in "parallelism: $PARALLELISM" "SCALE, value: \"$SCALE\"" "TESTID, value: $TESTID" "testid=$TESTID"; do
  grep -qF "$want" <<<"$patched" || die "could not patch '$want' into $TESTRUN (its layout changed?)"
done
if [[ $K6_RUNNER == operator ]]; then
  kc apply -f - <<<"$patched" >/dev/null
else
  node "$HERE/testrun-jobs.mjs" <<<"$patched" | kc apply -f - >/dev/null
fi

# The operator's stage, or in job mode the same word derived from the runner Jobs.
job_stage() {
  local done failed
  done="$(kc -n "$NS" get jobs -l "k6_cr=$SCENARIO" -o jsonpath='{range .items[*]}{.status.succeeded}{.status.failed}{"\n"}{end}' 2>/dev/null | grep -c '[1-9]' || true)"
  ((done >= PARALLELISM)) && echo finished || echo started
}

started=$SECONDS last="" last_print=0 stage=""
while :; do
  elapsed=$((SECONDS - started))
  if [[ $K6_RUNNER == operator ]]; then
    stage="$(kc -n "$NS" get testrun "$SCENARIO" -o jsonpath='{.status.stage}' 2>/dev/null || true)"
  else
    stage="$(job_stage)"
  fi
  pods="$(kc -n "$NS" get pods -l "k6_cr=$SCENARIO" \
    -o jsonpath='{range .items[*]}{.metadata.labels.job-name}={.status.phase} {end}' 2>/dev/null || true)"
  line="stage=${stage:-pending} pods: ${pods:-none}"
  if [[ $line != "$last" ]] || ((elapsed - last_print >= 30)); then
    log "[$(printf '%4ds' "$elapsed")] $line"
    last=$line last_print=$elapsed
  fi
  [[ $stage == finished || $stage == error ]] && break
  ((elapsed < deadline_s)) || { log "gave up after ${elapsed}s in stage '${stage}'"; break; }
  sleep 5
done

if [[ $stage == error ]]; then
  log "stage error: the initializer failed or parallelism exceeds the script's VUs. Its log:"
  kc -n "$NS" logs "job/$SCENARIO-initializer" --tail=40 >&2 || true
fi

# Every runner: its exit code and its HEADROOM_SUMMARY line.
records=""
for ((i = 1; i <= PARALLELISM; i++)); do
  pod="$(kc -n "$NS" get pods -l "job-name=$SCENARIO-$i" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)"
  code="$(kc -n "$NS" get pod "$pod" -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}' 2>/dev/null || true)"
  summary="$(kc -n "$NS" logs "$pod" 2>/dev/null | sed -n 's/^HEADROOM_SUMMARY //p' | tail -1 || true)"
  records+="{\"runner\":$i,\"exitCode\":${code:-null},\"summary\":${summary:-null}}"$'\n'
done

# The exact p95 over all runners from the native histograms, through the API server's service proxy
# (works for the local cluster and CLUSTER=current alike). Empty when Prometheus has no histogram
# (e.g. started without --enable-feature=native-histograms): the combiner then gives an upper bound.
window=$((SECONDS - started + 60))
query="histogram_quantile(0.95, sum(last_over_time(k6_http_req_duration_seconds{testid=\"$TESTID\"}[${window}s])))"
PROM_P95_MS="$(kc get --raw "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query?query=$(node -p 'encodeURIComponent(process.argv[1])' "$query")" 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const r=JSON.parse(s).data.result;const v=r.length?Number(r[0].value[1]):NaN;if(Number.isFinite(v))console.log((v*1000).toFixed(3))}catch(_){}})' || true)"
[[ -n $PROM_P95_MS ]] && log "Prometheus: p95 over all runners ${PROM_P95_MS} ms" ||
  log "Prometheus: no native histogram for testid=$TESTID; the p95 shown is the runners' upper bound"

PARALLELISM=$PARALLELISM TESTID=$TESTID SCENARIO=$SCENARIO PROM_P95_MS=$PROM_P95_MS \
  node "$HERE/combine-summaries.mjs" <<<"$records"
