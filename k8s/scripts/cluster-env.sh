# The local cluster's addresses and ports: one place for every script and test.
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
CLUSTER_PORTS=(2379 2380 6443 10248 10249 10250 10256 10257 10259)
RUN_DIR=/run/headroom
CONTAINERD_SOCK=$RUN_DIR/containerd/containerd.sock
# A socket file can outlive its containerd (a killed session); only an answer counts.
containerd_answers() { [[ -S $CONTAINERD_SOCK ]] && ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; }
PID_DIR=$CLUSTER_DIR/pids
# Start order; cluster-down stops them in reverse.
COMPONENTS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
# Image archives (in $IMAGES_DIR, from 'make tools') the cluster cannot start without.
CLUSTER_IMAGES=("pause-$PAUSE_IMAGE_TAG" "node-base-$NODE_BASE_IMAGE_TAG" "coredns-$COREDNS_VERSION"
  "metrics-server-$METRICS_SERVER_VERSION" "kube-state-metrics-$KUBE_STATE_METRICS_VERSION" "prometheus-$PROMETHEUS_VERSION")
