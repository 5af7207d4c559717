#!/usr/bin/env bash
# Builds the Kubernetes components from the k8s.io/kubernetes module (via the Go module proxy)
# into $HEADROOM_CACHE/bin/<component>-$KUBERNETES_VERSION. Skips components already built.
# Usage: build-kubernetes.sh [component...] (default: all; CLUSTER=current needs only kubectl).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
go_env

components=("$@")
((${#components[@]})) || components=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
missing=()
for c in "${components[@]}"; do
  [[ -x $(bin_path "$c" "$KUBERNETES_VERSION") ]] || missing+=("$c")
done
if ((${#missing[@]} == 0)); then
  log "kubernetes $KUBERNETES_VERSION: ${components[*]} cached in $BIN_DIR"
  exit 0
fi

log "kubernetes $KUBERNETES_VERSION: downloading module"
mod_dir="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
[[ -d $mod_dir ]] || die "go mod download of k8s.io/kubernetes@$KUBERNETES_VERSION failed; check GOPROXY ($GOPROXY)."
mod_time="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\t"Info": "\(.*\)",$/\1/p' | xargs sed -n 's/.*"Time":"\([^"]*\)".*/\1/p')"

# The module zip has no staging/ (nested modules are dropped), so point every staging replace at
# the published module of the same release.
work="$SRC_DIR/kubernetes-$KUBERNETES_VERSION"
if [[ ! -f $work/.prepared ]]; then
  rm -rf "$work"
  mkdir -p "$(dirname "$work")"
  cp -r "$mod_dir" "$work"
  chmod -R u+w "$work"
  rm -rf "$work/go.work" "$work/go.work.sum" "$work/vendor"
  (
    cd "$work"
    edits=()
    while read -r mod; do
      edits+=("-replace=$mod=$mod@$KUBERNETES_STAGING_VERSION")
    done < <(go mod edit -json | sed -n 's/.*"Path": "\(k8s.io\/[^"]*\)".*/\1/p' | sort -u |
      while read -r m; do go mod edit -json | grep -q "\"Path\": \"./staging/src/$m\"" && echo "$m"; done)
    go mod edit "${edits[@]}"
  )
  touch "$work/.prepared"
fi

# The release's publication time, so rebuilds are reproducible.
build_date="${mod_time%Z}"; build_date="${build_date%%.*}Z"
minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
# Same variables hack/lib/version.sh sets; without them components report v0.0.0.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done

out="$SRC_DIR/kubernetes-$KUBERNETES_VERSION-out"
mkdir -p "$out" "$BIN_DIR"
pkgs=()
for c in "${missing[@]}"; do pkgs+=("./cmd/$c"); done
log "kubernetes: building ${missing[*]} (15-30 min cold on 2 cores)"
(cd "$work" && nice_run go build -trimpath -tags selinux,notest -ldflags "$ldflags" -o "$out/" "${pkgs[@]}")
for c in "${missing[@]}"; do
  mv "$out/$c" "$(bin_path "$c" "$KUBERNETES_VERSION")"
done
log "kubernetes $KUBERNETES_VERSION: built ${missing[*]}"
