#!/usr/bin/env bash
# Checks the host before cluster-up starts anything; each failure says what to do.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"

problems=()
fail() { problems+=("$1"); }

[[ $(id -u) -eq 0 ]] || fail "not root: the cluster manages cgroups, mounts, routes and iptables. Run as root."

# Binaries: ours from 'make tools', the runtime from Debian.
for t in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  [[ -x $(bin_path "$t" "$KUBERNETES_VERSION") ]] || fail "$t $KUBERNETES_VERSION not built: run 'make tools'."
done
[[ -x $(bin_path etcd "$ETCD_VERSION") ]] || fail "etcd $ETCD_VERSION not built: run 'make tools'."
for img in "${CLUSTER_IMAGES[@]}"; do
  [[ -f $IMAGES_DIR/$img.tar ]] || fail "image $IMAGES_DIR/$img.tar missing: run 'make tools'."
done
for cmd in containerd ctr runc iptables ip6tables ip conntrack openssl curl envsubst; do
  command -v "$cmd" >/dev/null || fail "$cmd missing: 'make tools' installs the host packages."
done
for p in bridge host-local loopback; do
  [[ -x /usr/lib/cni/$p ]] || fail "CNI plugin /usr/lib/cni/$p missing: 'make tools' installs the host packages."
done

# Kernel features the node needs.
modprobe -a br_netfilter overlay bridge veth 2>/dev/null || true
grep -qw overlay /proc/filesystems || fail "kernel has no overlayfs (containerd's snapshotter needs it)."
[[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]] || fail "kernel has no br_netfilter (service traffic between pods on the bridge needs it)."
ip link add headroom-probe type veth peer name headroom-probe1 2>/dev/null && ip link del headroom-probe ||
  fail "cannot create veth pairs (kernel without veth, or no CAP_NET_ADMIN)."
[[ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us || -e /sys/fs/cgroup/cpu.max ]] ||
  fail "no CFS bandwidth control in the cpu cgroup: CPU limits would not throttle."
[[ -d /sys/fs/cgroup/memory || -e /sys/fs/cgroup/memory.max ]] || fail "no memory cgroup controller."
[[ -e /dev/kmsg ]] || fail "/dev/kmsg missing: the kubelet's OOM watcher needs it."
iptables -w -t mangle -S >/dev/null 2>&1 || fail "iptables cannot read the mangle table (kernel netfilter missing?)."

# Ports and leftovers of an earlier cluster.
for port in "${CLUSTER_PORTS[@]}"; do
  if ss -Hltn "sport = :$port" | grep -q .; then
    fail "port $port is in use ($(ss -Hltnp "sport = :$port" | grep -o 'users:.*' | head -1)): stop that process, or run 'make cluster-down' if it is ours."
  fi
done
if [[ -d $CLUSTER_DIR/pids ]] && ls "$CLUSTER_DIR/pids"/*.pid >/dev/null 2>&1; then
  fail "pid files of an earlier cluster in $CLUSTER_DIR/pids: run 'make cluster-down' first."
fi
if ip link show "$BRIDGE" 2>/dev/null | grep -q .; then
  ip -o link show master "$BRIDGE" 2>/dev/null | grep -q . &&
    fail "bridge $BRIDGE still has pod interfaces from an earlier cluster: run 'make cluster-down' first."
fi
if grep -qE " ($CLUSTER_DIR|$RUN_DIR)/" /proc/self/mountinfo; then
  fail "mounts under $CLUSTER_DIR or $RUN_DIR remain from an earlier cluster: run 'make cluster-down' first."
fi
if containerd_answers; then
  fail "a containerd of an earlier cluster answers on $CONTAINERD_SOCK: run 'make cluster-down' first."
fi
# Another route to the pod or service range would send pod traffic somewhere we do not control.
for cidr in "$POD_CIDR" "$SERVICE_CIDR"; do
  other="$(ip route show match "${cidr%/*}" | grep -vE "^default|^unreachable $POD_CIDR|^$SERVICE_CIDR dev $BRIDGE|dev $BRIDGE" || true)"
  [[ -z $other ]] || fail "the host already routes part of $cidr ($other): the cluster's ranges would clash; remove that route or change the ranges in k8s/scripts/cluster-env.sh."
done

if ((${#problems[@]})); then
  printf 'preflight: %s\n' "${problems[@]}" >&2
  exit 1
fi
log "preflight ok"
