#!/usr/bin/env bash
# The one place that names the Debian packages the project needs on the host. Installs the missing
# ones of the groups given (default: cluster); a no-op when all are there, so a fresh machine (CI)
# pays once. Usage: install-host-packages.sh [cluster|services|browser|python|lint|all]...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

declare -A groups=(
  # The local cluster and the image builds (make tools, make cluster-current). docker-registry:
  # make test-current's registry on loopback (its packaged service is kept stopped).
  [cluster]="containerd runc containernetworking-plugins iptables conntrack iproute2 buildah debootstrap
    jq curl openssl gettext-base gcc libc6-dev docker-registry"
  # The private PostgreSQL and Redis of the tests and benchmarks (scripts/test-services.sh), and promtool.
  [services]="postgresql redis-server prometheus"
  # Headless Chromium (make test-prometheus-ui).
  [browser]="chromium"
  # Schemathesis' venv (make test-api-fuzz) and the TestRun schema check (make test-k6).
  [python]="python3-venv python3-jsonschema python3-yaml"
  # The shell linter (make lint).
  [lint]="shellcheck"
)
names=("$@")
((${#names[@]})) || names=(cluster)
[[ " ${names[*]} " != *" all "* ]] || names=(cluster services browser python lint)
packages=()
for g in "${names[@]}"; do
  [[ -n ${groups[$g]:-} ]] || die "unknown group '$g' (known: ${!groups[*]} all)"
  read -ra more <<<"${groups[$g]//$'\n'/ }"
  packages+=("${more[@]}")
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
[[ $(id -u) -eq 0 ]] || die "missing Debian packages ${missing[*]}: run 'sudo $0 ${names[*]}'."
command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them with your package manager."
log "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
