#!/usr/bin/env bash
# Builds the cluster's images locally (nothing is ever pulled) into $HEADROOM_CACHE/images/*.tar:
# pause, coredns, metrics-server, kube-state-metrics, prometheus, and the Node base image for the
# app's Dockerfile. Skips images whose archive exists. Usage: build-images.sh [image...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
mkdir -p "$IMAGES_DIR"

# Each image checks for root and buildah (need_buildah) only when it must be built, so a cached
# 'make tools' needs neither.

# A from-scratch image holding the given files (host path => image path), saved under NAME:TAG.
scratch_image() { # name tag entrypoint-json files...
  local name=$1 tag=$2 entrypoint=$3; shift 3
  local archive="$IMAGES_DIR/$name-$tag.tar"
  [[ -f $archive ]] && { log "image $name:$tag: cached"; return; }
  log "image $name:$tag: building"
  need_buildah tools
  local ctr; ctr="$(bh from scratch)"
  local spec
  for spec in "$@"; do
    bh copy "$ctr" "${spec%%=>*}" "${spec##*=>}" >/dev/null
  done
  bh config --entrypoint "$entrypoint" --user 65534:65534 "$ctr"
  commit_image "$ctr" "$name" "$tag"
}

tool() { # name version: the cached binary, or a hint to run make tools
  local p; p="$(bin_path "$1" "$2")"
  [[ -x $p ]] || die "$p missing: run 'make tools' first."
  printf '%s' "$p"
}

build_pause() {
  local archive="$IMAGES_DIR/pause-$PAUSE_IMAGE_TAG.tar"
  [[ -f $archive ]] && { log "image pause:$PAUSE_IMAGE_TAG: cached"; return; }
  need_buildah tools
  local src; src="$(go_env_dir)/build/pause/linux/pause.c"
  local out; out="$(mktemp -d)"
  gcc -Os -Wall -Werror -static -DVERSION="$PAUSE_IMAGE_TAG" -o "$out/pause" "$src"
  strip "$out/pause"
  local ctr; ctr="$(bh from scratch)"
  bh copy "$ctr" "$out/pause" /pause >/dev/null
  bh config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  commit_image "$ctr" pause "$PAUSE_IMAGE_TAG"
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
  need_buildah tools
  command -v debootstrap >/dev/null || die "debootstrap missing: 'make tools' installs the host packages."
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
  commit_image "$ctr" node-base "$tag"
  rm -rf "$rootfs"
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
