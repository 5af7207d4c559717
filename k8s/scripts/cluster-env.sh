# The local cluster's addresses and ports: one place for every script and test (sourced after
# lib.sh). Also brings the helpers that start and stop its processes (processes.sh) and contain its
# network (containment.sh), and puts images where a cluster runs them (publish_image).
# shellcheck shell=bash disable=SC2034
NODE_NAME=headroom
# The node address is the bridge's own address: pods reach it through routes they already have
# for the pod range, and nothing of the cluster listens on the outside interface.
BRIDGE=cni0
NODE_IP=10.244.0.1
NODE_POD_CIDR=10.244.0.0/24
POD_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
APISERVER_PORT=6443
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
# Every port a component listens on, for the preflight check.
CLUSTER_PORTS=("$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" 10248 10249 10250 10256 10257 10259)
RUN_DIR=/run/headroom
CONTAINERD_SOCK=$RUN_DIR/containerd/containerd.sock
# A socket file can outlive its containerd (a killed session); only an answer counts.
containerd_answers() { [[ -S $CONTAINERD_SOCK ]] && ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; }
# ctr on the local containerd, in the namespace the kubelet's images and containers live in.
ctr_k8s() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }
containerd_import() { ctr_k8s images import "$1" >/dev/null; } # archive
PID_DIR=$CLUSTER_DIR/pids
# Start order; cluster-down stops them in reverse.
COMPONENTS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
# Image archives (in $IMAGES_DIR, from 'make tools') the cluster cannot start without.
CLUSTER_IMAGES=("pause-$PAUSE_IMAGE_TAG" "node-base-$NODE_BASE_IMAGE_TAG" "coredns-$COREDNS_VERSION"
  "metrics-server-$METRICS_SERVER_VERSION" "kube-state-metrics-$KUBE_STATE_METRICS_VERSION" "prometheus-$PROMETHEUS_IMAGE_TAG")
# A registry on the host's loopback that the local cluster's containerd pulls from over plain
# HTTP (make test-current pushes there to play a cluster that is not ours). Loopback only.
LOCAL_REGISTRY=127.0.0.1:5000

# publish_image NAME TAG [ARCHIVE]: makes the built image $IMAGE_PREFIX/NAME:TAG (its archive
# ARCHIVE, default $IMAGES_DIR/NAME-TAG.tar)
# available to the cluster: imported into the local containerd, or with CLUSTER=current loaded into
# kind or pushed to $REGISTRY/NAME:TAG (REGISTRY_TLS_VERIFY=false for a plain-HTTP registry).
publish_image() {
  local name=$1 tag=$2 ref="$IMAGE_PREFIX/$1:$2" archive="${3:-$IMAGES_DIR/$1-$2.tar}"
  if [[ ${CLUSTER:-local} == current ]]; then
    local context; context="$("$(kubectl_bin)" config current-context)"
    if [[ $context == kind-* ]]; then
      command -v kind >/dev/null || die "context $context is kind but the kind command is missing."
      kind load image-archive "$archive" --name "${context#kind-}"
      log "image $ref loaded into kind cluster ${context#kind-}"
    else
      [[ -n ${REGISTRY:-} ]] || die "CLUSTER=current ($context) needs REGISTRY=host[:port]/path to push $ref to (the cluster's nodes must be able to pull from it)."
      load_image "$ref" "$archive"
      bh push -q --tls-verify="${REGISTRY_TLS_VERIFY:-true}" "$ref" "docker://$REGISTRY/$name:$tag" ||
        die "pushing $ref to $REGISTRY failed: check REGISTRY, your login (buildah login), and REGISTRY_TLS_VERIFY."
      log "image pushed as $REGISTRY/$name:$tag"
    fi
  elif containerd_answers; then
    containerd_import "$archive"
    log "image $ref imported into the local cluster"
  else
    log "local cluster not running; 'make cluster-up' imports $archive"
  fi
}

# shellcheck source=processes.sh
source "$K8S_DIR/scripts/processes.sh"
# shellcheck source=containment.sh
source "$K8S_DIR/scripts/containment.sh"
