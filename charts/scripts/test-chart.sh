#!/usr/bin/env bash
# Offline checks of charts/booking, no cluster needed:
#   1. helm lint --strict: defaults, every profile, every ci/*-values.yaml
#   2. helm-unittest suites (tests/*_test.yaml), among them the values the schema refuses
#      (tests/schema_test.yaml)
#   3. kube-score over the rendered manifests of every profile and ci values file
#   4. promtool check/test rules on files/rules.yaml; dashboard queries parse as PromQL
# Ends with one 'N passed, N failed' line. Env (from charts/charts.mk): HELM, PROMTOOL; the test
# tools' versions come from versions.env (through lib.sh).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chart="$(cd "$here/../booking" && pwd)"
# shellcheck source=../../k8s/scripts/lib.sh
source "$here/../../k8s/scripts/lib.sh"
: "${HELM:?set by charts/charts.mk}" "${PROMTOOL:?set by charts/charts.mk}"
[[ -x $HELM ]] || die "$HELM missing: run 'make tools' first."
[[ -x $PROMTOOL ]] || die "$PROMTOOL missing: run 'make tools', or install the services group of Debian packages (k8s/scripts/install-host-packages.sh services, as root)."
eval "$("$here/chart-tools.sh")" || exit 1   # HELM_PLUGINS, KUBE_SCORE
export HELM_PLUGINS

# shellcheck source=../../k8s/test/checks.sh
source "$here/../../k8s/test/checks.sh"

profiles=("$chart"/profiles/*.yaml)
cis=("$chart"/ci/*-values.yaml)

echo "== helm lint --strict"
check "defaults" "$HELM" lint --strict "$chart"
for f in "${profiles[@]}" "${cis[@]}"; do
  check "${f#"$chart"/}" "$HELM" lint --strict "$chart" -f "$f"
done

echo "== helm unittest"
# tests/sizing is a chart that renders one suite per profile (its sizing rule).
if "$HELM" unittest --color=false --chart-tests-path tests/sizing "$chart" >"$work/out" 2>&1; then
  ok "$(grep -E '^Tests:' "$work/out" | tr -s ' ')"
else
  bad "helm unittest"
fi

echo "== kube-score $KUBE_SCORE_VERSION (exclusions and reasons: charts/booking/.kube-score-ignore)"
ignores=()
while read -r id _; do ignores+=(--ignore-test "$id"); done < <(grep -Ev '^(#|$)' "$chart/.kube-score-ignore")
for f in "${profiles[@]}" "${cis[@]}"; do
  name="${f#"$chart"/}"
  # Profiles are scored with the optional parts a production install would turn on.
  extra=()
  [[ $name == profiles/* ]] && extra=(--set networkPolicy.enabled=true --set metrics.serviceMonitor.enabled=true --set metrics.prometheusRule.enabled=true)
  if "$HELM" template booking "$chart" -f "$f" "${extra[@]}" >"$work/rendered.yaml" 2>"$work/out"; then
    check "$name" "$KUBE_SCORE" score --color never --exit-one-on-warning \
      --enable-optional-test container-seccomp-profile "${ignores[@]}" "$work/rendered.yaml"
  else
    bad "$name (render)"
  fi
done

echo "== promtool ($("$PROMTOOL" --version 2>&1 | head -1 | awk '{print $3}'))"
check "check rules files/rules.yaml" "$PROMTOOL" check rules "$chart/files/rules.yaml"
for t in "$chart"/tests/rules/*_test.yaml; do
  check "test rules ${t#"$chart"/}" "$PROMTOOL" test rules "$t"
done
# Every dashboard query, with its variables filled in, must parse: written as recording rules
# into a rules file that promtool checks.
# shellcheck disable=SC2016 # JavaScript, not shell, inside the quotes
if node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const exprs = d.panels.flatMap((p) => p.targets.map((t) => t.expr));
  const fill = (e) => e.replaceAll("$namespace", "shop").replaceAll("$workload", "booking");
  console.log("groups:\n- name: dashboard\n  rules:");
  exprs.forEach((e, i) => console.log(`  - record: dashboard:query${i}\n    expr: ${JSON.stringify(fill(e))}`));
  ' "$chart/files/dashboard.json" >"$work/dashboard-rules.yaml" 2>"$work/out"; then
  check "dashboard queries parse ($(grep -c 'record:' "$work/dashboard-rules.yaml") queries)" "$PROMTOOL" check rules "$work/dashboard-rules.yaml"
else
  bad "dashboard.json is not valid JSON"
fi

echo
printf "chart: "
checks_done
