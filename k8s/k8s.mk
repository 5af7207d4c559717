# Local cluster and toolchain targets, and the variables every other .mk uses to reach the cluster.
# Included first by the root Makefile; also usable alone: make -f k8s/k8s.mk help
K8S_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
include $(K8S_MK_DIR)/../versions.env

HEADROOM_CACHE ?= $(HOME)/.cache/headroom
export HEADROOM_CACHE
# local: the single-node cluster on this machine; current: the current kube context (kind, EKS...).
CLUSTER ?= local
export CLUSTER

# Pinned tools for other targets and scripts ('make tools' builds them).
# With CLUSTER=current, your own kubectl and helm when they are on PATH (your auth plugins work).
PINNED_KUBECTL := $(HEADROOM_CACHE)/bin/kubectl-$(KUBERNETES_VERSION)
PINNED_HELM := $(HEADROOM_CACHE)/bin/helm-$(HELM_VERSION)
KUBECTL := $(or $(if $(filter current,$(CLUSTER)),$(shell command -v kubectl 2>/dev/null)),$(PINNED_KUBECTL))
HELM := $(or $(if $(filter current,$(CLUSTER)),$(shell command -v helm 2>/dev/null)),$(PINNED_HELM))
K6 := $(HEADROOM_CACHE)/bin/k6-$(K6_VERSION)
# The pinned promtool when 'make tools' built it, else Debian's if installed, else build the pinned one.
PINNED_PROMTOOL := $(HEADROOM_CACHE)/bin/promtool-$(PROMETHEUS_VERSION)
PROMTOOL ?= $(firstword $(wildcard $(PINNED_PROMTOOL) /usr/bin/promtool) $(PINNED_PROMTOOL))
# Kubeconfig of the local cluster (CLUSTER=current uses kubectl's own).
LOCAL_KUBECONFIG := $(HEADROOM_CACHE)/cluster/kubeconfig
# A recipe's prefix for commands that reach the cluster: the local one's kubeconfig, or kubectl's own.
DEPLOY_KUBECONFIG = $(if $(filter current,$(CLUSTER)),,KUBECONFIG=$(LOCAL_KUBECONFIG))
# Where the cluster gets PostgreSQL, Redis and the k6 runners: local (built here: imported into the
# local cluster, or pushed to REGISTRY) or upstream (pulled by the cluster itself: versions.env).
IMAGES ?= $(if $(filter current,$(CLUSTER)),upstream,local)
export IMAGES
local_image = $(if $(REGISTRY),$(REGISTRY)/$(1),localhost/headroom/$(1))
# The k6 runner and starter images of the TestRuns (and of the chart's in-cluster test). Not taken
# from the environment: a make inside a make (the CLUSTER=current test) must not inherit the outer one's.
K6_IMAGE = $(if $(filter upstream,$(IMAGES)),$(UPSTREAM_K6_IMAGE),$(call local_image,k6):$(K6_VERSION))
K6_STARTER_IMAGE = $(if $(filter upstream,$(IMAGES)),$(UPSTREAM_K6_STARTER_IMAGE),$(call local_image,k6-starter):$(K6_STARTER_IMAGE_TAG))
export K6_IMAGE K6_STARTER_IMAGE

# The root Makefile has its own help; this one is for 'make -f k8s/k8s.mk'.
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),k8s.mk)
.DEFAULT_GOAL := help
SHELL := bash -o pipefail
.PHONY: help
help: # Show the targets (not listed by the root Makefile's help).
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)
endif

##@ Cluster

.PHONY: host-packages
host-packages: ## Install the Debian packages the verbs use (root; a no-op when present) [PACKAGES="cluster services browser python lint"; default all]
	$(K8S_MK_DIR)/scripts/install-host-packages.sh $(or $(PACKAGES),all)

.PHONY: tools
tools: ## Install the cluster group of Debian packages (root, when missing); build the pinned Kubernetes, etcd, add-ons, Prometheus, helm, k6 and local images into HEADROOM_CACHE.
	$(K8S_MK_DIR)/scripts/install-host-packages.sh
	$(K8S_MK_DIR)/scripts/build-kubernetes.sh
	$(K8S_MK_DIR)/scripts/build-go-tools.sh
	$(K8S_MK_DIR)/scripts/build-images.sh
	$(K8S_MK_DIR)/scripts/build-data-images.sh

