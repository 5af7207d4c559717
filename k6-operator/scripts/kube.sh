# kubectl for the k6-operator scripts: the pinned one, on the local cluster's kubeconfig unless
# CLUSTER=current (then the current context). Sourced after k8s/scripts/lib.sh.
# shellcheck shell=bash
KUBECTL_BIN="$(bin_path kubectl "$KUBERNETES_VERSION")"
[[ -x $KUBECTL_BIN ]] || KUBECTL_BIN="$(command -v kubectl || true)"
[[ -n $KUBECTL_BIN ]] || die "kubectl missing: run 'make tools' first."
if [[ ${CLUSTER:-local} == current ]]; then
  kc() { "$KUBECTL_BIN" "$@"; }
else
  [[ -f $KUBECONFIG_PATH ]] || die "no local cluster ($KUBECONFIG_PATH missing): 'make cluster-up', or CLUSTER=current."
  kc() { "$KUBECTL_BIN" --kubeconfig "$KUBECONFIG_PATH" "$@"; }
fi
