# The controller image's tag: a hash of what goes into it, so a changed controller is rebuilt and
# an unchanged one is reused from the cache. Sourced by build-images.sh and install.sh.
# shellcheck shell=bash
controller_tag() {
  local root sources; root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  mapfile -t sources < <(cd "$root" && find k6-operator/controller/src -name '*.ts' | sort)
  (cd "$root" && cat package-lock.json k6-operator/controller/package.json k6-operator/controller/Dockerfile \
    k6-operator/controller/tsconfig*.json "${sources[@]}") | sha256sum | cut -c1-12
}
