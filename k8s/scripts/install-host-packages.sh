#!/usr/bin/env bash
# Installs the Debian packages the local cluster and the image builds use, when any is missing, or,
# given names, just those (make lint: shellcheck). A fresh machine (CI) needs this once; it is a
# no-op afterwards.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# docker-registry: make test-current's registry on loopback (its packaged service is kept stopped).
packages=(containerd runc containernetworking-plugins iptables conntrack iproute2 buildah debootstrap
  jq curl openssl gettext-base gcc libc6-dev docker-registry)
(($# == 0)) || packages=("$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
require_root "Installing ${missing[*]}" tools
command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them with your package manager."
log "installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
