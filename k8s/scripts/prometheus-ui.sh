#!/usr/bin/env bash
# `make prometheus-ui`: Prometheus's web UI on loopback. Port-forwards to the cluster's Prometheus
# (the local cluster's, or CLUSTER=current's monitoring/prometheus) and prints where to look; runs
# until Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K=$(kubectl_bin)
kc=("$K")
[[ ${CLUSTER:-local} == current ]] || kc+=(--kubeconfig "$KUBECONFIG_PATH")
port=${PORT:-9090}
"${kc[@]}" -n monitoring get svc prometheus >/dev/null 2>&1 ||
  die "no Prometheus Service in namespace monitoring: 'make cluster-up' (or 'make experiment') starts the local cluster with it."
log "Prometheus UI: http://127.0.0.1:$port/query"
log "  the project's recording rules and alerts: http://127.0.0.1:$port/rules and /alerts; scrape targets: /targets"
log "  (port-forward to monitoring/prometheus; Ctrl-C stops it; PORT=... for another local port)"
exec "${kc[@]}" -n monitoring port-forward --address 127.0.0.1 svc/prometheus "$port:9090"
