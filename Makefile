# headroom — how many pods will a ticket sale need, and will the autoscaler get there in time?
# `make help` lists every verb.

SHELL := bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

# k8s.mk first: it reads versions.env and sets what the others use (HEADROOM_CACHE, where builds,
# tool binaries and cluster state live outside the repo; CLUSTER, KUBECTL, HELM, the images).
include k8s/k8s.mk
include charts/charts.mk
include k6-operator/k6-operator.mk
include bench/bench.mk

SIZE ?= small

# make experiment: TARGET_TPS, the req/s to plan for (unset: experiments/src/analysis/plan.ts
# DEFAULT_TARGETS). SCENARIO (replayed with the HPA on) and the k6 SCALE (1 = the reports' full
# size; 0.1 fits next to the app on a 2-core node) are k6-operator.mk's.
# Optional prices (one core for an hour, one GiB for an hour): the plan and the sweep are then priced.
PRICE_ARGS = $(if $(PRICE_CPU_HOUR),--price-cpu-hour $(PRICE_CPU_HOUR)) $(if $(PRICE_GB_HOUR),--price-gb-hour $(PRICE_GB_HOUR))
# What run.json records as the command that made a run: the knobs given on make's command line.
EXPERIMENT_KNOBS = PROFILE MIX SKIP SCENARIO TARGET_TPS SCALE SPIKE_SCALE CLUSTER RUN_ID DB_CPU DB_MEMORY REDIS_CPU REDIS_MEMORY DB_POOL DB_MAX_CONNECTIONS PRICE_CPU_HOUR PRICE_GB_HOUR EXPERIMENT_ARGS
space := $(subst ,, )
# The steps' request mix: sale (the ticket-sale mix) or points (every request a PostgreSQL read).
MIX ?= sale
# On the local single node, requests are lowered so several replicas fit; limits stay the profile's.
# The report names this: the HPA's utilisation target is then a share of the lowered request.
# Seeded again on every experiment's upgrade: a changed PostgreSQL size restarts it on an empty
# data directory, and every run should start from the same data anyway.
EXPERIMENT_HELM_ARGS ?= --set seed.enabled=true --set seed.onUpgrade=true $(if $(filter current,$(CLUSTER)),,--set resources.requests.cpu=200m --set resources.requests.memory=256Mi) $(SYSTEM_HELM_ARGS)
# The shared parts' sizes for make experiment / deploy (unset: the chart's defaults). A CPU or
# memory size sets request and limit alike, so a small one is never below the chart's request.
SYSTEM_HELM_ARGS = $(foreach v,DB_CPU:postgresql.resources.%.cpu DB_MEMORY:postgresql.resources.%.memory \
  REDIS_CPU:redis.resources.%.cpu REDIS_MEMORY:redis.resources.%.memory,$(call size_args,$(word 1,$(subst :, ,$(v))),$(word 2,$(subst :, ,$(v))))) \
  $(if $(DB_POOL),--set config.dbPoolMax=$(DB_POOL)) $(if $(DB_MAX_CONNECTIONS),--set postgresql.maxConnections=$(DB_MAX_CONNECTIONS))
size_args = $(if $($(1)),--set-string $(subst %,requests,$(2))=$($(1)) --set-string $(subst %,limits,$(2))=$($(1)))
SERVICES := scripts/test-services.sh
WITH_SERVICES = set -a; eval "$$($(SERVICES) env)"; set +a;

##@ General

