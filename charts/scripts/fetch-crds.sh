#!/usr/bin/env bash
# Extracts the ServiceMonitor and PrometheusRule CRDs of prometheus-operator $PROMETHEUS_OPERATOR_VERSION
# from its Go module (example/prometheus-operator-crd/ in the module source) into
# $HEADROOM_CACHE/crds/prometheus-operator-<version>/, for server-side dry-runs of the chart on a
# cluster without the operator. Never committed: fetched at test time through the module proxy.
# Prints the directory.
set -euo pipefail
# shellcheck source=../../k8s/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../k8s/scripts/lib.sh"
out="$HEADROOM_CACHE/crds/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION"
crds=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml)
if [[ ! -f $out/${crds[-1]} ]]; then
  command -v go >/dev/null || die "go missing: the CRDs come from the prometheus-operator Go module."
  go_env
  dir="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d $dir/example/prometheus-operator-crd ]] ||
    die "prometheus-operator $PROMETHEUS_OPERATOR_VERSION: no example/prometheus-operator-crd in the module."
  mkdir -p "$out"
  for f in "${crds[@]}"; do install -m 0644 "$dir/example/prometheus-operator-crd/$f" "$out/$f"; done
  log "CRDs of prometheus-operator $PROMETHEUS_OPERATOR_VERSION in $out"
fi
echo "$out"
