#!/usr/bin/env bash
# Builds the cluster's images locally (nothing is ever pulled) into $HEADROOM_CACHE/images/*.tar:
# pause, coredns, metrics-server, kube-state-metrics, prometheus, and the Node base image for the
# app's Dockerfile. Skips images whose archive exists. Usage: build-images.sh [image...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$IMAGES_DIR"

# Checked only when something must be built, so a cached 'make tools' needs neither.
need_buildah() {
  require_root "Building images with buildah" tools
  command -v buildah >/dev/null || die "buildah missing: apt-get install -y buildah"
}

# A from-scratch image holding the given files (host path => image path), committed under NAME:TAG
# and written as a docker-archive that 'ctr images import' and 'buildah from' both read.
scratch_image() { # name tag entrypoint-json files...
  local name=$1 tag=$2 entrypoint=$3; shift 3
  local archive="$IMAGES_DIR/$name-$tag.tar"
  [[ -f $archive ]] && { log "image $name:$tag: cached"; return; }
  log "image $name:$tag: building"
  need_buildah
  local ctr; ctr="$(bh from scratch)"
  local spec
  for spec in "$@"; do
    bh copy "$ctr" "${spec%%=>*}" "${spec##*=>}" >/dev/null
  done
  bh config --entrypoint "$entrypoint" --user 65534:65534 "$ctr"
  commit_and_save "$ctr" "$name" "$tag"
}

commit_and_save() { # container name tag
  local ref="$IMAGE_PREFIX/$2:$3"
  bh commit -q "$1" "$ref" >/dev/null
  bh rm "$1" >/dev/null
  bh push -q "$ref" "docker-archive:$IMAGES_DIR/$2-$3.tar.tmp:$ref"
  mv "$IMAGES_DIR/$2-$3.tar.tmp" "$IMAGES_DIR/$2-$3.tar"
  log "image $ref: saved to $IMAGES_DIR/$2-$3.tar"
}

tool() { # name version: the cached binary, or a hint to run make tools
  local p; p="$(bin_path "$1" "$2")"
  [[ -x $p ]] || die "$p missing: run 'make tools' first."
  printf '%s' "$p"
}

build_pause() {
  local archive="$IMAGES_DIR/pause-$PAUSE_IMAGE_TAG.tar"
  [[ -f $archive ]] && { log "image pause:$PAUSE_IMAGE_TAG: cached"; return; }
  need_buildah
  local src; src="$(go_env_dir)/build/pause/linux/pause.c"
  local out; out="$(mktemp -d)"
  gcc -Os -Wall -Werror -static -DVERSION="$PAUSE_IMAGE_TAG" -o "$out/pause" "$src"
  strip "$out/pause"
  local ctr; ctr="$(bh from scratch)"
  bh copy "$ctr" "$out/pause" /pause >/dev/null
  bh config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  commit_and_save "$ctr" pause "$PAUSE_IMAGE_TAG"
  rm -rf "$out"
}

# The k8s.io/kubernetes module directory (for pause.c): the same download the build used.
go_env_dir() {
  go_env
  go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

# Debian minbase plus the host's Node (Debian's own nodejs is 18; the app wants 20), with npm.
build_node_base() {
  local tag=$NODE_BASE_IMAGE_TAG archive="$IMAGES_DIR/node-base-$NODE_BASE_IMAGE_TAG.tar"
  [[ -f $archive ]] && { log "image node-base:$tag: cached"; return; }
  need_buildah
  command -v debootstrap >/dev/null || die "debootstrap missing: apt-get install -y debootstrap"
  local node; node="$(command -v node)" || die "node missing on the host: the Node base image copies the host's Node 20."
  [[ $("$node" --version) == v20.* ]] || die "host node is $("$node" --version), the app wants Node 20."
  local mirror; mirror="$(apt_mirror)"
  local rootfs="$SRC_DIR/node-base-rootfs"
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  log "image node-base:$tag: debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
  nice_run debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$SRC_DIR/node-base-debootstrap.log" 2>&1 ||
    die "debootstrap failed: see $SRC_DIR/node-base-debootstrap.log"
  local f
  for f in $(ldd "$node" | grep -o '/[^ ]*' | sort -u); do
    [[ -e $rootfs$f ]] || cp -L "$f" "$rootfs$f"
  done
  cp -L "$node" "$rootfs/usr/bin/node"
  cp -a /usr/lib/node_modules "$rootfs/usr/lib/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/bin/npx"
  chroot "$rootfs" /usr/bin/node --version >/dev/null || die "node does not run inside the minbase rootfs."
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  local ctr; ctr="$(bh from scratch)"
  bh copy "$ctr" "$rootfs" / >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd '["node"]' "$ctr"
  commit_and_save "$ctr" node-base "$tag"
  rm -rf "$rootfs"
}

# The Debian mirror apt uses here, so debootstrap goes the same way apt does.
apt_mirror() {
  local uri
  uri="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list |
    grep -v security | head -1 | awk '{print $2}')"
  [[ -n $uri ]] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"
  printf '%s' "$uri"
}

images=("$@")
((${#images[@]})) || images=(pause coredns metrics-server kube-state-metrics prometheus node-base)
for i in "${images[@]}"; do
  case $i in
    pause) build_pause ;;
    coredns) scratch_image coredns "$COREDNS_VERSION" '["/coredns"]' "$(tool coredns "$COREDNS_VERSION")=>/coredns" ;;
    metrics-server)
      scratch_image metrics-server "$METRICS_SERVER_VERSION" '["/metrics-server"]' \
        "$(tool metrics-server "$METRICS_SERVER_VERSION")=>/metrics-server" ;;
    kube-state-metrics)
      scratch_image kube-state-metrics "$KUBE_STATE_METRICS_VERSION" '["/kube-state-metrics"]' \
        "$(tool kube-state-metrics "$KUBE_STATE_METRICS_VERSION")=>/kube-state-metrics" ;;
    prometheus)
      scratch_image prometheus "$PROMETHEUS_IMAGE_TAG" '["/bin/prometheus"]' \
        "$(tool prometheus "$PROMETHEUS_IMAGE_TAG")=>/bin/prometheus" "$(tool promtool "$PROMETHEUS_VERSION")=>/bin/promtool" ;;
    node-base) build_node_base ;;
    *) die "unknown image '$i' (known: pause coredns metrics-server kube-state-metrics prometheus node-base)" ;;
  esac
done
