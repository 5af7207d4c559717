#!/usr/bin/env bash
# Offline validation of the TestRuns: renders `kubectl kustomize k6-operator/` and checks it and
# every testruns/*.yaml against the vendored TestRun CRD schema (validate-testruns.py).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../../k8s/scripts/lib.sh
source "$HERE/../k8s/scripts/lib.sh"
KUBECTL="${KUBECTL:-$(bin_path kubectl "$KUBERNETES_VERSION")}"
CRD="${K6_OPERATOR_CRD:-$HERE/install/crd/k6.io_testruns.yaml}"
[[ -x $KUBECTL ]] || die "$KUBECTL missing: run 'make tools' first."
python3 -c 'import jsonschema, yaml' 2>/dev/null || "$HERE/../k8s/scripts/install-host-packages.sh" python
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
"$KUBECTL" kustomize "$HERE" >"$rendered"
python3 "$HERE/test/validate-testruns.py" "$CRD" "$rendered" "$HERE"/testruns/*.yaml
