#!/usr/bin/env bash
# Installs what runs TestRuns: the TestRun CRD (vendored, k6-operator v1.6.0) and, unless the
# upstream k6-operator manager already runs in the cluster, the headroom TestRun controller
# (install/controller.yaml, image from build-images.sh k6-controller); waits until it is ready.
# Idempotent. With CLUSTER=current the controller image is pushed to REGISTRY (or loaded into kind).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../../k8s/scripts/lib.sh"
source "$HERE/kube.sh"
source "$HERE/images.sh"
INSTALL="$HERE/../install"

# The CRD is ~280 KB: too big for client-side apply's last-applied annotation, so server-side.
log "TestRun CRD: applying"
kc apply --server-side --force-conflicts -f "$INSTALL/crd/k6.io_testruns.yaml" >/dev/null
# (kubectl wait errs while the new CRD has no conditions yet, so ask until it says Established.)
established() { [[ $(kc get crd testruns.k6.io -o jsonpath='{.status.conditions[?(@.type=="Established")].status}') == True ]]; }
for _ in $(seq 60); do established && break; sleep 1; done
established || die "the TestRun CRD is not Established after 60 s: kubectl describe crd testruns.k6.io"

upstream="$(kc get deploy -A -o jsonpath='{range .items[?(@.metadata.name=="k6-operator-controller-manager")]}{.metadata.namespace}{"\n"}{end}' 2>/dev/null || true)"
if [[ -n $upstream ]]; then
  log "the upstream k6-operator manager runs in namespace $upstream: TestRuns are its; the headroom controller is not installed"
  exit 0
fi

if [[ ${CLUSTER:-local} == current && -z ${CONTROLLER_IMAGE:-} ]]; then
  # Built and pushed only where it is installed (REGISTRY, or kind's nodes).
  "$HERE/build-images.sh" k6-controller
  if [[ $(kc config current-context) == kind-* ]]; then CONTROLLER_IMAGE="$IMAGE_PREFIX/k6-controller:$(controller_tag)"
  else CONTROLLER_IMAGE="$REGISTRY/k6-controller:$(controller_tag)"; fi
fi
export CONTROLLER_IMAGE="${CONTROLLER_IMAGE:-$IMAGE_PREFIX/k6-controller:$(controller_tag)}"
log "headroom TestRun controller: applying ($CONTROLLER_IMAGE)"
envsubst '${CONTROLLER_IMAGE}' <"$INSTALL/controller.yaml" | kc apply -f - >/dev/null
kc -n k6-operator-system rollout status deployment/headroom-k6-controller --timeout=180s >/dev/null ||
  die "the TestRun controller is not ready: kubectl -n k6-operator-system describe pods; kubectl -n k6-operator-system logs deploy/headroom-k6-controller"
log "headroom TestRun controller ready (namespace loadtest)"
