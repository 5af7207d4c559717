#!/usr/bin/env bash
# Checks of charts/booking on a running cluster (the local one, or the current context with
# CLUSTER=current), in a scratch namespace of its own; never touches another release:
#   1. with the pinned ServiceMonitor and PrometheusRule CRDs applied (server-side), every profile
#      and every ci/*-values.yaml, rendered with both monitoring objects on, passes the API
#      server's dry-run
#   2. the smallest profile installs, seeded, as release booking-ci; under a steady k6 load (a Job
#      in the namespace) a rollout restart, a scale to 3 and one back to 1 lose no request
#   3. while it serves, every query of files/dashboard.json returns a series from the in-cluster
#      Prometheus (through the API server's service proxy)
# Deletes what it created (the namespace; the CRDs if they were not there before), also on
# failure. Ends with one 'N passed, N failed' line.
# Env (from charts/charts.mk): HELM, KUBECTL, APP_IMAGE_TAG, K6_IMAGE; HELM_SETS (more --set flags
# for the install), LOAD_SECONDS, LOAD_RATE. PROMETHEUS_OPERATOR_VERSION: versions.env (lib.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chart="$(cd "$here/../booking" && pwd)"
# shellcheck source=../../k8s/scripts/lib.sh
source "$here/../../k8s/scripts/lib.sh"
: "${HELM:?set by charts/charts.mk}" "${KUBECTL:?set by charts/charts.mk}" "${APP_IMAGE_TAG:?set by charts/charts.mk}"
: "${K6_IMAGE:?set by charts/charts.mk}"
[[ -x $HELM ]] || die "$HELM missing: run 'make tools' first."
[[ -x $KUBECTL ]] || die "$KUBECTL missing: run 'make tools' first."
"$KUBECTL" version >/dev/null 2>&1 || die "no cluster answers (KUBECONFIG=${KUBECONFIG:-}): run 'make cluster-up'."

NS=booking-ci
RELEASE=booking-ci
PROFILE=250m-512m
# 30 requests/s is far below one 250m pod's capacity: a failure is a lost request, not overload.
LOAD_RATE=${LOAD_RATE:-30}
# Long enough for the restart and both scaling steps with the drains after them (about 90 s on an
# idle node, more beside a running experiment); the script fails if the load ends first.
LOAD_SECONDS=${LOAD_SECONDS:-150}
read -ra helm_sets <<<"${HELM_SETS:-}"
k() { "$KUBECTL" -n "$NS" "$@"; }

started=$SECONDS
created_crds=()
# shellcheck source=../../k8s/test/checks.sh
source "$here/../../k8s/test/checks.sh"

cleanup() {
  log "cleanup: namespace $NS${created_crds[*]:+ and CRDs ${created_crds[*]}}"
  "$HELM" uninstall "$RELEASE" -n "$NS" --wait --timeout 2m >/dev/null 2>&1
  "$KUBECTL" delete namespace "$NS" --ignore-not-found --timeout=3m >/dev/null
  for crd in "${created_crds[@]}"; do "$KUBECTL" delete crd "$crd" --ignore-not-found >/dev/null; done
  echo
  log "in-cluster chart checks took $((SECONDS - started)) s"
}
summary_on_exit cleanup

# A namespace left by a killed run is this test's own: start from nothing.
"$KUBECTL" delete namespace "$NS" --ignore-not-found --timeout=3m >/dev/null
"$KUBECTL" create namespace "$NS" >/dev/null

