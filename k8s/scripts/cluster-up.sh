#!/usr/bin/env bash
# Brings up the single-node local cluster from host processes, then the add-ons. Safe to run twice.
# With CLUSTER=current it only checks the current kube context.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"

if [[ ${CLUSTER:-local} == current ]]; then
  K=$(kubectl_bin)
  log "CLUSTER=current: using kube context '$("$K" config current-context 2>/dev/null || echo none)'; no local cluster is started."
  "$K" version >/dev/null || die "the current kube context does not answer; fix your kubeconfig or unset CLUSTER."
  exit 0
fi
require_root "make cluster-up" cluster-up
started=$SECONDS

K=$(bin_path kubectl "$KUBERNETES_VERSION")
kc() { "$K" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

running=()
for c in "${COMPONENTS[@]}"; do pid_of "$c" >/dev/null && running+=("$c"); done
if ((${#running[@]} == ${#COMPONENTS[@]})); then
  log "cluster already running; checking add-ons"
else
  ((${#running[@]} == 0)) || die "a half-started cluster is running (${running[*]}). Run 'make cluster-down', then 'make cluster-up'."
  # Leftovers of a cluster whose processes are all gone (a killed session, a reboot): clear them.
  if ls "$PID_DIR"/*.pid >/dev/null 2>&1 || grep -qE " ($CLUSTER_DIR|$RUN_DIR)/" /proc/self/mountinfo; then
    log "an earlier cluster left state behind but none of its processes runs; removing it first"
    "$K8S_DIR/scripts/cluster-down.sh"
  fi
  "$K8S_DIR/scripts/preflight.sh"
  on_exit() {
    local rc=$?
    ((rc == 0)) || log "cluster-up failed; logs are in $LOG_DIR and 'make cluster-down' removes what was started."
  }
  trap on_exit EXIT

  mkdir -p "$CLUSTER_DIR"/{cni/net.d,containerd/certs.d,etcd,kubelet} "$LOG_DIR" "$PID_DIR" "$RUN_DIR/containerd"
  "$K8S_DIR/scripts/certs.sh"

  render() { envsubst "$(printf '${%s} ' CLUSTER_DIR RUN_DIR CONTAINERD_SOCK IMAGE_PREFIX PAUSE_IMAGE_TAG BRIDGE \
    NODE_IP NODE_NAME NODE_POD_CIDR POD_CIDR SERVICE_CIDR DNS_SERVICE_IP CLUSTER_DOMAIN)" <"$K8S_DIR/config/$1" >"$2"; }
  export CLUSTER_DIR RUN_DIR CONTAINERD_SOCK IMAGE_PREFIX PAUSE_IMAGE_TAG BRIDGE NODE_IP NODE_NAME NODE_POD_CIDR \
    POD_CIDR SERVICE_CIDR DNS_SERVICE_IP CLUSTER_DOMAIN
  render containerd.toml "$CLUSTER_DIR/containerd/config.toml"
  render cni.conflist "$CLUSTER_DIR/cni/net.d/10-headroom.conflist"
  render kubelet.yaml "$CLUSTER_DIR/kubelet/config.yaml"
  render kube-proxy.yaml "$CLUSTER_DIR/kube-proxy.yaml"
  for host in _default docker.io registry.k8s.io k8s.gcr.io gcr.io quay.io ghcr.io localhost; do
    mkdir -p "$CLUSTER_DIR/containerd/certs.d/$host"
    cp "$K8S_DIR/config/hosts.toml" "$CLUSTER_DIR/containerd/certs.d/$host/hosts.toml"
  done
  # The loopback registry make test-current pushes to (plain HTTP, this machine only).
  mkdir -p "$CLUSTER_DIR/containerd/certs.d/$LOCAL_REGISTRY"
  printf 'server = "http://%s"\n\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' "$LOCAL_REGISTRY" "$LOCAL_REGISTRY" \
    >"$CLUSTER_DIR/containerd/certs.d/$LOCAL_REGISTRY/hosts.toml"

  log "network: bridge $BRIDGE ($NODE_IP), routes and mangle rules for containment"
  containment_up

  log "starting containerd"
  start_process containerd containerd --config "$CLUSTER_DIR/containerd/config.toml"
  wait_for "containerd" 30 containerd ctr --address "$CONTAINERD_SOCK" version
  # Every archive in the cache: the cluster's own images, and those 'make image' and the data
  # images built earlier (they are imported at build time too while the cluster runs).
  for tar in "$IMAGES_DIR"/*.tar; do
    containerd_import "$tar" ||
      die "importing $tar into containerd failed; delete it and rebuild ('make tools' or 'make image')."
  done
  log "images from $IMAGES_DIR imported into containerd (namespace k8s.io)"

  pki=$CLUSTER_DIR/pki
  log "starting etcd $ETCD_VERSION"
  start_process etcd "$(bin_path etcd "$ETCD_VERSION")" --name "$NODE_NAME" --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:$ETCD_PEER_PORT" --log-level warn
  wait_for "etcd health" 30 etcd curl -sf "http://127.0.0.1:$ETCD_CLIENT_PORT/health"

  log "starting kube-apiserver $KUBERNETES_VERSION"
  start_process kube-apiserver "$(bin_path kube-apiserver "$KUBERNETES_VERSION")" \
    --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port="$APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$pki/ca.crt" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key" \
    --requestheader-allowed-names=front-proxy-client --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --enable-aggregator-routing=true --profiling=false
  wait_for "kube-apiserver /readyz" 90 kube-apiserver kc get --raw /readyz

  log "starting kube-controller-manager, kube-scheduler"
  start_process kube-controller-manager "$(bin_path kube-controller-manager "$KUBERNETES_VERSION")" \
    --kubeconfig="$pki/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$pki/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$pki/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$SERVICE_CIDR" --configure-cloud-routes=false --profiling=false \
    --horizontal-pod-autoscaler-sync-period=10s
  start_process kube-scheduler "$(bin_path kube-scheduler "$KUBERNETES_VERSION")" \
    --kubeconfig="$pki/scheduler.kubeconfig" --authentication-kubeconfig="$pki/scheduler.kubeconfig" \
    --authorization-kubeconfig="$pki/scheduler.kubeconfig" --bind-address=127.0.0.1 --leader-elect=false --profiling=false
  wait_for "kube-controller-manager /healthz" 60 kube-controller-manager curl -skf https://127.0.0.1:10257/healthz
  wait_for "kube-scheduler /healthz" 60 kube-scheduler curl -skf https://127.0.0.1:10259/healthz

  log "starting kubelet, kube-proxy"
  # --containerd: cAdvisor looks for containerd at /run/containerd only; without it per-container
  # CPU series (throttling, the dashboard's CPU panels) are missing. Deprecated, still honoured in 1.33.
  start_process kubelet "$(bin_path kubelet "$KUBERNETES_VERSION")" \
    --config="$CLUSTER_DIR/kubelet/config.yaml" --kubeconfig="$pki/kubelet.kubeconfig" \
    --root-dir="$CLUSTER_DIR/kubelet" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" \
    --containerd="$CONTAINERD_SOCK"
  start_process kube-proxy "$(bin_path kube-proxy "$KUBERNETES_VERSION")" --config="$CLUSTER_DIR/kube-proxy.yaml"
  wait_for "kubelet /healthz" 60 kubelet curl -sf http://127.0.0.1:10248/healthz
  wait_for "kube-proxy /healthz" 60 kube-proxy curl -sf http://127.0.0.1:10256/healthz
  wait_for "node $NODE_NAME Ready" 120 kubelet kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
fi

"$K8S_DIR/scripts/addons.sh"
log "cluster up in $((SECONDS - started))s: export KUBECONFIG=$KUBECONFIG_PATH"
