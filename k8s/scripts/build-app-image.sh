#!/usr/bin/env bash
# Builds an image of ours from a Dockerfile (default: the app's, at the repo root) on the locally
# made Node base image, then makes it available to the cluster (publish_image in cluster-env.sh).
# Env: IMAGE_NAME (default app), DOCKERFILE (default ./Dockerfile), APP_IMAGE_TAG (default: git
# describe), REGISTRY (CLUSTER=current, non-kind), PUBLISH=false to only build and save.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"
require_root "make image (buildah)" image
name="${IMAGE_NAME:-app}"
dockerfile="${DOCKERFILE:-$REPO_ROOT/Dockerfile}"
[[ -f $dockerfile ]] || die "no Dockerfile at $dockerfile."

tag="${APP_IMAGE_TAG:-$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo dev)}"
ref="$IMAGE_PREFIX/$name:$tag"
base="$IMAGE_PREFIX/node-base:$NODE_BASE_IMAGE_TAG"

"$K8S_DIR/scripts/build-images.sh" node-base
load_image "$base" "$IMAGES_DIR/node-base-$NODE_BASE_IMAGE_TAG.tar"

# RUN steps use the host network so npm reaches its registry the way it does on the host, and
# trust what the host trusts (some networks re-sign TLS with their own CA): the host's CA bundle
# and an npmrc naming it are mounted for the build only, never copied into the image.
build_mounts=()
host_ca=/etc/ssl/certs/ca-certificates.crt
if [[ -f $host_ca ]]; then
  npmrc="$(mktemp)"; trap 'rm -f "$npmrc"' EXIT
  echo "cafile=$host_ca" >"$npmrc"
  build_mounts+=(-v "$host_ca:$host_ca:ro" -v "$npmrc:/usr/etc/npmrc:ro")
fi

log "image $ref: building from $dockerfile on $base"
# --pull=never: every FROM must be local.
nice_run buildah "${BUILDAH_FLAGS[@]}" bud --pull=never --network host --layers "${build_mounts[@]}" \
  --build-arg "BASE_IMAGE=$base" -t "$ref" -f "$dockerfile" "$REPO_ROOT"

# make deploy takes the tag of the one archive kept here: one place per kind of cluster, so an
# image built for CLUSTER=current (pushed, not imported) never becomes the local cluster's tag.
archive_dir="$IMAGES_DIR"
[[ ${CLUSTER:-local} == current ]] && archive_dir="$IMAGES_DIR/current"
mkdir -p "$archive_dir"
archive="$archive_dir/$name-$tag.tar"
rm -f "$archive_dir/$name"-*.tar
save_image "$ref" "$archive"

[[ ${PUBLISH:-true} == false ]] || publish_image "$name" "$tag" "$archive"
echo "$ref"
