#!/usr/bin/env bash
# Runs what the TestRun initializer runs, for every scenario script at its TestRun's SCALE and seed
# and at the full SCALE with the large seed: `k6 archive` from a flat directory like the ConfigMap mount, then
# `k6 inspect --execution-requirements` on the archive. Any error (syntax, bad import, bad option
# or threshold expression, a bound exceeded) fails. Prints each script's VUs and duration.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$HERE/../versions.env"
HEADROOM_CACHE="${HEADROOM_CACHE:-$HOME/.cache/headroom}"
K6="${K6:-$HEADROOM_CACHE/bin/k6-$K6_VERSION}"
[[ -x $K6 ]] || { echo "ERROR: $K6 missing: run 'make tools' first." >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The pod sees the ConfigMap's keys as files in one directory (/test): so does this check.
cp "$HERE"/scripts/*.js "$work/"

passed=0 failed=0
for script in "$HERE"/scripts/*.js; do
  name="$(basename "$script" .js)"
  [[ $name == journey ]] && continue
  manifest="$(sed -n 's/^    - {name: \(SCALE\|SEED\), value: "\{0,1\}\([^"}]*\)"\{0,1\}}$/\1=\2/p' "$HERE/testruns/$name.yaml" | sort -u | tr '\n' ' ')"
  for env in "${manifest% }" "SCALE=1 SEED=large RUNNERS=4"; do
    args=(); for kv in $env; do args+=(-e "$kv"); done
    if out="$("$K6" archive --quiet "${args[@]}" -O "$work/$name.tar" "$work/$name.js" 2>&1)" &&
      out="$("$K6" inspect --execution-requirements "$work/$name.tar" 2>&1)" &&
      ! grep -q 'level=error' <<<"$out"; then
      summary="$(python3 -c 'import json,sys; d=json.load(sys.stdin); print("maxVUs=%s totalDuration=%s" % (d["maxVUs"], d["totalDuration"]))' <<<"$out")"
      printf 'ok   %-20s %-28s %s\n' "$name" "$env" "$summary"
      passed=$((passed + 1))
    else
      printf 'FAIL %-20s %-28s\n%s\n' "$name" "$env" "$out"
      failed=$((failed + 1))
    fi
  done
done
echo "$passed passed, $failed failed"
((failed == 0))
