# Load tests with k6-operator: the operator itself, its images, and `make loadtest`. Included by the
# root Makefile after k8s/k8s.mk, whose cluster and image variables it uses.
K6_OPERATOR_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

SCENARIO ?= normal-plus-spike
SCALE ?= 0.1
PARALLELISM ?= 1
export SCENARIO SCALE PARALLELISM

##@ Load tests

.PHONY: k6-operator
k6-operator: deps ## Build the k6 runner/starter and TestRun controller images; install the TestRun CRD and the controller (make cluster-up does this)
	$(K6_OPERATOR_MK_DIR)/scripts/build-images.sh
	$(K6_OPERATOR_MK_DIR)/scripts/install.sh

.PHONY: loadtest
loadtest: deps ## Run SCENARIO (default normal-plus-spike) as a TestRun [SCALE=0.1] [PARALLELISM=1] [K6_ENV="K=V"]; prints the verdict and the combined result
	npx --no-install tsx $(K6_OPERATOR_MK_DIR)/controller/src/cli/loadtest.ts

.PHONY: replay
replay: deps ## Run the reports' scenarios one after another against the release in booking; one table of outcomes [REPLAY="name[:SCALE[:K6_ENV]] ..."] [REPLAY_DIR=]
	$(K6_OPERATOR_MK_DIR)/test/replay.sh $(REPLAY)

.PHONY: testruns
testruns: ## List the TestRuns with their stage and verdict (ThresholdsPassed: True, False or Unknown)
	$(DEPLOY_KUBECONFIG) $(KUBECTL) -n loadtest get testruns \
	  -o 'custom-columns=NAME:.metadata.name,STAGE:.status.stage,PASSED:.status.conditions[?(@.type=="ThresholdsPassed")].status,REASON:.status.conditions[?(@.type=="ThresholdsPassed")].reason,AGE:.metadata.creationTimestamp'

.PHONY: test-k6-cluster
test-k6-cluster: ## On the running cluster: kubectl apply -k/-f run TestRuns to a verdict (x2 runners combined, tokens kept), failing thresholds, bad scripts, deletion
	$(DEPLOY_KUBECONFIG) HELM=$(HELM) KUBECTL=$(KUBECTL) $(K6_OPERATOR_MK_DIR)/test/in-cluster.sh

.PHONY: test-k6-controller
test-k6-controller: deps ## The TestRun controller offline (segments, its objects, combining runners, the verdict); the TestRuns match their template
	npm run --silent -w @headroom/k6-controller test
	npx --no-install tsx $(K6_OPERATOR_MK_DIR)/controller/src/cli/testruns.ts --check

.PHONY: testrun-manifests
testrun-manifests: deps ## Write k6-operator/testruns/*.yaml from their one template (after changing it or K6_VERSION)
	npx --no-install tsx $(K6_OPERATOR_MK_DIR)/controller/src/cli/testruns.ts

.PHONY: test-k6
test-k6: $(K6) $(PINNED_KUBECTL) ## Offline: every k6 script (archive + inspect, two scales) is its report's test or says why not; every TestRun against the CRD
	$(K6_OPERATOR_MK_DIR)/test/inspect.sh
	K6=$(K6) node $(K6_OPERATOR_MK_DIR)/test/shapes.mjs
	$(K6_OPERATOR_MK_DIR)/test/validate.sh
