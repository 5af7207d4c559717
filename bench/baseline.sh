#!/usr/bin/env bash
# Builds a git revision of this repository beside it, for `make bench BENCH_COMPARE=REV`, and
# prints the root of that build. Cached by commit under $HEADROOM_CACHE/bench: a later run of the
# same revision reuses it. Progress goes to stderr; the last line of stdout is the root.
set -euo pipefail
rev=${1:?usage: bench/baseline.sh REV}
cd "$(dirname "$0")/.."
sha=$(git rev-parse --verify --quiet "$rev^{commit}") \
  || { echo "[bench] $rev is not a commit of this repository (git log --oneline shows them)" >&2; exit 1; }
dir=${HEADROOM_CACHE:-$HOME/.cache/headroom}/bench/$sha
if [ ! -f "$dir/.built" ]; then
  echo "[bench] building $rev ($sha) in $dir: npm ci and tsc for the app (once per commit)" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  git archive "$sha" | tar -x -C "$dir"
  (cd "$dir" && npm ci --workspace app --no-audit --no-fund --loglevel=error >&2 && npm run --silent build -w app >&2) \
    || { echo "[bench] could not build $rev; its tree is in $dir" >&2; exit 1; }
  touch "$dir/.built"
fi
echo "$dir"
