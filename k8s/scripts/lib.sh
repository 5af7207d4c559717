# Shared by the project's scripts and tests: paths, pinned versions, logging, the Go build
# environment, image archives.
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
need_buildah() { # make-target
  require_root "Building images with buildah" "$1"
  command -v buildah >/dev/null || die "buildah missing: 'make tools' installs the host packages."
}

# Image archives: docker-archives in $IMAGES_DIR that 'ctr images import', 'kind load
# image-archive' and 'buildah pull' all read.
# save_image REF ARCHIVE: buildah's image REF written to ARCHIVE, through a .tmp file so that a
# stopped build never leaves a half-written archive that a later run takes for cached.
save_image() {
  bh push -q "$1" "docker-archive:$2.tmp:$1"
  mv "$2.tmp" "$2"
  log "image $1: saved to $2"
}
# commit_image CONTAINER NAME TAG: the working container committed as $IMAGE_PREFIX/NAME:TAG,
# removed, and saved to $IMAGES_DIR/NAME-TAG.tar.
commit_image() {
  local ref="$IMAGE_PREFIX/$2:$3"
  bh commit -q "$1" "$ref" >/dev/null
  bh rm "$1" >/dev/null
  save_image "$ref" "$IMAGES_DIR/$2-$3.tar"
}
# load_image REF ARCHIVE: REF in buildah's storage, pulled from ARCHIVE unless it is there already.
load_image() {
  bh inspect --type image "$1" >/dev/null 2>&1 || bh pull -q "docker-archive:$2" >/dev/null
}

# The Debian mirror apt uses here, so debootstrap goes the same way apt does.
apt_mirror() {
  local uri
  uri="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list |
    grep -v security | head -1 | awk '{print $2}')"
  [[ -n $uri ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"
  printf '%s' "$uri"
}

# A loopback TCP port that is free now (the kernel's pick).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
