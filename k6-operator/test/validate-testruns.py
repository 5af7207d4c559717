#!/usr/bin/env python3
"""Offline check of the TestRun manifests, no cluster needed.

1. Each TestRun is validated against the vendored CRD's openAPIV3Schema (k6-operator v1.6.0) with a
   JSON-schema validator. Objects that declare `properties` get `additionalProperties: false`
   (unless marked x-kubernetes-preserve-unknown-fields), which is what kubectl's strict field
   validation does on the server: a misspelt field fails here instead of being dropped silently.
2. Each TestRun's script must be a key of the ConfigMap that `kubectl kustomize k6-operator/`
   renders, in the same namespace, and carry the settings the project relies on (local images with
   IfNotPresent, remote write with native histograms, a testid tag, runner resources).

Usage: validate-testruns.py CRD.yaml RENDERED_KUSTOMIZE.yaml TESTRUN.yaml...
Prints one line per manifest and a closing 'N passed, N failed'.
"""
import copy
import sys

import jsonschema
import yaml


def strict(schema):
    """Returns the schema with additionalProperties: false wherever the API server would prune."""
    s = copy.deepcopy(schema)

    def walk(node):
        if not isinstance(node, dict):
            return
        if node.get("type") == "object" and "properties" in node \
                and "additionalProperties" not in node \
                and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        for key in ("properties", "patternProperties"):
            for child in node.get(key, {}).values():
                walk(child)
        for key in ("items", "additionalProperties", "not"):
            if isinstance(node.get(key), dict):
                walk(node[key])
        for key in ("allOf", "anyOf", "oneOf"):
            for child in node.get(key, []):
                walk(child)

    walk(s)
    # metadata is validated by the API server itself, not by the CRD schema.
    s["properties"]["metadata"] = {"type": "object"}
    return s


def load_crd(path):
    crd = yaml.safe_load(open(path))
    assert crd["kind"] == "CustomResourceDefinition" and crd["spec"]["group"] == "k6.io", path
    versions = {v["name"]: v for v in crd["spec"]["versions"] if v.get("served")}
    return crd["spec"]["group"], crd["spec"]["names"]["kind"], versions


def env_of(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def project_rules(tr, configmaps):
    """The settings headroom relies on, beyond what the CRD schema can say."""
    errors = []
    spec = tr["spec"]
    ns = tr["metadata"].get("namespace")
    cm = spec.get("script", {}).get("configMap")
    if not cm:
        errors.append("spec.script.configMap is required (scripts come from the generated ConfigMap)")
    else:
        keys = configmaps.get((ns, cm["name"]))
        if keys is None:
            errors.append(f"ConfigMap {ns}/{cm['name']} is not rendered by kustomize")
        else:
            if cm.get("file") not in keys:
                errors.append(f"script {cm.get('file')} is not a key of ConfigMap {cm['name']}")
            if "journey.js" not in keys:
                errors.append(f"ConfigMap {cm['name']} lacks journey.js, which every script imports")
    for part in ("initializer", "starter", "runner"):
        p = spec.get(part, {})
        image = p.get("image", "")
        if not image.startswith("localhost/headroom/") or ":" not in image.rsplit("/", 1)[-1]:
            errors.append(f"spec.{part}.image must be a local tagged image localhost/headroom/<name>:<tag>, not '{image}'")
        if p.get("imagePullPolicy") not in ("IfNotPresent", "Never"):
            errors.append(f"spec.{part}.imagePullPolicy must be IfNotPresent or Never")
    runner = spec.get("runner", {})
    if not runner.get("resources", {}).get("limits") or not runner.get("resources", {}).get("requests"):
        errors.append("spec.runner.resources needs requests and limits")
    args = spec.get("arguments", "").split()
    if "-o" not in args or args[args.index("-o") + 1] != "experimental-prometheus-rw":
        errors.append("spec.arguments must send metrics with -o experimental-prometheus-rw")
    if not any(a.startswith("testid=") for a in args):
        errors.append("spec.arguments must tag the run: --tag testid=<id>")
    env = env_of(runner)
    for name in ("K6_PROMETHEUS_RW_SERVER_URL", "SCALE", "RUNNERS", "TESTID", "BASE_URL"):
        if not env.get(name):
            errors.append(f"spec.runner.env lacks {name}")
    if env.get("K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM") != "true":
        errors.append("spec.runner.env must set K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true")
    if env.get("RUNNERS") != str(spec.get("parallelism")):
        errors.append(f"RUNNERS={env.get('RUNNERS')} must equal parallelism={spec.get('parallelism')}")
    if env_of(spec.get("initializer", {})).get("SCALE") != env.get("SCALE"):
        errors.append("the initializer must see the runners' SCALE (it computes the VUs the operator checks)")
    return errors


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    group, kind, versions = load_crd(argv[1])
    rendered = [d for d in yaml.safe_load_all(open(argv[2])) if d]
    configmaps = {(d["metadata"].get("namespace"), d["metadata"]["name"]): set(d.get("data", {}))
                  for d in rendered if d["kind"] == "ConfigMap"}
    docs = [(argv[2], d) for d in rendered if d.get("kind") == kind]
    for path in argv[3:]:
        docs += [(path, d) for d in yaml.safe_load_all(open(path)) if d]
    validators = {}
    passed = failed = 0
    for path, doc in docs:
        name = f"{path}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        api = doc.get("apiVersion", "")
        errors = []
        if doc.get("kind") != kind or not api.startswith(group + "/") or api.split("/", 1)[1] not in versions:
            errors.append(f"expected kind {kind} in {group}/{{{','.join(versions)}}}, got {doc.get('kind')} {api}")
        else:
            version = api.split("/", 1)[1]
            if version not in validators:
                schema = strict(versions[version]["schema"]["openAPIV3Schema"])
                validators[version] = jsonschema.Draft7Validator(schema)
            for e in sorted(validators[version].iter_errors(doc), key=lambda e: list(e.path)):
                errors.append(f"schema: {'.'.join(str(p) for p in e.path) or '<root>'}: {e.message}")
            if not errors:
                errors += project_rules(doc, configmaps)
        if errors:
            failed += 1
            print(f"FAIL {name}")
            for e in errors:
                print(f"     {e}")
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
