#!/usr/bin/env bash
# Builds the chart's test tools from their Go modules through the module proxy, at the versions
# pinned in versions.env, into $HEADROOM_CACHE; reuses what is already there.
#   helm-unittest: a Helm plugin directory under $HEADROOM_CACHE/helm/plugins (use it with
#                  HELM_PLUGINS=<that dir>; nothing goes to ~/.local/share/helm)
#   kube-score:    $HEADROOM_CACHE/bin/kube-score-<version>
# Prints 'NAME=path' lines for the caller. Versions: HELM_UNITTEST_VERSION, KUBE_SCORE_VERSION (versions.env).
set -euo pipefail
# shellcheck source=../../k8s/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../k8s/scripts/lib.sh"
command -v go >/dev/null || die "go missing: the chart's test tools are built from their Go modules."
go_env
mkdir -p "$BIN_DIR"

plugins="$HEADROOM_CACHE/helm/plugins-unittest-$HELM_UNITTEST_VERSION"
plugin_dir="$plugins/unittest"
if [[ ! -x $plugin_dir/untt ]]; then
  log "helm-unittest $HELM_UNITTEST_VERSION: building from github.com/helm-unittest/helm-unittest"
  # Its go.mod has a replace directive, which 'go install module@version' refuses: build it as
  # the main module from a copy of the downloaded source instead.
  src="$(go mod download -json "github.com/helm-unittest/helm-unittest@$HELM_UNITTEST_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [[ -d $src ]] || die "go mod download of helm-unittest $HELM_UNITTEST_VERSION failed."
  work="$(mktemp -d)"
  cp -r "$src/." "$work"; chmod -R u+w "$work"
  mkdir -p "$plugin_dir"
  (cd "$work" && nice_run go build -trimpath -ldflags=-s -o "$plugin_dir/untt" ./cmd/helm-unittest)
  rm -rf "$work"
  # The upstream plugin.yaml downloads a release binary in an install hook; this one only runs
  # the binary built above.
  cat >"$plugin_dir/plugin.yaml" <<YAML
name: "unittest"
version: "${HELM_UNITTEST_VERSION#v}"
usage: "unittest for helm charts"
description: "helm-unittest built from its Go module by headroom"
ignoreFlags: false
command: "\$HELM_PLUGIN_DIR/untt"
YAML
fi
echo "HELM_PLUGINS=$plugins"

kube_score="$(bin_path kube-score "$KUBE_SCORE_VERSION")"
if [[ ! -x $kube_score ]]; then
  # kube-linter was the first choice; the module proxy refuses golang.stackrox.io/kube-linter
  # (403 "not available"), so the best-practice linter is kube-score.
  log "kube-score $KUBE_SCORE_VERSION: building from github.com/zegl/kube-score"
  tmp="$(mktemp -d)"
  GOBIN="$tmp" nice_run go install -trimpath -ldflags="-s -X main.version=$KUBE_SCORE_VERSION" \
    "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"
  mv "$tmp/kube-score" "$kube_score"
  rmdir "$tmp"
fi
echo "KUBE_SCORE=$kube_score"