.PHONY: cluster-up
cluster-up: ## Start the local single-node cluster (root; idempotent) with the TestRun controller; kubeconfig in HEADROOM_CACHE/cluster/kubeconfig.
	$(K8S_MK_DIR)/scripts/cluster-up.sh
	@[[ "$(CLUSTER)" == current ]] || { $(K8S_MK_DIR)/../k6-operator/scripts/build-images.sh && $(K8S_MK_DIR)/../k6-operator/scripts/install.sh; }

.PHONY: cluster-current
cluster-current: ## CLUSTER=current: only what your cluster needs from here: kubectl and helm (unless on PATH), the images it cannot pull (to REGISTRY), the TestRun controller unless k6-operator runs there
	$(K8S_MK_DIR)/scripts/install-host-packages.sh
	[[ -x "$(KUBECTL)" ]] || $(K8S_MK_DIR)/scripts/build-kubernetes.sh kubectl
	[[ -x "$(HELM)" ]] || $(K8S_MK_DIR)/scripts/build-go-tools.sh helm
	$(MAKE) --no-print-directory image
	@if [[ "$(IMAGES)" == local ]]; then \
	  $(K8S_MK_DIR)/scripts/build-data-images.sh postgres redis && $(K8S_MK_DIR)/../k6-operator/scripts/build-images.sh k6 k6-starter; \
	else echo "[cluster-current] IMAGES=upstream: the cluster pulls $(UPSTREAM_POSTGRES_IMAGE), $(UPSTREAM_REDIS_IMAGE), $(UPSTREAM_K6_IMAGE) (IMAGES=local pushes ours to REGISTRY)"; fi
	KUBECTL=$(KUBECTL) $(K8S_MK_DIR)/../k6-operator/scripts/install.sh

.PHONY: cluster-down
cluster-down: ## Stop the local cluster and remove its processes, mounts, interfaces, rules and state.
	$(K8S_MK_DIR)/scripts/cluster-down.sh

.PHONY: cluster-status
cluster-status: ## Show the local cluster's components, containment, node and pods.
	$(K8S_MK_DIR)/scripts/cluster-status.sh

.PHONY: prometheus-ui
prometheus-ui: ## Prometheus's web UI on 127.0.0.1:9090 (port-forward; prints the URLs of the query page, rules, alerts and targets) [PORT=]
	@$(K8S_MK_DIR)/scripts/prometheus-ui.sh

.PHONY: test-prometheus-ui
test-prometheus-ui: ## On the running local cluster: Prometheus's UI in headless Chromium, the project's rules with data, two dashboard queries graphed; screenshot in test-results/prometheus-ui/
	$(K8S_MK_DIR)/test/prometheus-ui.sh

.PHONY: image
image: ## Build the app image from ./Dockerfile on the local Node base; load it into the cluster (CLUSTER=current: kind or REGISTRY).
	$(K8S_MK_DIR)/scripts/build-app-image.sh

.PHONY: test-current
test-current: ## On the running local cluster: make experiment CLUSTER=current as on someone else's cluster (other context, images from a loopback registry)
	KUBECTL=$(KUBECTL) HELM=$(HELM) LOCAL_KUBECONFIG=$(LOCAL_KUBECONFIG) \
	  $(K8S_MK_DIR)/test/current.sh

.PHONY: test-cluster
test-cluster: ## Smoke-test the running cluster: DNS, HPA scale-up, CPU throttling, network containment.
	$(K8S_MK_DIR)/test/smoke.sh

# Single pinned binaries, built on demand by the targets that need one (make tools builds them all).
$(PINNED_KUBECTL):
	$(K8S_MK_DIR)/scripts/build-kubernetes.sh

$(PINNED_HELM):
	$(K8S_MK_DIR)/scripts/build-go-tools.sh helm

$(K6):
	$(K8S_MK_DIR)/scripts/build-go-tools.sh k6

$(PINNED_PROMTOOL):
	$(K8S_MK_DIR)/scripts/build-go-tools.sh promtool
