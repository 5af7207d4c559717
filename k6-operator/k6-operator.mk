# Load tests with k6-operator: the operator itself, its images, and `make loadtest`. Included by the
# root Makefile (-include k6-operator/k6-operator.mk) after versions.env and k8s/k8s.mk.
K6_OPERATOR_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

# Pinned here until versions.env takes them (no spaces, no quotes: sourced by bash too).
K6_OPERATOR_VERSION ?= v1.6.0
K6_STARTER_IMAGE_TAG ?= bookworm-headroom
export K6_OPERATOR_VERSION K6_STARTER_IMAGE_TAG

SCENARIO ?= normal-plus-spike
SCALE ?= 0.1
PARALLELISM ?= 1
export SCENARIO SCALE PARALLELISM

##@ Load tests

.PHONY: k6-operator
k6-operator: ## Build the k6 runner/starter images and the operator manager; install CRD, RBAC and manager (CLUSTER=current too)
	$(K6_OPERATOR_MK_DIR)/scripts/build-images.sh
	$(K6_OPERATOR_MK_DIR)/scripts/install.sh

.PHONY: loadtest
loadtest: ## Run SCENARIO (default normal-plus-spike) as a TestRun [SCALE=0.1] [PARALLELISM=1]; combined pass/fail
	$(K6_OPERATOR_MK_DIR)/scripts/loadtest.sh

.PHONY: test-k6-cluster
test-k6-cluster: ## On the running cluster: normal-plus-spike passes (series in Prometheus), a failing threshold fails, token-burst x2 combines and keeps every token
	$(DEPLOY_KUBECONFIG) HELM=$(HELM) KUBECTL=$(KUBECTL) $(K6_OPERATOR_MK_DIR)/test/in-cluster.sh

.PHONY: test-k6
test-k6: $(HEADROOM_CACHE)/bin/k6-$(K6_VERSION) $(HEADROOM_CACHE)/bin/kubectl-$(KUBERNETES_VERSION) ## Check every k6 script (archive + inspect, two scales) and every TestRun against the CRD, offline
	$(K6_OPERATOR_MK_DIR)/test/inspect.sh
	$(K6_OPERATOR_MK_DIR)/test/validate.sh

$(HEADROOM_CACHE)/bin/k6-$(K6_VERSION):
	$(K6_OPERATOR_MK_DIR)/../k8s/scripts/build-go-tools.sh k6

$(HEADROOM_CACHE)/bin/kubectl-$(KUBERNETES_VERSION):
	$(K6_OPERATOR_MK_DIR)/../k8s/scripts/build-kubernetes.sh
