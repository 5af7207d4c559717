#!/usr/bin/env bash
# make experiment CLUSTER=current against a cluster the project treats as someone else's: the local
# cluster reached through a copy of its kubeconfig under another context name, with every image it
# runs pushed to a registry on loopback (Debian's docker-registry, 127.0.0.1:5000) and pulled from
# there by the node, never imported from the project's cache. A short experiment (the spike phase
# only, at SPIKE_SCALE=0.05; saturation, scaling, validate and respike skipped) must reach a report,
# and every pod it ran must have pulled its image from the registry. Then the local controller is
# restored and the release removed.
# Env: KUBECTL, HELM (pinned, from the Makefile), LOCAL_KUBECONFIG.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/k8s/scripts/lib.sh"
source "$root/k8s/scripts/cluster-env.sh"
: "${KUBECTL:?set by the Makefile}" "${HELM:?set by the Makefile}" "${LOCAL_KUBECONFIG:?set by the Makefile}"
[[ -f $LOCAL_KUBECONFIG ]] || die "no local cluster: run 'make cluster-up' first"

run_id="current-$(date -u +%Y%m%dT%H%M%SZ)"
registry_pid=""
# shellcheck source=checks.sh
source "$here/checks.sh"
k() { "$KUBECTL" --kubeconfig "$work/kubeconfig" "$@"; }
started=$SECONDS
cleanup() {
  log "cleanup: the release, the local controller image back, the registry"
  "$HELM" --kubeconfig "$LOCAL_KUBECONFIG" uninstall booking -n booking --wait --timeout 2m >/dev/null 2>&1
  CLUSTER=local "$root/k6-operator/scripts/build-images.sh" k6-controller >/dev/null 2>&1
  KUBECONFIG="$LOCAL_KUBECONFIG" CLUSTER=local "$root/k6-operator/scripts/install.sh" >/dev/null 2>&1
  [[ -n $registry_pid ]] && kill "$registry_pid" 2>/dev/null
  rm -rf "$root/experiments/results/$run_id"
  log "CLUSTER=current checks took $((SECONDS - started)) s"
}
summary_on_exit cleanup

command -v docker-registry >/dev/null || die "docker-registry missing: 'make tools' installs the host packages."
curl -sf "http://$LOCAL_REGISTRY/v2/" >/dev/null 2>&1 && die "something already answers on $LOCAL_REGISTRY: stop it first"
cat >"$work/registry.yml" <<YAML
version: 0.1
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: $LOCAL_REGISTRY}
log: {level: warn}
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 30); do curl -sf "http://$LOCAL_REGISTRY/v2/" >/dev/null && break; sleep 1; done
expect "a registry answers on $LOCAL_REGISTRY (loopback)" "$(curl -s -o /dev/null -w '%{http_code}' "http://$LOCAL_REGISTRY/v2/")" 200

# Someone else's cluster: the same API server under other names, reached only through KUBECONFIG.
"$KUBECTL" --kubeconfig "$LOCAL_KUBECONFIG" config view --raw >"$work/kubeconfig"
k config rename-context "$(k config current-context)" someone-elses-cluster >/dev/null
expect "the kubeconfig's context is someone-elses-cluster" "$(k config current-context)" someone-elses-cluster

registry="$LOCAL_REGISTRY/headroom"
log "make experiment CLUSTER=current IMAGES=local REGISTRY=$registry (the spike phase only; about 5 minutes)"
rc=0
KUBECONFIG="$work/kubeconfig" make -s -C "$root" experiment PROFILE=250m-512m CLUSTER=current IMAGES=local \
  REGISTRY="$registry" REGISTRY_TLS_VERIFY=false KUBECTL="$KUBECTL" HELM="$HELM" RUN_ID="$run_id" \
  SKIP=saturation,scaling,validate,respike SPIKE_SCALE=0.05 >"$work/experiment.log" 2>&1 || rc=$?
cp "$work/experiment.log" "$work/out"
expect "make experiment CLUSTER=current exits 0" "$rc" 0
expect "it wrote a report" "$([[ -s $root/experiments/results/$run_id/report.md ]] && echo yes)" yes
expect "it built none of the local cluster's components" "$(grep -c 'kubernetes: building\|building etcd\|building prometheus' "$work/experiment.log" || true)" 0

# What ran came from the registry: the service, PostgreSQL, Redis, the TestRun controller and k6.
images() { k get pods -A -o jsonpath='{range .items[*]}{range .status.containerStatuses[*]}{.image}{"\n"}{end}{end}' | sort -u; }
for name in app postgres redis k6-controller; do
  expect "a running pod's image is $registry/$name:*" "$(images | grep -c "^$registry/$name:" || true)" 1
done
expect "the k6 runners' image was $registry/k6:*" \
  "$(k -n loadtest get pods -l k6_cr=normal-plus-spike,runner=true -o jsonpath='{.items[0].spec.containers[0].image}' | sed "s|^$registry/k6:.*|registry|")" registry
expect "the registry holds what was pushed" "$(curl -s "http://$LOCAL_REGISTRY/v2/_catalog" | grep -o 'headroom/[a-z0-9-]*' | sort | tr '\n' ' ')" \
  "headroom/app headroom/k6 headroom/k6-controller headroom/k6-starter headroom/postgres headroom/redis "
finished=true
