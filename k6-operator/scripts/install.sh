#!/usr/bin/env bash
# Installs k6-operator into the cluster: the TestRun CRD (vendored, v1.6.0), RBAC, and the manager
# Deployment watching the `loadtest` namespace; waits until the manager is ready. Idempotent.
# Works with CLUSTER=current (the images must then be reachable by that cluster's nodes).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../../k8s/scripts/lib.sh"
eval "$(sed -n 's/^\(K6_[A-Z_]*\) ?= \(.*\)$/: "${\1:=\2}"/p' "$HERE/../k6-operator.mk")"
source "$HERE/kube.sh"
INSTALL="$HERE/../install"

# The CRD is ~280 KB: too big for client-side apply's last-applied annotation, so server-side.
log "k6-operator: applying the TestRun CRD"
kc apply --server-side --force-conflicts -f "$INSTALL/crd/k6.io_testruns.yaml" >/dev/null
kc wait --for=condition=Established --timeout=60s crd/testruns.k6.io >/dev/null

log "k6-operator: applying RBAC and the manager ($K6_OPERATOR_VERSION)"
export IMAGE_PREFIX K6_OPERATOR_VERSION
{ cat "$INSTALL/rbac.yaml"; echo "---"; envsubst '${IMAGE_PREFIX} ${K6_OPERATOR_VERSION}' <"$INSTALL/manager.yaml"; } |
  kc apply -f - >/dev/null
kc -n k6-operator-system rollout status deployment/k6-operator-controller-manager --timeout=180s >/dev/null ||
  die "k6-operator manager not ready: kubectl -n k6-operator-system logs deploy/k6-operator-controller-manager"
log "k6-operator ready (watching namespace loadtest)"
