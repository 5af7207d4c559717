#!/usr/bin/env bash
# Builds the images TestRuns need, locally (nothing is pulled), into $HEADROOM_CACHE/images/*.tar,
# and publishes them to the cluster (publish_image: the local containerd, or CLUSTER=current's
# kind or REGISTRY):
#   k6          the runner and initializer: the pinned k6 (static, CGO_ENABLED=0) + busybox for the
#               initializer's `sh -c "k6 archive ... && k6 inspect ..."`
#   k6-starter  the starter Job's `sh -c "curl --retry 3 -X PATCH http://<runner>:6565/v1/status ..."`:
#               busybox sh + Debian's curl with the libraries it links
#   k6-controller  the headroom TestRun controller (k6-operator/controller), on the local Node base
#               like the service; tagged by a hash of its sources, so it is rebuilt when they change
# The upstream k6-operator manager is never built (the Go module proxy refuses its module).
# Skips images whose archive exists. Usage: build-images.sh [k6|k6-starter|k6-controller...]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../../k8s/scripts/lib.sh"
source "$HERE/../../k8s/scripts/cluster-env.sh"
source "$HERE/images.sh"
need_buildah k6-operator
mkdir -p "$IMAGES_DIR"

# The images' /bin/sh: Debian's busybox-static, unpacked into the cache rather than installed, so
# the host's own busybox (if any) stays as it is.
BUSYBOX="$SRC_DIR/busybox-static/bin/busybox"
if [[ ! -x $BUSYBOX ]]; then
  log "busybox-static: unpacking the Debian package into $SRC_DIR/busybox-static"
  deb_dir="$(mktemp -d)"
  (cd "$deb_dir" && { apt-get download busybox-static 2>/dev/null || { apt-get update -qq && apt-get download busybox-static; }; }) >/dev/null ||
    die "could not download Debian's busybox-static (needed for the k6 images' /bin/sh); check 'apt-get update' works."
  dpkg-deb -x "$deb_dir"/busybox-static_*.deb "$SRC_DIR/busybox-static.tmp"
  mv "$SRC_DIR/busybox-static.tmp" "$SRC_DIR/busybox-static"
  rm -rf "$deb_dir"
fi

# A root filesystem with busybox as /bin/sh and its applets, and a world-writable /tmp.
busybox_rootfs() { # dir
  mkdir -p "$1"/{bin,usr/bin,tmp,etc}
  chmod 1777 "$1/tmp"
  cp "$BUSYBOX" "$1/bin/busybox"
  local applet
  for applet in sh cat grep ls env sleep; do ln -sf busybox "$1/bin/$applet"; done
  echo 'nobody:x:65534:65534:nobody:/tmp:/bin/sh' >"$1/etc/passwd"
}

build_k6() {
  local tag=$K6_VERSION
  [[ -f $IMAGES_DIR/k6-$tag.tar ]] && { log "image k6:$tag: cached"; return; }
  local k6; k6="$(bin_path k6 "$K6_VERSION")"
  [[ -x $k6 ]] || die "$k6 missing: run 'make tools' first."
  file -L "$k6" | grep -q 'statically linked' || die "$k6 is not static (build it with CGO_ENABLED=0)."
  local root; root="$(mktemp -d)"
  busybox_rootfs "$root"
  cp "$k6" "$root/usr/bin/k6"
  local ctr; ctr="$(bh from scratch)"
  bh copy "$ctr" "$root" / >/dev/null
  bh config --env PATH=/usr/bin:/bin --workingdir /tmp --user 65534:65534 --cmd '["k6"]' "$ctr"
  commit_image "$ctr" k6 "$tag"
  rm -rf "$root"
}

build_starter() {
  local tag=$K6_STARTER_IMAGE_TAG
  [[ -f $IMAGES_DIR/k6-starter-$tag.tar ]] && { log "image k6-starter:$tag: cached"; return; }
  local curl; curl="$(command -v curl)" || die "curl missing on the host: 'make tools' installs the host packages."
  local root; root="$(mktemp -d)"
  busybox_rootfs "$root"
  cp -L "$curl" "$root/usr/bin/curl"
  local f
  for f in $(ldd "$curl" | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
  done
  chroot "$root" /usr/bin/curl --version >/dev/null || die "curl does not run inside the starter rootfs."
  local ctr; ctr="$(bh from scratch)"
  bh copy "$ctr" "$root" / >/dev/null
  bh config --env PATH=/usr/bin:/bin --user 65534:65534 --cmd '["sh"]' "$ctr"
  commit_image "$ctr" k6-starter "$tag"
  rm -rf "$root"
}

build_controller() {
  local tag; tag="$(controller_tag)"
  [[ -f $IMAGES_DIR/k6-controller-$tag.tar ]] && { log "image k6-controller:$tag: cached"; return; }
  # Built only here, into $IMAGES_DIR whatever the cluster (its tag is its content); published below like the others.
  IMAGE_NAME=k6-controller DOCKERFILE="$HERE/../controller/Dockerfile" APP_IMAGE_TAG="$tag" PUBLISH=false CLUSTER=local \
    "$HERE/../../k8s/scripts/build-app-image.sh" >/dev/null
}

images=("$@")
((${#images[@]})) || images=(k6 k6-starter k6-controller)
for i in "${images[@]}"; do
  case $i in
    k6) build_k6; publish_image k6 "$K6_VERSION" ;;
    k6-starter) build_starter; publish_image k6-starter "$K6_STARTER_IMAGE_TAG" ;;
    k6-controller) build_controller; publish_image k6-controller "$(controller_tag)" ;;
    *) die "unknown image '$i' (known: k6 k6-starter k6-controller)" ;;
  esac
done
