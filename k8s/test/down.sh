#!/usr/bin/env bash
# Checks that cluster-down leaves nothing behind: no process, mount, network namespace,
# interface, route, iptables rule, cgroup, changed sysctl or state directory.
# Brings the local cluster up first when it is not running; leaves it down.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"
require_root "k8s/test/down.sh" cluster-down

pid_of kubelet >/dev/null || "$K8S_DIR/scripts/cluster-up.sh"
# What the running cluster holds, to look for afterwards.
before_sysctls="$(<"$CLUSTER_DIR/sysctl.saved")"
before_netns="$(cd /var/run/netns 2>/dev/null && compgen -G 'cni-*' || true)"
before_veths="$(ip -o link show master "$BRIDGE" | awk -F': ' '{print $2}' | cut -d@ -f1)"
[[ -n $before_veths ]] || die "the running cluster has no pod interfaces; is it really up?"

"$K8S_DIR/scripts/cluster-down.sh"

# shellcheck source=checks.sh
source "$K8S_DIR/test/checks.sh"
expect_none() { # what output
  if [[ -z $2 ]]; then ok "no $1 left"; else printf '%s\n' "$2" >"$work/out"; bad "$1 left:"; fi
}

procs="$(for p in /proc/[0-9]*; do
  cmd="$(tr '\0' ' ' 2>/dev/null <"$p/cmdline" || true)"
  [[ $cmd =~ $HEADROOM_CACHE/bin/(kube-|kubelet|etcd) || $cmd == *"$CLUSTER_DIR"* || $cmd == *"$RUN_DIR/"* ]] &&
    echo "${p#/proc/} $cmd"
done; true)"
expect_none "process of the cluster" "$procs"
expect_none "mount" "$(grep -E "$CLUSTER_DIR|$RUN_DIR|/netns/cni-" /proc/self/mountinfo || true)"
netns_left=""
for n in $before_netns; do [[ -e /var/run/netns/$n ]] && netns_left+="$n "; done
expect_none "pod network namespace" "$netns_left"
links="$(ip -o link show "$BRIDGE" 2>/dev/null || true)"
for v in $before_veths; do links+="$(ip -o link show "$v" 2>/dev/null || true)"; done
expect_none "interface" "$links"
expect_none "route to the pod or service range" "$(ip route show | grep -E "^(unreachable )?(${POD_CIDR%/*}|${SERVICE_CIDR%/*}|${NODE_POD_CIDR%/*})" || true)"
expect_none "iptables rule or chain" "$( { iptables-save; ip6tables-save; } 2>/dev/null | grep -E 'KUBE-|HEADROOM-|cni0' || true)"
expect_none "pod cgroup" "$(ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null || true)"
changed="$(while IFS='=' read -r k v; do
  now="$(sysctl -n "$k")"; [[ $now == "$v" ]] || echo "$k=$now (was $v)"
done <<<"$before_sysctls")"
expect_none "changed sysctl" "$changed"
expect_none "state directory" "$(ls -d "$CLUSTER_DIR" "$RUN_DIR" /var/lib/cni/results/headroom-* 2>/dev/null || true)"
expect_none "file in a hard-coded runtime path" "$(find /var/log/containers /var/log/pods /var/lib/kubelet /opt/containerd \
  /run/containerd /var/lib/cni -mindepth 1 2>/dev/null | head -20 || true)"
checks_done
