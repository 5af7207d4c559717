# Benchmarks: included by the root Makefile.

# The load generator (VEGETA_VERSION in versions.env), built from the Go module proxy into
# $(HEADROOM_CACHE)/bin and reused while present.
VEGETA := $(HEADROOM_CACHE)/bin/vegeta-$(VEGETA_VERSION)

##@ Benchmarks

# The bench starts PostgreSQL and Redis of its own through scripts/test-services.sh (data in
# BENCH_STATE, default /var/tmp/headroom-bench; free ports), so a concurrent `make test`, which
# flushes and stops the shared ones, cannot disturb a run; only their packages are installed here. Knobs: BENCH_COMPARE=<git rev> (that
# commit built beside this tree and measured in the same run), BENCH_RATE (one step per endpoint at
# that rate instead of a knee search), BENCH_ONLY, BENCH_NICE, BENCH_P95_MS, BENCH_STEP_SECONDS (see
# bench/config.ts).
.PHONY: bench
bench: build $(VEGETA) ## Benchmark hot endpoints against bare Express, with PostgreSQL and Redis CPU per request (BENCH_COMPARE=<rev>)
	@command -v redis-server >/dev/null && compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || $(K8S_MK_DIR)/scripts/install-host-packages.sh services
	@command -v taskset >/dev/null || { echo "[bench] taskset is missing: apt-get install util-linux"; exit 1; }
	@[ "$$(nproc)" -ge 2 ] || { echo "[bench] needs 2 CPUs (service on one, load on the other); this machine has $$(nproc)"; exit 1; }
	VEGETA=$(VEGETA) taskset -c $${BENCH_LOAD_CPU:-1} npx --no-install tsx bench/bench.ts

# go install wants the module's version list, which the proxy may refuse; building inside a copy
# of the downloaded module needs only the pinned version.
$(VEGETA):
	@echo "[bench] building vegeta $(VEGETA_VERSION) into $(@D)"
	@command -v go >/dev/null || { echo "[bench] Go is needed to build vegeta: install Go >= 1.22"; exit 1; }
	@mkdir -p $(@D)
	@set -e; export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0; \
	  src=$$(go mod download -json github.com/tsenart/vegeta/v12@$(VEGETA_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	  [ -d "$$src" ] || { echo "[bench] vegeta $(VEGETA_VERSION) is not on the Go module proxy ($$(go env GOPROXY)); check VEGETA_VERSION in versions.env"; exit 1; }; \
	  work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; cp -r "$$src/." "$$work"; chmod -R u+w "$$work"; \
	  cd "$$work" && go build -trimpath -ldflags "-s -w -X main.Version=$(VEGETA_VERSION)" -o "$@.tmp" . && mv "$@.tmp" "$@"