.PHONY: help
help: ## Show the verbs
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<verb>\033[0m [VAR=value]\n"} \
	  /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Booking service

node_modules/.installed: package.json app/package.json experiments/package.json k6-operator/controller/package.json charts/dashboard/package.json package-lock.json
	@echo "[deps] npm ci"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: deps
deps: node_modules/.installed ## Install the Node dependencies (npm ci)

.PHONY: build
build: deps ## Compile the service (app/dist)
	npm run --silent -w app build

.PHONY: services
services: ## Start private PostgreSQL and Redis for tests and benchmarks (installs them from Debian if missing)
	$(SERVICES) start

.PHONY: services-stop
services-stop: ## Stop the private PostgreSQL and Redis
	$(SERVICES) stop

.PHONY: seed
seed: build services ## Load seed data in bulk: SIZE=small|large (large = 100k users, 2.5 M seats)
	$(WITH_SERVICES) node app/dist/cli/seed.js $(SIZE)

.PHONY: run
run: build services ## Run the service locally on :3000 against the private services
	$(WITH_SERVICES) node app/dist/cli/migrate.js && node app/dist/main.js

##@ Tests

.PHONY: test
test: ## Run every test: lint, the service (real PostgreSQL and Redis), the chart, the k6 scripts, the analysis, then a real local cluster
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-app
	$(MAKE) --no-print-directory test-api-fuzz
	$(MAKE) --no-print-directory test-chart
	$(MAKE) --no-print-directory test-k6
	$(MAKE) --no-print-directory test-k6-controller
	$(MAKE) --no-print-directory test-experiments
	$(MAKE) --no-print-directory test-e2e

.PHONY: check
check: ## The fast part of make test (about a minute and a half, no cluster): lint, the service, the TestRun controller, the analysis, the chart offline
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-app
	$(MAKE) --no-print-directory test-k6-controller
	$(MAKE) --no-print-directory test-experiments
	$(MAKE) --no-print-directory test-chart

# Every TypeScript project, bench/ and the service's tests included (tsx runs code without checking
# its types); ESLint with typed rules (eslint.config.mjs) on every TypeScript and JavaScript file;
# every shell script at shellcheck's warning level (.shellcheckrc: scripts source each other).
TS_PROJECTS := app app/test experiments k6-operator/controller charts/dashboard bench
.PHONY: lint
lint: deps ## Type-check every TypeScript project (tsc --noEmit); ESLint with typed rules; shellcheck every script
	@for p in $(TS_PROJECTS); do echo "[lint] tsc -p $$p"; npx --no-install tsc -p $$p/tsconfig.json --noEmit || exit 1; done
	@echo "[lint] eslint"
	@npx --no-install eslint --max-warnings 0 .
	@command -v shellcheck >/dev/null || $(K8S_MK_DIR)/scripts/install-host-packages.sh lint
	@echo "[lint] shellcheck (warnings and errors) on $$(git ls-files '*.sh' | wc -l) scripts"
	@git ls-files -z '*.sh' | xargs -0 shellcheck -x --severity=warning

.PHONY: test-app
test-app: build services ## The booking service's tests against real PostgreSQL and Redis
	@trap '$(SERVICES) stop' EXIT; $(WITH_SERVICES) npm run --silent -w app test

.PHONY: test-api-fuzz
test-api-fuzz: build services ## Schemathesis fuzzes the service from app/openapi.json: no 5xx, every answer as documented [SCHEMATHESIS_EXAMPLES=60]
	@trap '$(SERVICES) stop' EXIT; $(WITH_SERVICES) scripts/fuzz-api.sh

# A failed step leaves the cluster to the EXIT trap; after the last one, down.sh takes it down itself
# and checks that nothing is left, so the trap is dropped first.
.PHONY: test-e2e
test-e2e: deps ## make tools and a real local cluster, then: smoke, the chart in the cluster, TestRuns, a CLUSTER=current experiment, Prometheus's UI, the recorder; cluster-down, checked to leave nothing behind
	@if [[ "$(CLUSTER)" == current ]]; then $(MAKE) --no-print-directory test-cluster; exit; fi; \
	trap '$(MAKE) --no-print-directory cluster-down >/dev/null 2>&1 || true' EXIT; \
	$(MAKE) --no-print-directory tools && $(MAKE) --no-print-directory cluster-up && \
	$(MAKE) --no-print-directory test-cluster && \
	$(MAKE) --no-print-directory image && \
	$(MAKE) --no-print-directory test-chart-cluster && \
	$(MAKE) --no-print-directory test-k6-cluster && \
	$(MAKE) --no-print-directory test-current && \
	$(MAKE) --no-print-directory test-prometheus-ui && \
	npm run --silent -w experiments test:cluster && \
	trap - EXIT && bash k8s/test/down.sh

##@ Experiments

.PHONY: test-experiments
test-experiments: deps ## The analysis (USL fit, step search, hold-out and prospective checks, demand, HPA reaction, plan) and report tests on synthetic data
	npm run --silent -w experiments test

.PHONY: experiment
experiment: deps ## From nothing to a report: cluster, images, chart with PROFILE, load, recording, analysis [SCENARIO=] [TARGET_TPS=] [MIX=sale|points] [CLUSTER=current] [PRICE_CPU_HOUR= PRICE_GB_HOUR=] [DB_CPU= DB_MEMORY= REDIS_CPU= REDIS_MEMORY= DB_POOL= DB_MAX_CONNECTIONS=]
	@[[ -n "$(PROFILE)" ]] || { echo "PROFILE is required, e.g. make experiment PROFILE=2cpu-2g (profiles: $(CHART_PROFILES))" >&2; exit 2; }
	@[[ -f charts/booking/profiles/$(PROFILE).yaml ]] || { echo "unknown profile '$(PROFILE)'. Available: $(CHART_PROFILES)" >&2; exit 2; }
	@if [[ "$(CLUSTER)" == current ]]; then $(MAKE) --no-print-directory cluster-current; \
	else $(MAKE) --no-print-directory tools && $(MAKE) --no-print-directory cluster-up && $(MAKE) --no-print-directory image; fi
	$(MAKE) --no-print-directory deploy PROFILE=$(PROFILE) HELM_ARGS="$(EXPERIMENT_HELM_ARGS) $(HELM_ARGS)"
	HEADROOM_COMMAND="$(strip make experiment $(foreach v,$(EXPERIMENT_KNOBS),$(if $(filter command line,$(origin $(v))),$(v)=$(if $(findstring $(space),$($(v))),\"$($(v))\",$($(v))))))" \
	npx --no-install tsx experiments/src/cli/experiment.ts --profile $(PROFILE) --scenario $(SCENARIO) --mix $(MIX) \
	  $(if $(TARGET_TPS),--targets $(TARGET_TPS)) --scale $(SCALE) --cluster $(CLUSTER) --namespace $(NAMESPACE) --release $(RELEASE) \
	  $(if $(SKIP),--skip $(SKIP)) $(if $(SPIKE_SCALE),--spike-scale $(SPIKE_SCALE)) $(if $(RUN_ID),--run-id $(RUN_ID)) $(PRICE_ARGS) $(EXPERIMENT_ARGS)

.PHONY: sweep
sweep: deps ## 'make experiment' for each of PROFILES="250m-512m 500m-1g", then one comparison table [SKIP=] [SCALE=] [SWEEP_ID= to resume] [PRICE_CPU_HOUR= PRICE_GB_HOUR=: the cheapest profile per target]
	@[[ -n "$(PROFILES)" ]] || { echo "PROFILES is required, e.g. make sweep PROFILES=\"250m-512m 500m-1g\" (profiles: $(CHART_PROFILES))" >&2; exit 2; }
	@for p in $(PROFILES); do [[ -f charts/booking/profiles/$$p.yaml ]] || { echo "unknown profile '$$p'. Available: $(CHART_PROFILES)" >&2; exit 2; }; done
	@sweep=$${SWEEP_ID:-sweep-$$(date -u +%Y%m%dT%H%M%SZ)} i=0 n=$(words $(PROFILES)); runs=(); \
	for p in $(PROFILES); do \
	  i=$$((i + 1)) run="experiments/results/$$sweep-$$p"; runs+=("$$run"); \
	  if [[ -f $$run/summary.json ]]; then echo "[sweep] $$i/$$n: $$p already done in $$run"; continue; fi; \
	  echo "[sweep] $$i/$$n: make experiment PROFILE=$$p"; \
	  $(MAKE) --no-print-directory experiment PROFILE=$$p RUN_ID=$$sweep-$$p || { \
	    echo "[sweep] PROFILE=$$p failed (see above). Resume with the same PROFILES and SWEEP_ID=$$sweep: finished runs are kept." >&2; exit 1; }; \
	done; \
	npx --no-install tsx experiments/src/cli/sweep.ts --out "experiments/results/$$sweep" $(PRICE_ARGS) "$${runs[@]}"
