#!/usr/bin/env bash
# make test-prometheus-ui (in make test-e2e, after test-current's experiment served traffic as the
# release "booking"): Prometheus's own web UI on the local cluster, in headless Chromium (Debian's),
# through the same port-forward `make prometheus-ui` uses. Checks that the project's rules are
# loaded and have recorded data, then opens the query page with two of the dashboard's queries in
# the graph view and keeps its screenshot in test-results/prometheus-ui/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../scripts/lib.sh"
root="$(cd "$here/../.." && pwd)"
out="$root/test-results/prometheus-ui"
mkdir -p "$out"
# shellcheck source=checks.sh
source "$here/checks.sh"

command -v chromium >/dev/null || "$K8S_DIR/scripts/install-host-packages.sh" browser
port="$(free_port)"
PORT=$port CLUSTER=local "$K8S_DIR/scripts/prometheus-ui.sh" >"$work/port-forward.log" 2>&1 &
forward=$!
stop_forward() { kill "$forward" 2>/dev/null; }
summary_on_exit stop_forward
base="http://127.0.0.1:$port"
for _ in $(seq 60); do curl -fs "$base/-/ready" >/dev/null 2>&1 && break; sleep 0.5; done
api() { curl -fsG "$base/api/v1/$1" "${@:2}"; }

echo "== Prometheus UI through make prometheus-ui's port-forward ($base)"
check "the UI answers /query (no missing-assets 500)" curl -fs -o "$work/out" "$base/query"
rules="$(api rules | jq -r '[.data.groups[].name] | sort | join(",")')"
expect "the project's rule groups are loaded" "$rules" "booking.alerts,booking.recording"
recorded="$(api query --data-urlencode 'query=max_over_time(namespace:booking_http_requests:rate1m{namespace="booking"}[30m])' | jq -r '.data.result | length')"
expect "a recording rule has data from the last 30 minutes" "$recorded" 1

# Two of the dashboard's queries as the dashboard sends them for namespace and workload "booking".
dashboard="$root/charts/booking/files/dashboard.json"
mapfile -t queries < <(jq -r '.panels[] | select(.title == "Requests per second" or .title == "p95 latency") | .targets[0].expr' "$dashboard" |
  sed -e 's/\$namespace/booking/g' -e 's/\$workload/booking/g')
expect "two dashboard queries found" "${#queries[@]}" 2
url="$base/query?$(node -e '
  const q = process.argv.slice(1); const p = new URLSearchParams();
  q.forEach((e, i) => { p.set(`g${i}.expr`, e); p.set(`g${i}.tab`, "graph"); p.set(`g${i}.range_input`, "30m"); });
  console.log(p.toString());' "${queries[@]}")"
browse() { timeout 90 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1600 --virtual-time-budget=15000 "$@" "$url" 2>>"$work/chromium.log"; }
browse --dump-dom >"$work/dom.html"
graphs="$({ grep -o 'class="uplot' "$work/dom.html" || true; } | wc -l)"
expect "both queries drawn as graphs (uPlot) in Chromium" "$graphs" 2
check "no query error on the page" bash -c "! grep -qi 'error executing query\|bad_data' '$work/dom.html'"
browse --screenshot="$out/query.png" >/dev/null
check "screenshot kept: test-results/prometheus-ui/query.png" test -s "$out/query.png"

finished=true
