#!/usr/bin/env bash
# Offline validation of the TestRuns: renders `kubectl kustomize k6-operator/` and checks it and
# every testruns/*.yaml against the vendored TestRun CRD schema (validate-testruns.py).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$HERE/../versions.env"
HEADROOM_CACHE="${HEADROOM_CACHE:-$HOME/.cache/headroom}"
KUBECTL="${KUBECTL:-$HEADROOM_CACHE/bin/kubectl-$KUBERNETES_VERSION}"
CRD="${K6_OPERATOR_CRD:-$HERE/install/crd/k6.io_testruns.yaml}"
[[ -x $KUBECTL ]] || { echo "ERROR: $KUBECTL missing: run 'make tools' first." >&2; exit 1; }
if ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  [[ $(id -u) -eq 0 ]] || { echo "ERROR: python3 needs jsonschema and yaml: apt-get install -y python3-jsonschema python3-yaml" >&2; exit 1; }
  echo "[test-k6] installing python3-jsonschema python3-yaml" >&2
  apt-get install -y -qq python3-jsonschema python3-yaml >/dev/null
fi
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
"$KUBECTL" kustomize "$HERE" >"$rendered"
python3 "$HERE/test/validate-testruns.py" "$CRD" "$rendered" "$HERE"/testruns/*.yaml
