#!/usr/bin/env bash
# Runs what the TestRun initializer runs, for every scenario script at its TestRun's SCALE and seed
# and at the full SCALE with the large seed: `k6 archive` from a flat directory like the ConfigMap mount, then
# `k6 inspect --execution-requirements` on the archive. Any error (syntax, bad import, bad option
# or threshold expression, a bound exceeded) fails. Prints each script's VUs and duration.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../../k8s/scripts/lib.sh
source "$HERE/../k8s/scripts/lib.sh"
# shellcheck source=../../k8s/test/checks.sh
source "$HERE/../k8s/test/checks.sh"
K6="${K6:-$(bin_path k6 "$K6_VERSION")}"
[[ -x $K6 ]] || die "$K6 missing: run 'make tools' first."

# The pod sees the ConfigMap's keys as files in one directory (/test): so does this check.
cp "$HERE"/scripts/*.js "$work/"

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
      ok "$(printf '%-20s %-28s %s' "$name" "$env" "$summary")"
    else
      printf '%s\n' "$out" >"$work/out"
      bad "$(printf '%-20s %s' "$name" "$env")"
    fi
  done
done
checks_done
