# Shared by every k8s/scripts/*.sh: paths, pinned versions, logging, the Go build environment.
# shellcheck shell=bash disable=SC2034
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
K8S_DIR="$REPO_ROOT/k8s"
# shellcheck source=../../versions.env
source "$REPO_ROOT/versions.env"

export HEADROOM_CACHE="${HEADROOM_CACHE:-$HOME/.cache/headroom}"
BIN_DIR="$HEADROOM_CACHE/bin"
IMAGES_DIR="$HEADROOM_CACHE/images"
SRC_DIR="$HEADROOM_CACHE/src"
CLUSTER_DIR="$HEADROOM_CACHE/cluster"
LOG_DIR="$CLUSTER_DIR/logs"
KUBECONFIG_PATH="$CLUSTER_DIR/kubeconfig"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

require_root() {
  [[ $(id -u) -eq 0 ]] || die "$1 needs root (it manages cgroups, mounts, routes and iptables). Re-run as root, e.g. 'sudo -E make $2'."
}

# Go builds use their own module and build caches under $HEADROOM_CACHE, and only the module proxy:
# a ",direct" fallback would make the go command contact source hosts itself.
go_env() {
  export GOMODCACHE="$HEADROOM_CACHE/go/mod"
  export GOCACHE="$HEADROOM_CACHE/go/build"
  export GOPATH="$HEADROOM_CACHE/go/path"
  local proxy
  proxy="$(GOPROXY="${GOPROXY:-}" go env GOPROXY)"
  export GOPROXY="${proxy%,direct}"
  export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
}

# The pinned binary for a tool: $BIN_DIR/<tool>-<version>.
bin_path() { printf '%s/%s-%s' "$BIN_DIR" "$1" "$2"; }

# kubectl: $KUBECTL, else the pinned build, else whatever is on PATH (CLUSTER=current without tools).
kubectl_bin() {
  local pinned; pinned="$(bin_path kubectl "$KUBERNETES_VERSION")"
  if [[ -n ${KUBECTL:-} ]]; then printf '%s' "$KUBECTL"
  elif [[ -x $pinned ]]; then printf '%s' "$pinned"
  else command -v kubectl || die "no kubectl: run 'make tools' or install kubectl."
  fi
}

# Builds are long; keep them from starving the rest of the machine.
nice_run() { nice -n 10 "$@"; }

# Images are named localhost/headroom/<name>:<tag>; 'localhost/' keeps every runtime from
# reading the name as a Docker Hub reference.
IMAGE_PREFIX=localhost/headroom
# buildah with its storage under $HEADROOM_CACHE instead of /var/lib/containers.
# Its run root (locks, mount state) is per storage, so two caches never share one.
BUILDAH_FLAGS=(--root "$HEADROOM_CACHE/buildah/storage"
  --runroot "/run/headroom-buildah-$(printf '%s' "$HEADROOM_CACHE" | sha256sum | cut -c1-8)")
bh() { buildah "${BUILDAH_FLAGS[@]}" "$@"; }
