#!/usr/bin/env bash
# Stops the local cluster and removes what it left on the host: processes, pod containers,
# mounts, network namespaces, interfaces, routes, iptables rules, cgroups, sysctls and state
# ($HEADROOM_CACHE/cluster). Built tools and images stay cached. Safe to run when nothing is up.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"

if [[ ${CLUSTER:-local} == current ]]; then
  log "CLUSTER=current: the current kube context is not ours to stop; nothing done."
  exit 0
fi
require_root "make cluster-down" cluster-down

# Node agents first, so nothing restarts the pods we are about to kill.
stop_process kube-proxy
stop_process kubelet

netns_paths=() container_ids=()
if pid_of containerd >/dev/null && ctr_k8s version >/dev/null 2>&1; then
  mapfile -t container_ids < <(ctr_k8s containers ls -q)
  # The pod sandboxes' network namespaces, from their OCI specs, to unmount after the kill.
  mapfile -t netns_paths < <(for id in "${container_ids[@]}"; do
    ctr_k8s containers info "$id" 2>/dev/null |
      jq -r '.Spec.linux.namespaces[]? | select(.type == "network" and .path != null) | .path'
  done | sort -u)
  tasks="$(ctr_k8s tasks ls -q 2>/dev/null || true)"
  if [[ -n $tasks ]]; then
    log "killing $(wc -w <<<"$tasks") pod containers"
    for id in $tasks; do ctr_k8s tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $tasks; do ctr_k8s tasks delete -f "$id" >/dev/null 2>&1 || true; done
  fi
fi
stop_process containerd
for pid in $(our_shims); do
  log "killing leftover containerd shim $pid"
  kill -KILL "$pid" 2>/dev/null || true
done

for c in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_process "$c"; done

# Deepest mounts first: kubelet volumes and container rootfs under our dirs, pod netns files.
mapfile -t mounts < <(awk '{print $5}' /proc/self/mountinfo |
  grep -E "^($CLUSTER_DIR|$RUN_DIR)(/|$)" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-)
for m in "${mounts[@]}" "${netns_paths[@]}"; do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
done
for n in "${netns_paths[@]}"; do rm -f "$n"; done

# kube-proxy removes its own chains; the kubelet's canary and firewall chains are removed here.
kp=$(bin_path kube-proxy "$KUBERNETES_VERSION")
if [[ -x $kp ]]; then "$kp" --cleanup >/dev/null 2>&1 || true; fi
for ipt in iptables ip6tables; do
  for table in filter nat mangle; do
    chains="$($ipt -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}')"
    [[ -z $chains ]] && continue
    { $ipt -w -t "$table" -S | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-' || true; } |
      sed 's/^-A /-D /' | while read -r rule; do eval "$ipt -w -t $table $rule" 2>/dev/null || true; done
    for c in $chains; do $ipt -w -t "$table" -F "$c" 2>/dev/null || true; done
    for c in $chains; do $ipt -w -t "$table" -X "$c" 2>/dev/null || true; done
  done
done
containment_down
conntrack -D -s "$POD_CIDR" >/dev/null 2>&1 || true
conntrack -D -d "$SERVICE_CIDR" >/dev/null 2>&1 || true

# The kubelet's pod cgroups (cgroupfs driver): empty once the containers are gone.
for ctrl in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
  [[ -d ${ctrl}kubepods ]] || continue
  find "${ctrl}kubepods" -depth -type d -exec rmdir {} + 2>/dev/null || true
done

# CNI result caches of our sandboxes (libcni names them <network>-<sandbox id>-<interface>).
for id in "${container_ids[@]}"; do rm -f /var/lib/cni/results/{headroom,cni-loopback}-"$id"-*; done
rm -rf /var/lib/cni/results/headroom-* "$RUN_DIR"
# What a cluster killed rather than stopped leaves (a session that ended mid-run): its state, and so
# its sandbox ids, are gone, but CRI sandbox network namespaces (cni-*) with no process in them and
# shim sockets remain. Only while no containerd or shim runs on the host at all: then no runtime
# can still be using them.
if ! pgrep -x containerd >/dev/null && ! pgrep -f 'containerd-shim' >/dev/null; then
  in_use="$(for p in /proc/[0-9]*; do readlink "$p/ns/net" 2>/dev/null; done | sort -u)"
  for ns in /run/netns/cni-*; do
    [[ -e $ns ]] || continue
    grep -qxF "net:[$(stat -L -c %i "$ns")]" <<<"$in_use" && continue
    log "removing $ns, the network namespace of a pod that is gone"
    umount "$ns" 2>/dev/null || umount -l "$ns" 2>/dev/null || true
    rm -f "$ns"
  done
  find /run/containerd/s -maxdepth 1 -type s -delete 2>/dev/null || true
  # CRI's loopback results of sandboxes removed earlier (a DEL on a vanished netns keeps its cache).
  rm -f /var/lib/cni/results/cni-loopback-*
fi
# Paths the kubelet, containerd and CNI hard-code: remove our entries, then the directories only
# when empty (rmdir), so a runtime the host runs itself keeps its own.
find /var/log/containers -maxdepth 1 -type l -lname "$CLUSTER_DIR/pod-logs/*" -delete 2>/dev/null || true
rm -f /var/lib/kubelet/device-plugins/kubelet.sock
rmdir /var/log/containers /var/lib/kubelet/device-plugins /var/lib/kubelet /var/lib/cni/results /var/lib/cni \
  /run/containerd/s /run/containerd /var/run/netns 2>/dev/null || true
# The state directory holds root-owned overlay snapshots; refuse to delete if a mount survived.
if grep -qE " $CLUSTER_DIR(/| )" /proc/self/mountinfo; then
  die "mounts under $CLUSTER_DIR survived; see 'grep $CLUSTER_DIR /proc/self/mountinfo' and unmount them, then re-run."
fi
rm -rf "$CLUSTER_DIR"
log "cluster down; tools and images stay cached in $HEADROOM_CACHE"
