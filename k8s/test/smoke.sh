#!/usr/bin/env bash
# End-to-end smoke test of a running cluster (default: the local one; CLUSTER=current: the current
# kube context). Checks that DNS and Services work, that an HPA scales a CPU-bound Deployment,
# that CPU limits throttle, and that pods cannot reach anything off the machine. The last check
# never sends a packet off the box: it reads the pod's routes and asks the kernel for a route with
# UDP connect(), which only does a route lookup.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"

NS=headroom-smoke
IMAGE="$IMAGE_PREFIX/node-base:$NODE_BASE_IMAGE_TAG"
KUBECTL="$(kubectl_bin)"
if [[ ${CLUSTER:-local} == local ]]; then
  export KUBECONFIG="$KUBECONFIG_PATH"
  [[ -f $KUBECONFIG ]] || die "no local cluster ($KUBECONFIG missing): run 'make cluster-up' first."
  ctr_k8s images ls -q | grep -qx "$IMAGE" || containerd_import "$IMAGES_DIR/node-base-$NODE_BASE_IMAGE_TAG.tar"
fi
k() { "$KUBECTL" -n "$NS" "$@"; }

# shellcheck source=checks.sh
source "$K8S_DIR/test/checks.sh"
cleanup() { "$KUBECTL" delete namespace "$NS" --wait=false --ignore-not-found >/dev/null 2>&1; }
summary_on_exit cleanup

started=$SECONDS
"$KUBECTL" delete namespace "$NS" --ignore-not-found --timeout=120s >/dev/null
"$KUBECTL" create namespace "$NS" >/dev/null
sed "s|\${IMAGE}|$IMAGE|g" "$K8S_DIR/test/smoke.yaml" | k apply -f - >/dev/null
k rollout status deployment/web --timeout=120s >/dev/null
k wait --for=condition=Ready pod/toolbox --timeout=120s >/dev/null

# node -e snippets run inside the toolbox pod; each exits non-zero with a message on failure.
in_pod() { k exec toolbox -- node -e "$1"; }

# A new Service reaches CoreDNS and kube-proxy a moment after its pod is Ready: retry for 20s.
dns_and_service() {
  in_pod '
    const dns = require("dns"), http = require("http");
    const names = ["web", "web.'"$NS"'.svc.'"$CLUSTER_DOMAIN"'"];
    const get = (name) => new Promise((ok, ko) => http.get({ host: name, port: 80, timeout: 5000 }, (r) => {
      let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => ok(b));
    }).on("error", ko).on("timeout", function () { this.destroy(new Error("timeout")); }));
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      for (const name of names) {
        let last = "";
        for (let attempt = 1; ; attempt++) {
          try {
            const { address } = await dns.promises.lookup(name, 4);
            const body = await get(name);
            if (body !== "hello from web") throw new Error(`${name} (${address}) answered ${JSON.stringify(body)}`);
            if (attempt > 1) console.error(`  (${name} answered on attempt ${attempt}; before: ${last})`);
            break;
          } catch (e) {
            last = e.message;
            if (attempt === 20) throw new Error(`${name}: ${e.message}`);
            await sleep(1000);
          }
        }
      }
    })().catch((e) => { console.error(e.message); process.exit(1); });'
}

external_names_do_not_resolve() {
  in_pod '
    require("dns").promises.lookup("example.com", 4)
      .then((a) => { console.error("example.com resolved to", a.address); process.exit(1); })
      .catch(() => process.exit(0));'
}

# Routes only to the pod range, the service range and the node address (inside the pod range).
pod_routes_are_contained() {
  in_pod '
    const allowed = new Set(["'"$POD_CIDR"'", "'"$SERVICE_CIDR"'", "'"$NODE_POD_CIDR"'"]);
    const hex = (h) => Buffer.from(h, "hex").reverse().join(".");
    const bits = (m) => m.split(".").reduce((n, o) => n + ((+o).toString(2).match(/1/g) || []).length, 0);
    const routes = require("fs").readFileSync("/proc/net/route", "utf8").trim().split("\n").slice(1)
      .map((l) => l.split(/\s+/)).map((f) => `${hex(f[1])}/${bits(hex(f[7]))}`);
    const bad = routes.filter((r) => !allowed.has(r));
    if (bad.length) { console.error("unexpected routes:", bad.join(", ")); process.exit(1); }'
}

# UDP connect() resolves the route and sends nothing; ENETUNREACH proves no route exists.
off_box_addresses_unreachable() {
  local outside gw
  outside="$(ip -4 -o route get 1.1.1.1 2>/dev/null | grep -o 'src [0-9.]*' | cut -d' ' -f2 || true)"
  gw="$(ip -4 route show default 2>/dev/null | awk '{print $3; exit}' || true)"
  in_pod '
    const dgram = require("dgram");
    const targets = ["1.1.1.1", "8.8.8.8", "192.0.2.1", "172.16.0.1", "192.168.1.1", "'"$outside"'", "'"$gw"'"].filter(Boolean);
    (async () => {
      for (const ip of targets) {
        const err = await new Promise((done) => {
          const s = dgram.createSocket("udp4");
          s.connect(9, ip, (e) => { s.close(); done(e); });
        });
        if (!err || err.code !== "ENETUNREACH") throw new Error(`route to ${ip} exists (${err ? err.code : "connected"})`);
      }
    })().catch((e) => { console.error(e.message); process.exit(1); });'
}

host_containment() {
  [[ ${CLUSTER:-local} == local ]] || return 0
  local problems; problems="$(containment_problems)"
  [[ -z $problems ]] || { echo "$problems" >&2; return 1; }
}

cpu_limit_throttles() {
  local pod stat
  pod="$(k get pod -l app=hog -o jsonpath='{.items[0].metadata.name}')"
  k wait --for=condition=Ready "pod/$pod" --timeout=60s >/dev/null
  sleep 3
  stat="$(k exec "$pod" -- cat /sys/fs/cgroup/cpu/cpu.stat 2>/dev/null || k exec "$pod" -- cat /sys/fs/cgroup/cpu.stat)"
  local n; n="$(awk '$1 == "nr_throttled" {print $2}' <<<"$stat")"
  [[ ${n:-0} -gt 0 ]] || { echo "nr_throttled=${n:-missing}: $stat" >&2; return 1; }
}

hpa_scales_up() {
  local deadline=$((SECONDS + 240)) n=1
  while ((SECONDS < deadline)); do
    n="$(k get deployment hog -o jsonpath='{.spec.replicas}')"
    ((n >= 2)) && return 0
    sleep 5
  done
  k describe hpa hog >&2
  echo "hog still at $n replicas after 240s" >&2
  return 1
}

echo "smoke test on $("$KUBECTL" config current-context) ($("$KUBECTL" get --raw /version | grep -o '"gitVersion": *"[^"]*"'))"
check "when a pod looks up a Service by DNS name, then it resolves and answers" dns_and_service
check "when a pod looks up an outside name, then it does not resolve" external_names_do_not_resolve
check "when a pod lists its routes, then only pod/service ranges are there" pod_routes_are_contained
check "when a pod asks for a route off the machine, then there is none (ENETUNREACH)" off_box_addresses_unreachable
check "when the cluster is up, then the host's containment rules are in place" host_containment
check "when a busy pod has a CPU limit, then its cgroup is throttled" cpu_limit_throttles
check "when a CPU-bound Deployment is under an HPA, then it scales from 1 to >= 2" hpa_scales_up
echo "smoke test took $((SECONDS - started))s"
finished=true
