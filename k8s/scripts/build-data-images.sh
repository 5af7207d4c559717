#!/usr/bin/env bash
# Builds the images of the chart's in-cluster PostgreSQL and Redis (for experiments) from Debian
# bookworm packages, nothing pulled: <prefix>/postgres:$POSTGRES_IMAGE_TAG and
# <prefix>/redis:$REDIS_IMAGE_TAG, saved as docker-archives in $HEADROOM_CACHE/images (skipped
# when the archive exists), then imported into the local cluster's containerd if it is running
# (cluster-up imports them otherwise), or with CLUSTER=current loaded into kind / pushed to REGISTRY.
# Usage: build-data-images.sh [--no-import] [postgres] [redis]
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=cluster-env.sh
source "$K8S_DIR/scripts/cluster-env.sh"
# The fixed numeric user (above 10000, like the app's) the chart's runAsUser names, created before the
# packages so their maintainer scripts keep them.
DATA_UID=10999

import=1 images=()
for a in "$@"; do
  case $a in
    --no-import) import=0 ;;
    postgres|redis) images+=("$a") ;;
    *) die "unknown argument '$a' (usage: build-data-images.sh [--no-import] [postgres] [redis])" ;;
  esac
done
((${#images[@]})) || images=(postgres redis)
mkdir -p "$IMAGES_DIR" "$SRC_DIR"

# A bookworm minbase root with USER (uid/gid DATA_UID) and the given packages, no docs or apt lists.
make_rootfs() { # dir user home packages...
  local rootfs=$1 user=$2 home=$3; shift 3
  # Only an image that must be built needs root, buildah and debootstrap: a cached 'make tools' needs none.
  need_buildah data-images
  command -v debootstrap >/dev/null || die "debootstrap missing: 'make tools' installs the host packages."
  local mirror; mirror="$(apt_mirror)"
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  log "debootstrap --variant=minbase bookworm into $rootfs (a few minutes)"
  nice_run debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
    die "debootstrap failed: see $rootfs.log"
  mount -t proc proc "$rootfs/proc"
  trap 'umount "'"$rootfs"'/proc" 2>/dev/null || true' RETURN
  # No service may start inside the chroot; PostgreSQL must not create its default cluster.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"; chmod +x "$rootfs/usr/sbin/policy-rc.d"
  mkdir -p "$rootfs/etc/postgresql-common/createcluster.d"
  echo 'create_main_cluster = false' >"$rootfs/etc/postgresql-common/createcluster.d/headroom.conf"
  chroot "$rootfs" groupadd --system --gid "$DATA_UID" "$user"
  chroot "$rootfs" useradd --system --uid "$DATA_UID" --gid "$DATA_UID" --home-dir "$home" --shell /usr/sbin/nologin "$user"
  log "apt-get install ${*} in the chroot"
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get -qq update >>"$rootfs.log" 2>&1 ||
    die "apt-get update in the chroot failed: see $rootfs.log"
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends "$@" >>"$rootfs.log" 2>&1 ||
    die "apt-get install in the chroot failed: see $rootfs.log"
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs/usr/sbin/policy-rc.d"
}

build_postgres() {
  local tag=$POSTGRES_IMAGE_TAG rootfs="$SRC_DIR/postgres-rootfs"
  [[ -f $IMAGES_DIR/postgres-$tag.tar ]] && { log "image postgres:$tag: cached"; return; }
  make_rootfs "$rootfs" postgres /var/lib/postgresql postgresql-15
  # First start on an empty data directory: initdb with the password from the environment, accept
  # password logins from the pod network, create the database; then run the server in front.
  cat >"$rootfs/usr/local/bin/postgres-entrypoint" <<'SH'
#!/bin/sh
set -eu
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
PGDATA="${PGDATA:-/var/lib/postgresql/data/pgdata}"
export PGDATA
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
      postgres --single -D "$PGDATA" -c unix_socket_directories=/tmp postgres >/dev/null
  fi
  echo "postgres-entrypoint: initialised $PGDATA with database $POSTGRES_DB"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp "$@"
SH
  chmod 0755 "$rootfs/usr/local/bin/postgres-entrypoint"
  local ctr; ctr="$(bh from scratch)"
  bh copy "$ctr" "$rootfs" / >/dev/null
  bh config --env PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env PGDATA=/var/lib/postgresql/data/pgdata --user "$DATA_UID:$DATA_UID" --port 5432 \
    --entrypoint '["/usr/local/bin/postgres-entrypoint"]' --cmd '[]' "$ctr"
  commit_image "$ctr" postgres "$tag"
  rm -rf "$rootfs" "$rootfs.log"
}

build_redis() {
  local tag=$REDIS_IMAGE_TAG rootfs="$SRC_DIR/redis-rootfs"
  [[ -f $IMAGES_DIR/redis-$tag.tar ]] && { log "image redis:$tag: cached"; return; }
  make_rootfs "$rootfs" redis /var/lib/redis redis-server
  local ctr; ctr="$(bh from scratch)"
  bh copy "$ctr" "$rootfs" / >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --user "$DATA_UID:$DATA_UID" \
    --port 6379 --workingdir /data --entrypoint '["redis-server"]' --cmd '[]' "$ctr"
  commit_image "$ctr" redis "$tag"
  rm -rf "$rootfs" "$rootfs.log"
}

for i in "${images[@]}"; do
  case $i in
    postgres) build_postgres ;;
    redis) build_redis ;;
  esac
done

((import)) || exit 0
for i in "${images[@]}"; do
  case $i in postgres) publish_image postgres "$POSTGRES_IMAGE_TAG" ;; redis) publish_image redis "$REDIS_IMAGE_TAG" ;; esac
done