echo "== server-side dry-run of every profile and ci values file (monitoring objects on)"
crd_dir="$("$here/../scripts/fetch-crds.sh")"
for f in "$crd_dir"/*.yaml; do
  crd="$(sed -n 's/^  name: \(.*\)$/\1/p' "$f" | head -1)"
  "$KUBECTL" get crd "$crd" >/dev/null 2>&1 || created_crds+=("$crd")
done
check "CRDs of prometheus-operator ${PROMETHEUS_OPERATOR_VERSION:-} applied (server-side)" \
  "$KUBECTL" apply --server-side --field-manager=headroom-chart-test -f "$crd_dir"
# A new CRD has no conditions for a moment, which 'kubectl wait' takes for an error: retry.
established() {
  for _ in {1..30}; do
    "$KUBECTL" wait --for=condition=Established --timeout=10s \
      crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com && return 0
    sleep 1
  done
  return 1
}
check "CRDs established" established
# Objects without a namespace go to $NS, and the ci file that puts the dashboard into another
# namespace still applies: kubectl refuses -n with a different metadata.namespace, so the scratch
# namespace is the default of a copy of the kubeconfig instead.
"$KUBECTL" config view --raw --minify >"$work/kubeconfig"
KUBECONFIG="$work/kubeconfig" "$KUBECTL" config set-context --current --namespace="$NS" >/dev/null
dry_run() {
  "$HELM" template "$RELEASE" "$chart" -n "$NS" -f "$1" \
    --set metrics.serviceMonitor.enabled=true,metrics.prometheusRule.enabled=true >"$work/rendered.yaml" &&
    KUBECONFIG="$work/kubeconfig" "$KUBECTL" apply --dry-run=server -f "$work/rendered.yaml"
}
for f in "$chart"/profiles/*.yaml "$chart"/ci/*-values.yaml; do
  check "${f#"$chart"/}" dry_run "$f"
done

echo "== install profile $PROFILE as $RELEASE in $NS (seeded, CPU request 100m)"
failed_before=$failed
check "helm install --wait --wait-for-jobs" "$HELM" upgrade --install "$RELEASE" "$chart" -n "$NS" \
  -f "$chart/profiles/$PROFILE.yaml" --set-string image.tag="$APP_IMAGE_TAG" "${helm_sets[@]}" \
  --set resources.requests.cpu=100m --set seed.enabled=true \
  --wait --wait-for-jobs --timeout 5m
# Nothing below means anything without the release.
((failed == failed_before)) || exit 1
# migrate.js waits for a PostgreSQL that is not up yet instead of failing (no Error pods left).
expect "the migration Job succeeded with no failed pod" \
  "$(k get jobs -l app.kubernetes.io/component=migrate -o jsonpath='{.items[0].status.succeeded}/{.items[0].status.failed}')" "1/"
check "every running pod Ready" k wait --for=condition=Ready pod --field-selector=status.phase=Running --timeout=60s

echo "== ${LOAD_RATE} req/s for ${LOAD_SECONDS} s while the Deployment restarts and scales 1 -> 3 -> 1"
selector="app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=api"
k create configmap drain-script --from-file="$here/drain.js" >/dev/null
k apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: drain
spec:
  backoffLimit: 0
  activeDeadlineSeconds: $((LOAD_SECONDS + 120))
  template:
    metadata:
      labels: {app.kubernetes.io/name: k6, app.kubernetes.io/instance: drain}
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: k6
          image: $K6_IMAGE
          imagePullPolicy: IfNotPresent
          command: [k6, run, --quiet, --no-color, /scripts/drain.js]
          env:
            - {name: BASE_URL, value: "http://$RELEASE.$NS.svc"}
            - {name: RATE, value: "$LOAD_RATE"}
            - {name: DURATION, value: "$LOAD_SECONDS"}
            - {name: USERS, value: "1000"}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 500m, memory: 256Mi}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          volumeMounts: [{name: scripts, mountPath: /scripts}]
      volumes: [{name: scripts, configMap: {name: drain-script}}]
YAML
k wait --for=jsonpath='{.status.ready}'=1 job/drain --timeout=120s >/dev/null || log "the k6 pod is not Ready yet"
load_start=$SECONDS
# Let the load settle on the current pod before disturbing it.
sleep 10

# pods_exactly N: waits until exactly N pods of the Deployment exist, Terminating ones included,
# so each step ends after the drain of the pods it removed, not when they were marked for deletion.
pods_exactly() {
  local n=$1 deadline=$((SECONDS + 120)) have
  while ((SECONDS < deadline)); do
    have="$(k get pods -l "$selector" --no-headers 2>/dev/null | wc -l)"
    ((have == n)) && return 0
    sleep 1
  done
  echo "still $have pods, not $n, after 120 s"; k get pods -l "$selector"; return 1
}
ready_replicas() {
  k wait --for=jsonpath='{.status.readyReplicas}'="$1" deployment/"$RELEASE" --timeout=120s
}
hpa_range() {
  k patch hpa "$RELEASE" --type merge -p "{\"spec\":{\"minReplicas\":$1,\"maxReplicas\":$1}}"
}
step() { check "$1 (from $((SECONDS - load_start)) s into the load)" "${@:2}"; }
restart() { k rollout restart deployment/"$RELEASE" && k rollout status deployment/"$RELEASE" --timeout=180s && pods_exactly 1; }
step "rollout restart, old pod drained" restart
step "HPA min=max=3: 3 replicas ready" eval 'hpa_range 3 && ready_replicas 3'

echo "== dashboard queries against Prometheus (namespace $NS, workload $RELEASE)"
prom() {
  "$KUBECTL" get --raw "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query?query=$(jq -rn --arg q "$1" '$q|@uri')"
}
jq -r '.panels[] | .title as $t | .targets[] | [$t, .legendFormat, .expr] | @tsv' "$chart/files/dashboard.json" >"$work/queries.tsv"
# The CPU panels read cAdvisor's per-container series. A kubelet whose cAdvisor cannot reach the
# container runtime (on the local cluster: containerd's socket is not at cAdvisor's default
# /run/containerd/containerd.sock and kubelet gets no --containerd) reports pod cgroups only, with
# no container label: those panels are skipped there, with the reason, rather than failed.
cadvisor_containers=true
prom 'count(container_cpu_usage_seconds_total{container!=""})' >"$work/prom.json" 2>/dev/null &&
  (($(jq '.data.result | length' "$work/prom.json") > 0)) || cadvisor_containers=false
# A new pod's first rate needs two scrapes: retry the empty ones for up to 30 s.
declare -A result=()
deadline=$((SECONDS + 30))
while :; do
  pending=0
  while IFS=$'\t' read -r title legend expr; do
    key="$title | $legend"
    [[ -n ${result[$key]:-} ]] && continue
    if ! $cadvisor_containers && [[ $expr == *container_cpu_* ]]; then result[$key]=skip; continue; fi
    expr="${expr//\$namespace/$NS}"; expr="${expr//\$workload/$RELEASE}"
    if prom "$expr" >"$work/prom.json" 2>"$work/out" &&
      (($(jq '.data.result | length' "$work/prom.json") > 0)); then
      result[$key]="$(jq -r '"\(.data.result | length) series, first \(.data.result[0].value[1])"' "$work/prom.json")"
    else
      pending=$((pending + 1))
    fi
  done <"$work/queries.tsv"
  ((pending == 0 || SECONDS >= deadline)) && break
  sleep 5
done
while IFS=$'\t' read -r title legend _; do
  key="$title | $legend"
  : >"$work/out"
  if [[ ${result[$key]:-} == skip ]]; then
    skip "$key: this cluster's cAdvisor has no per-container series"
  elif [[ -n ${result[$key]:-} ]]; then ok "$key: ${result[$key]}"
  else bad "$key: no series"; fi
done <"$work/queries.tsv"

step "HPA min=max=1: 1 replica, 2 drained" eval 'hpa_range 1 && ready_replicas 1 && pods_exactly 1'

echo "== the load's verdict"
job_active="$(k get job drain -o jsonpath='{.status.active}')"
if [[ $job_active == 1 ]]; then
  ok "every step ended while the load was still running ($((SECONDS - load_start)) s of ${LOAD_SECONDS} s)"
else
  : >"$work/out"; bad "the load ended before the steps did: raise LOAD_SECONDS"
fi
# The Job's end: succeeded or failed, whichever comes (its own deadline bounds the wait).
deadline=$((SECONDS + LOAD_SECONDS + 120))
until [[ -n "$(k get job drain -o jsonpath='{.status.succeeded}{.status.failed}')" ]] || ((SECONDS >= deadline)); do
  sleep 2
done
k logs job/drain >"$work/k6.log" 2>&1 || true
sed 's/^/    k6: /' "$work/k6.log"
: >"$work/out"
if [[ "$(k get job drain -o jsonpath='{.status.succeeded}')" == 1 ]]; then
  ok "no failed request through restart and scaling ($(grep -o '^drain: .*' "$work/k6.log" || echo 'no summary'))"
else
  k get events --sort-by=.lastTimestamp 2>&1 | tail -40 >"$work/out" || true
  bad "the load saw failed requests or errors (k6 exit code $(k get pods -l batch.kubernetes.io/job-name=drain \
    -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}'))"
fi
finished=true
