#!/usr/bin/env bash
# Applies the add-ons (k8s/addons/*.yaml) to the local cluster and waits until they serve:
# DNS, resource metrics ('kubectl top'), kube-state-metrics, Prometheus.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"

K=$(bin_path kubectl "$KUBERNETES_VERSION")
kc() { "$K" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

RULES="$K8S_DIR/../charts/booking/files/rules.yaml"
PROMETHEUS_CONFIG_HASH="$(cat "$K8S_DIR/addons/prometheus.yaml" "$RULES" | sha256sum | cut -c1-16)"
export IMAGE_PREFIX CLUSTER_DOMAIN DNS_SERVICE_IP COREDNS_VERSION METRICS_SERVER_VERSION \
  KUBE_STATE_METRICS_VERSION PROMETHEUS_IMAGE_TAG PROMETHEUS_CONFIG_HASH
vars="$(printf '${%s} ' IMAGE_PREFIX CLUSTER_DOMAIN DNS_SERVICE_IP COREDNS_VERSION METRICS_SERVER_VERSION \
  KUBE_STATE_METRICS_VERSION PROMETHEUS_IMAGE_TAG PROMETHEUS_CONFIG_HASH)"

log "add-ons: applying coredns, metrics-server, kube-state-metrics, prometheus"
{
  for f in coredns metrics-server kube-state-metrics prometheus; do
    envsubst "$vars" <"$K8S_DIR/addons/$f.yaml"
    echo "---"
  done
  kc -n monitoring create configmap prometheus-rules --from-file="booking.yaml=$RULES" --dry-run=client -o yaml
} | kc apply -f - >/dev/null

for d in kube-system/coredns kube-system/metrics-server monitoring/kube-state-metrics monitoring/prometheus; do
  kc -n "${d%/*}" rollout status "deployment/${d#*/}" --timeout=180s >/dev/null ||
    die "add-on ${d#*/} not ready; see 'kubectl -n ${d%/*} describe pod' and $LOG_DIR/kubelet.log"
done
log "add-ons: deployments ready; waiting for the metrics API"
deadline=$((SECONDS + 180))
until kc top nodes >/dev/null 2>&1; do
  ((SECONDS < deadline)) || die "metrics API not answering after 180s: 'kubectl -n kube-system logs deploy/metrics-server'"
  sleep 3
done
log "add-ons ready"
