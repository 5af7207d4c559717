#!/usr/bin/env bash
# `make test-api-fuzz`: Schemathesis (from PyPI, in a venv cached under $HEADROOM_CACHE) generates
# requests from app/openapi.json against the real service on a free loopback port, with the
# private PostgreSQL and Redis (seed `small`). It fails on any 5xx, on a status, content type,
# header or body the document does not describe, and on a crash. Bounded: SCHEMATHESIS_EXAMPLES
# per operation (default 60), once with no token and once with a valid ACTIVE one, so the gated
# routes are fuzzed past the gate too.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../k8s/scripts/lib.sh
source k8s/scripts/lib.sh
VENV=$HEADROOM_CACHE/venv/schemathesis-$SCHEMATHESIS_VERSION
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-60}
OUT=${FUZZ_OUT:-app/test-results/schemathesis}
say() { echo "[fuzz] $*" >&2; }

if [ ! -x "$VENV/bin/st" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $VENV (once)"
  python3 -c 'import venv, ensurepip' 2>/dev/null || k8s/scripts/install-host-packages.sh python
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || { rm -rf "$VENV"; say "pip could not install schemathesis $SCHEMATHESIS_VERSION; check the PyPI proxy (pip config list)"; exit 1; }
fi

: "${DATABASE_URL:?run through make test-api-fuzz, which starts the private services}"
node app/dist/cli/migrate.js >/dev/null
node app/dist/cli/seed.js small >/dev/null
port=$(free_port)
base=http://127.0.0.1:$port
mkdir -p "$OUT"
PORT=$port WEB_CONCURRENCY=1 LOG_LEVEL=warn MAX_ACTIVE=1000000 node app/dist/main.js >"$OUT/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "$base/readyz" >/dev/null || { say "the service did not get ready; see $OUT/service.log"; exit 1; }
token=$(curl -fs -X POST -H 'content-type: application/json' -d '{"userId": 1}' "$base/api/v1/queue/token" | node -pe 'JSON.parse(require("fs").readFileSync(0)).data.token')

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
run() { # NAME [extra args]
  local name=$1; shift
  say "$name: up to $EXAMPLES cases per operation against $base"
  "$VENV/bin/st" run app/openapi.json --url "$base" --checks "$checks" --max-examples "$EXAMPLES" \
    --seed 1 --report junit --report-dir "$OUT/$name" --no-color "$@" | tee "$OUT/$name.txt"
}
status=0
run no-token || status=1
run active-token --header "User-Token: $token" || status=1
[ "$status" -eq 0 ] && say "no failures; reports in $OUT" || say "failures above; reports in $OUT"
exit "$status"
