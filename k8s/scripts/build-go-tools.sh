#!/usr/bin/env bash
# Builds the Go tools other than Kubernetes itself into $HEADROOM_CACHE/bin/<tool>-<version>:
# etcd, CoreDNS, metrics-server, kube-state-metrics, Prometheus (+promtool), helm, k6. Skips tools already built.
# Usage: build-go-tools.sh [tool...]   (default: all)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
go_env
mkdir -p "$BIN_DIR"

# go install of a module without replace directives: the simple case.
install_module() { # name version package ldflags
  local name=$1 version=$2 pkg=$3 ldflags=${4:-}
  local dest; dest="$(bin_path "$name" "$version")"
  [[ -x $dest ]] && { log "$name $version: cached"; return; }
  log "$name $version: building $pkg"
  local gobin; gobin="$(mktemp -d)"
  GOBIN="$gobin" GOFLAGS='' nice_run go install -trimpath -ldflags "-s -w $ldflags" "$pkg@$version" ||
    die "$name $version did not build; check the version in versions.env exists on the module proxy."
  mv "$gobin/$(basename "${pkg%/v[0-9]*}")" "$dest"
  rm -rf "$gobin"
}

# Build inside a writable copy of the downloaded module, with its own go.mod (and replaces): for
# modules the proxy serves by version but whose version list go install wants and cannot read.
build_in_module() { # name version module module-version package-dir ldflags [go build flags...]
  local name=$1 version=$2 module=$3 modversion=$4 dir=$5 ldflags=${6:-}
  shift 6 || true
  local dest; dest="$(bin_path "$name" "$version")"
  [[ -x $dest ]] && { log "$name $version: cached"; return; }
  log "$name $version: building $module@$modversion/$dir"
  local work; work="$(module_copy "$module" "$modversion")"
  (cd "$work" && nice_run go build -trimpath "$@" -ldflags "-s -w $ldflags" -o "$dest" "./$dir") ||
    die "$name $version did not build; see the go output above."
}

module_copy() { # module module-version: prints the path of a writable copy of the downloaded module
  local module=$1 modversion=$2 src work="$SRC_DIR/${1//\//_}@$2"
  if [[ ! -d $work ]]; then
    src="$(go mod download -json "$module@$modversion" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [[ -d $src ]] || die "$module@$modversion not on the module proxy; check the version in versions.env."
    cp -r "$src" "$work.tmp"; chmod -R u+w "$work.tmp"; mv "$work.tmp" "$work"
  fi
  printf '%s' "$work"
}

# Prometheus's web UI the way its release build makes it: the mantine-ui npm workspace of the
# module's web/ui (packages from the npm registry), built with its own scripts, gzipped and
# embedded with the builtinassets tag (scripts/compress_assets.sh writes web/ui/embed.go). Only the
# new UI: the old react-app is a separate npm install and Prometheus 3 serves it only on a flag.
prometheus_ui_assets() { # module-copy
  local ui="$1/web/ui"
  [[ -f $ui/embed.go && -d $ui/static/mantine-ui ]] && return
  log "prometheus web UI: npm ci and build in $ui (a few minutes, once)"
  (cd "$ui" && nice_run npm ci --no-audit --no-fund --loglevel=error &&
    for w in @prometheus-io/lezer-promql @prometheus-io/codemirror-promql @prometheus-io/mantine-ui; do nice_run npm run build -w "$w" || exit 1; done &&
    rm -rf static/mantine-ui && mkdir -p static && mv mantine-ui/dist static/mantine-ui) ||
    die "the Prometheus web UI did not build; see the npm output above."
  (cd "$1" && bash scripts/compress_assets.sh) || die "compressing the Prometheus web UI failed"
}

# etcd's server module has relative replaces, so go install refuses it: build a wrapper module
# whose main calls etcdmain.Main, the same entry point as the etcd binary.
build_etcd() {
  local dest; dest="$(bin_path etcd "$ETCD_VERSION")"
  [[ -x $dest ]] && { log "etcd $ETCD_VERSION: cached"; return; }
  local work="$SRC_DIR/etcd-wrapper-$ETCD_VERSION"
  log "etcd $ETCD_VERSION: building wrapper module in $work"
  rm -rf "$work"; mkdir -p "$work"
  cat >"$work/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (
    cd "$work"
    go mod init headroom.local/etcd >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
    go mod tidy >/dev/null
    nice_run go build -trimpath -ldflags "-s -w" -o "$dest" .
  ) || die "etcd $ETCD_VERSION wrapper did not build; see the go output above."
}

tools=("$@")
((${#tools[@]})) || tools=(etcd coredns metrics-server kube-state-metrics prometheus promtool helm k6)
prom_ldflags="-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v} -X github.com/prometheus/common/version.Branch=HEAD"
for t in "${tools[@]}"; do
  case $t in
    etcd) build_etcd ;;
    coredns) install_module coredns "$COREDNS_VERSION" github.com/coredns/coredns ;;
    metrics-server) install_module metrics-server "$METRICS_SERVER_VERSION" sigs.k8s.io/metrics-server/cmd/metrics-server ;;
    kube-state-metrics)
      build_in_module kube-state-metrics "$KUBE_STATE_METRICS_VERSION" k8s.io/kube-state-metrics/v2 "$KUBE_STATE_METRICS_VERSION" . \
        "-X github.com/prometheus/common/version.Version=${KUBE_STATE_METRICS_VERSION#v}" ;;
    prometheus)
      [[ -x "$(bin_path prometheus "$PROMETHEUS_IMAGE_TAG")" ]] ||
        prometheus_ui_assets "$(module_copy github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION")"
      build_in_module prometheus "$PROMETHEUS_IMAGE_TAG" github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" cmd/prometheus "$prom_ldflags" -tags builtinassets ;;
    promtool)
      build_in_module promtool "$PROMETHEUS_VERSION" github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" cmd/promtool "$prom_ldflags" ;;
    helm)
      install_module helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm \
        "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" ;;
    k6) install_module k6 "$K6_VERSION" go.k6.io/k6 ;;
    *) die "unknown tool '$t' (known: etcd coredns metrics-server kube-state-metrics prometheus promtool helm k6)" ;;
  esac
done
