# The booking chart's targets. Included by the root Makefile after k8s/k8s.mk, whose cluster and
# image variables (CLUSTER, HELM, KUBECTL, IMAGES, K6_IMAGE, DEPLOY_KUBECONFIG) it uses.
CHARTS_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
CHART_DIR := $(CHARTS_MK_DIR)/booking

# Only the pinned binaries in the cache are built on demand; HELM=/usr/bin/helm etc. are used as given.
HELM_DEP = $(filter $(HEADROOM_CACHE)/%,$(HELM))
CHART_TOOL_DEPS = $(filter $(HEADROOM_CACHE)/%,$(HELM) $(PROMTOOL))
# A recipe line for the targets that reach the cluster: unless CLUSTER=current, stop early when the
# local cluster is not up.
REQUIRE_CLUSTER = $(if $(filter current,$(CLUSTER)),true,[[ -f $(LOCAL_KUBECONFIG) ]] || { \
  echo "ERROR: no local cluster ($(LOCAL_KUBECONFIG) missing): run 'make cluster-up', or use CLUSTER=current." >&2; exit 1; })

PROFILE ?= 250m-512m
CHART_PROFILES := $(sort $(basename $(notdir $(wildcard $(CHART_DIR)/profiles/*.yaml))))
RELEASE ?= booking
NAMESPACE ?= booking
DEPLOY_TIMEOUT ?= 10m
# More helm flags for deploy, e.g. HELM_ARGS="--set seed.enabled=true --set autoscaling.maxReplicas=6".
HELM_ARGS ?=
# The app image tag: the one 'make image' saved last for this kind of cluster (it keeps a single
# app-<tag>.tar, under images/current/ for CLUSTER=current), else what it would build now (git describe).
APP_IMAGE_TAG ?= $(or $(patsubst app-%.tar,%,$(notdir $(lastword $(wildcard $(HEADROOM_CACHE)/images/$(if $(filter current,$(CLUSTER)),current/)app-*.tar)))),$(shell git describe --always --dirty 2>/dev/null || echo dev))

image_sets = --set $(1).image.repository=$(2) --set-string $(1).image.tag=$(3)
# An upstream image reference (repository:tag) as the chart's two values.
upstream_sets = $(call image_sets,$(1),$(firstword $(subst :, ,$(2))),$(lastword $(subst :, ,$(2))))
# The upstream images' own users are 999 (ours: 10999).
DEPLOY_SETS = --set-string image.tag=$(APP_IMAGE_TAG) $(if $(REGISTRY),--set image.repository=$(REGISTRY)/app) \
  $(if $(filter upstream,$(IMAGES)), \
    $(call upstream_sets,postgresql,$(UPSTREAM_POSTGRES_IMAGE)) $(call upstream_sets,redis,$(UPSTREAM_REDIS_IMAGE)) \
    --set postgresql.runAsUser=999 --set redis.runAsUser=999, \
    $(call image_sets,postgresql,$(call local_image,postgres),$(POSTGRES_IMAGE_TAG)) $(call image_sets,redis,$(call local_image,redis),$(REDIS_IMAGE_TAG)))

##@ Chart

.PHONY: deploy
deploy: $(HELM_DEP) ## Install or upgrade the chart: PROFILE=<name> [CLUSTER=current] [NAMESPACE=booking] [HELM_ARGS=...]
	@[[ -f $(CHART_DIR)/profiles/$(PROFILE).yaml ]] || { \
	  echo "ERROR: unknown profile '$(PROFILE)'. Available: $(CHART_PROFILES)" >&2; exit 2; }
	@$(REQUIRE_CLUSTER)
	@echo "[deploy] $(RELEASE) in $(NAMESPACE): profile $(PROFILE), image tag $(APP_IMAGE_TAG), cluster $(CLUSTER)"
	$(DEPLOY_KUBECONFIG) $(HELM) upgrade --install $(RELEASE) $(CHART_DIR) \
	  --namespace $(NAMESPACE) --create-namespace \
	  -f $(CHART_DIR)/profiles/$(PROFILE).yaml $(DEPLOY_SETS) $(HELM_ARGS) \
	  --wait --wait-for-jobs --timeout $(DEPLOY_TIMEOUT)

.PHONY: undeploy
undeploy: $(HELM_DEP) ## Uninstall the chart's release (RELEASE, NAMESPACE, CLUSTER as for deploy)
	$(DEPLOY_KUBECONFIG) $(HELM) uninstall $(RELEASE) --namespace $(NAMESPACE) --wait --ignore-not-found

.PHONY: test-chart
test-chart: deps $(CHART_TOOL_DEPS) ## Offline chart checks: the dashboard's code against its JSON, lint+schema, helm-unittest, kube-score, promtool rules and dashboard queries
	npm run --silent -w charts/dashboard test
	HELM=$(HELM) PROMTOOL=$(PROMTOOL) $(CHARTS_MK_DIR)/scripts/test-chart.sh

.PHONY: test-chart-cluster
test-chart-cluster: $(HELM_DEP) ## On the running cluster: dry-run every profile, zero lost requests through restart and 1->3->1 scaling, dashboard queries
	@$(REQUIRE_CLUSTER)
	$(DEPLOY_KUBECONFIG) HELM=$(HELM) KUBECTL=$(KUBECTL) K6_IMAGE=$(K6_IMAGE) APP_IMAGE_TAG=$(APP_IMAGE_TAG) \
	  HELM_SETS="$(DEPLOY_SETS)" $(CHARTS_MK_DIR)/test/in-cluster.sh

.PHONY: chart-tools
chart-tools: ## Build the chart's test tools (helm-unittest plugin, kube-score) into HEADROOM_CACHE
	$(CHARTS_MK_DIR)/scripts/chart-tools.sh

.PHONY: chart-crds
chart-crds: ## Extract the pinned prometheus-operator CRDs (ServiceMonitor, PrometheusRule) from its Go module
	$(CHARTS_MK_DIR)/scripts/fetch-crds.sh

.PHONY: data-images
data-images: ## Build the in-chart PostgreSQL and Redis images from Debian packages (root); import them when the cluster runs
	$(CHARTS_MK_DIR)/../k8s/scripts/build-data-images.sh
