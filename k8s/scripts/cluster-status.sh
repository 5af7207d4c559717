#!/usr/bin/env bash
# Shows the local cluster's processes, containment, node and pods. Exit 0 only when all is up.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"

K=$(kubectl_bin)
if [[ ${CLUSTER:-local} == current ]]; then
  "$K" config current-context && "$K" get nodes -o wide && exit 0
  exit 1
fi
ok=true
printf '%-24s %s\n' COMPONENT STATE
for c in "${COMPONENTS[@]}"; do
  if pid="$(pid_of "$c")"; then printf '%-24s running (pid %s)\n' "$c" "$pid"; else printf '%-24s stopped\n' "$c"; ok=false; fi
done
$ok || { echo "cluster is not (fully) up: 'make cluster-up' starts it, 'make cluster-down' clears a half-started one."; exit 1; }
if [[ $(id -u) -eq 0 ]]; then
  problems="$(containment_problems)"
  if [[ -n $problems ]]; then echo "containment BROKEN:"; echo "$problems"; ok=false; else echo "containment ok"; fi
fi
echo "kubeconfig: $KUBECONFIG_PATH"
"$K" --kubeconfig "$KUBECONFIG_PATH" get nodes -o wide
"$K" --kubeconfig "$KUBECONFIG_PATH" get pods -A -o wide
$ok
