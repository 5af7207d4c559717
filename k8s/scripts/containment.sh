# Network containment for the local cluster (sourced; needs lib.sh and cluster-env.sh).
# Pods get routes to the pod range, the service range and the node address only (CNI config);
# this file makes the host side hold even before the first pod and against kube-proxy's rules.
# shellcheck shell=bash
CONTAIN_CHAIN=HEADROOM-CONTAIN
# Sysctls the cluster changes (kubelet sets the kernel/vm ones); cluster-down restores them.
SAVED_SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)

containment_up() {
  modprobe -a br_netfilter overlay bridge veth 2>/dev/null || true
  local saved="$CLUSTER_DIR/sysctl.saved"
  if [[ ! -f $saved ]]; then
    local s
    for s in "${SAVED_SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$saved"
  fi
  sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1

  # The bridge exists before any pod, carrying the node address, so the pod and service ranges are
  # routed onto it (or nowhere) and never to the default route.
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$NODE_IP/${NODE_POD_CIDR#*/}" dev "$BRIDGE"
  sysctl -qw "net.ipv6.conf.$BRIDGE.disable_ipv6=1"
  ip link set "$BRIDGE" up
  ip route replace unreachable "$POD_CIDR"
  # Host-to-service traffic needs a route before kube-proxy's DNAT; the bridge keeps it local.
  ip route replace "$SERVICE_CIDR" dev "$BRIDGE" src "$NODE_IP"

  # mangle/FORWARD runs before filter/FORWARD, where kube-proxy accepts its own traffic.
  local ipt
  for ipt in iptables ip6tables; do
    $ipt -w -t mangle -N "$CONTAIN_CHAIN" 2>/dev/null || $ipt -w -t mangle -F "$CONTAIN_CHAIN"
    $ipt -w -t mangle -A "$CONTAIN_CHAIN" -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
    $ipt -w -t mangle -A "$CONTAIN_CHAIN" ! -i "$BRIDGE" -o "$BRIDGE" -j DROP
    $ipt -w -t mangle -C FORWARD -j "$CONTAIN_CHAIN" 2>/dev/null || $ipt -w -t mangle -I FORWARD 1 -j "$CONTAIN_CHAIN"
  done
}

containment_down() {
  local ipt
  for ipt in iptables ip6tables; do
    while $ipt -w -t mangle -D FORWARD -j "$CONTAIN_CHAIN" 2>/dev/null; do :; done
    $ipt -w -t mangle -F "$CONTAIN_CHAIN" 2>/dev/null || true
    $ipt -w -t mangle -X "$CONTAIN_CHAIN" 2>/dev/null || true
  done
  ip route del unreachable "$POD_CIDR" 2>/dev/null || true
  ip route del "$SERVICE_CIDR" 2>/dev/null || true
  local veth
  for veth in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$veth" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  local saved="$CLUSTER_DIR/sysctl.saved"
  [[ -f $saved ]] && sysctl -q -p "$saved" >/dev/null 2>&1 || true
}

# Prints one line per broken rule; empty output means contained.
containment_problems() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || echo "bridge $BRIDGE missing"
  ip route show type unreachable | grep -q "^unreachable $POD_CIDR" || echo "no unreachable route for $POD_CIDR"
  local dev
  for ip in "${POD_CIDR%/*}" "${SERVICE_CIDR%/*}"; do
    dev="$(ip route get "${ip%.0}.77" 2>&1 || true)"
    [[ $dev == *"dev $BRIDGE"* || $dev == *unreachable* || $dev == *"No route"* || $dev == *"Network is unreachable"* ]] ||
      echo "host route for ${ip%.0}.77 leaves the machine: $dev"
  done
  iptables -w -t mangle -C FORWARD -j "$CONTAIN_CHAIN" 2>/dev/null || echo "mangle FORWARD does not jump to $CONTAIN_CHAIN"
  iptables -w -t mangle -C "$CONTAIN_CHAIN" -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null ||
    echo "no mangle drop for $BRIDGE -> other interfaces"
  iptables -w -t mangle -C "$CONTAIN_CHAIN" ! -i "$BRIDGE" -o "$BRIDGE" -j DROP 2>/dev/null ||
    echo "no mangle drop for other interfaces -> $BRIDGE"
  if iptables -w -t nat -S POSTROUTING 2>/dev/null | grep -q -- "-s $POD_CIDR .*-j MASQUERADE"; then
    echo "a MASQUERADE rule for $POD_CIDR exists in nat POSTROUTING"
  fi
  return 0
}
