"""kubectl 1.37, 1.34 and 1.32 against the emulator: apply (client-side, server-side, strict validation),
get, patch, diff, scale, rollout status, wait, delete with watch, CRDs."""

from __future__ import annotations

import json

import pytest
import yaml

KUBECTL_VERSIONS = ["", "1.34", "1.32"]  # "" is the default kubectl (1.37)


def deployment(name: str, replicas: int = 2, image: str = "nginx:1.25") -> str:
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "web", "image": image,
                                                       "ports": [{"containerPort": 80}]}]}}}})


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
def test_client_side_apply_twice_reports_unchanged(eks, namespace, version):
    manifest = deployment("web") + "---\n" + yaml.safe_dump(
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    first = ok(eks.kubectl("apply", "-f", "-", version=version, input=manifest, namespace=namespace))
    assert "deployment.apps/web created" in first and "service/web created" in first
    second = ok(eks.kubectl("apply", "-f", "-", version=version, input=manifest, namespace=namespace))
    assert "deployment.apps/web unchanged" in second and "service/web unchanged" in second


@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
def test_server_side_apply_is_idempotent_and_reports_conflicts(eks, namespace, version):
    ok(eks.kubectl("apply", "--server-side", "-f", "-", version=version, input=deployment("ssa"), namespace=namespace))
    before = json.loads(ok(eks.kubectl("get", "deploy", "ssa", "-o", "json", namespace=namespace)))
    ok(eks.kubectl("apply", "--server-side", "-f", "-", version=version, input=deployment("ssa"), namespace=namespace))
    after = json.loads(ok(eks.kubectl("get", "deploy", "ssa", "-o", "json", "--show-managed-fields",
                                     namespace=namespace)))
    assert after["metadata"]["generation"] == before["metadata"]["generation"] == 1
    managers = {(e["manager"], e["operation"]) for e in after["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers

    conflicting = eks.kubectl("apply", "--server-side", "--field-manager", "other", "-f", "-", version=version,
                              input=deployment("ssa", replicas=5), namespace=namespace)
    assert conflicting.returncode != 0
    assert "conflict" in conflicting.stderr.lower() and ".spec.replicas" in conflicting.stderr
    ok(eks.kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", "other", "-f", "-",
                   version=version, input=deployment("ssa", replicas=5), namespace=namespace))
    assert ok(eks.kubectl("get", "deploy", "ssa", "-o", "jsonpath={.spec.replicas}", namespace=namespace)) == "5"


@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
def test_strict_validation_rejects_unknown_fields(eks, namespace, version):
    manifest = yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
                               "data": {"a": "b"}, "bogus": 1})
    rejected = eks.kubectl("apply", "--validate=strict", "-f", "-", version=version, input=manifest,
                           namespace=namespace)
    assert rejected.returncode != 0 and 'unknown field "bogus"' in rejected.stderr
    ok(eks.kubectl("apply", "--validate=false", "-f", "-", version=version, input=manifest, namespace=namespace))
    stored = json.loads(ok(eks.kubectl("get", "cm", "cfg", "-o", "json", namespace=namespace)))
    assert "bogus" not in stored and stored["data"] == {"a": "b"}


def test_get_json_and_yaml(eks, namespace):
    ok(eks.kubectl("create", "configmap", "settings", "--from-literal=color=blue", namespace=namespace))
    as_json = json.loads(ok(eks.kubectl("get", "configmap", "settings", "-o", "json", namespace=namespace)))
    as_yaml = yaml.safe_load(ok(eks.kubectl("get", "configmap", "settings", "-o", "yaml", namespace=namespace)))
    assert as_json["data"] == as_yaml["data"] == {"color": "blue"}
    assert as_json["metadata"]["uid"] == as_yaml["metadata"]["uid"]
    listing = json.loads(ok(eks.kubectl("get", "configmaps", "-o", "json", namespace=namespace)))
    assert [i["metadata"]["name"] for i in listing["items"]] == ["settings"]
    table = ok(eks.kubectl("get", "configmaps", namespace=namespace))
    assert table.splitlines()[0].split() == ["NAME", "DATA", "AGE"] and "settings" in table


@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
def test_patch_merge_json_and_strategic(eks, namespace, version):
    ok(eks.kubectl("apply", "-f", "-", input=deployment("patched"), namespace=namespace))
    ok(eks.kubectl("patch", "deploy", "patched", "--type=merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}',
                   version=version, namespace=namespace))
    ok(eks.kubectl("patch", "deploy", "patched", "--type=json", "-p",
                   '[{"op":"replace","path":"/spec/replicas","value":3}]', version=version, namespace=namespace))
    # Strategic merge: the container list merges by name, so the existing container keeps its image.
    ok(eks.kubectl("patch", "deploy", "patched", "-p",
                   '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}',
                   version=version, namespace=namespace))
    live = json.loads(ok(eks.kubectl("get", "deploy", "patched", "-o", "json", namespace=namespace)))
    assert live["metadata"]["labels"]["tier"] == "front"
    assert live["spec"]["replicas"] == 3
    assert [(c["name"], c["image"]) for c in live["spec"]["template"]["spec"]["containers"]] == [
        ("web", "nginx:1.25"), ("sidecar", "busybox:1.36")]
    failed = eks.kubectl("patch", "deploy", "patched", "--type=json", "-p",
                         '[{"op":"test","path":"/spec/replicas","value":9}]', version=version, namespace=namespace)
    assert failed.returncode != 0


def test_diff_shows_pending_changes_only(eks, namespace):
    ok(eks.kubectl("apply", "-f", "-", input=deployment("differ"), namespace=namespace))
    same = eks.kubectl("diff", "-f", "-", input=deployment("differ"), namespace=namespace)
    assert same.returncode == 0 and same.stdout == ""
    changed = eks.kubectl("diff", "-f", "-", input=deployment("differ", replicas=4), namespace=namespace)
    assert changed.returncode == 1, changed.stderr
    assert "-  replicas: 2" in changed.stdout and "+  replicas: 4" in changed.stdout
    # As against a real server, fields owned by client-side apply conflict unless forced.
    server_side = eks.kubectl("diff", "--server-side", "--force-conflicts", "-f", "-",
                              input=deployment("differ", replicas=4), namespace=namespace)
    assert server_side.returncode == 1 and "+  replicas: 4" in server_side.stdout
    assert ok(eks.kubectl("get", "deploy", "differ", "-o", "jsonpath={.spec.replicas}", namespace=namespace)) == "2"


@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
def test_scale_rollout_status_and_wait(eks, namespace, version):
    ok(eks.kubectl("apply", "-f", "-", input=deployment("roll", replicas=1), namespace=namespace))
    ok(eks.kubectl("scale", "deploy/roll", "--replicas=3", version=version, namespace=namespace))
    assert "successfully rolled out" in ok(eks.kubectl("rollout", "status", "deploy/roll", "--timeout=30s",
                                                       version=version, namespace=namespace))
    ok(eks.kubectl("wait", "--for=condition=Available", "deploy/roll", "--timeout=30s", version=version,
                   namespace=namespace))
    pods = json.loads(ok(eks.kubectl("get", "pods", "-l", "app=roll", "-o", "json", namespace=namespace)))["items"]
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" and p["spec"]["nodeName"] for p in pods)
    # A template change rolls out a new ReplicaSet.
    ok(eks.kubectl("set", "image", "deploy/roll", "web=nginx:1.27", version=version, namespace=namespace))
    ok(eks.kubectl("rollout", "status", "deploy/roll", "--timeout=30s", version=version, namespace=namespace))
    sets = json.loads(ok(eks.kubectl("get", "rs", "-l", "app=roll", "-o", "json", namespace=namespace)))["items"]
    replicas = sorted((rs["spec"]["template"]["spec"]["containers"][0]["image"], rs["spec"]["replicas"]) for rs in sets)
    assert replicas == [("nginx:1.25", 0), ("nginx:1.27", 3)]


@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
def test_delete_waits_for_the_object_and_its_dependents(eks, namespace, version):
    ok(eks.kubectl("apply", "-f", "-", input=deployment("doomed", replicas=2), namespace=namespace))
    ok(eks.kubectl("rollout", "status", "deploy/doomed", "--timeout=30s", namespace=namespace))
    deleted = ok(eks.kubectl("delete", "deploy", "doomed", "--wait", "--timeout=30s", version=version,
                             namespace=namespace))
    assert 'deployment.apps "doomed" deleted' in deleted
    ok(eks.kubectl("wait", "--for=delete", "pods", "-l", "app=doomed", "--timeout=30s", namespace=namespace))
    assert ok(eks.kubectl("get", "rs,pods", "-l", "app=doomed", "-o", "name", namespace=namespace)) == ""


def test_crd_then_custom_resource(eks, namespace):
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gadgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "shortNames": ["gd"]},
                    "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                                  "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                      "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}}
    gadget = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"size": 1}}
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(crd)))
    ok(eks.kubectl("wait", "--for=condition=Established", "crd/gadgets.example.com", "--timeout=10s"))
    assert "gadget.example.com/g1 created" in ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(gadget),
                                                             namespace=namespace))
    assert "gadget.example.com/g1 unchanged" in ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(gadget),
                                                               namespace=namespace))
    assert "g1" in ok(eks.kubectl("get", "gd", namespace=namespace))
    ok(eks.kubectl("patch", "gadget", "g1", "--type=merge", "-p", '{"spec":{"size":7}}', namespace=namespace))
    smp = eks.kubectl("patch", "gadget", "g1", "-p", '{"spec":{"size":8}}', namespace=namespace)
    assert smp.returncode != 0 and "strategic merge patch is not supported" in smp.stderr
    bad = dict(gadget, spec={"size": 2, "unknown": True})
    rejected = eks.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(bad), namespace=namespace)
    assert rejected.returncode != 0 and 'unknown field "spec.unknown"' in rejected.stderr
    assert ok(eks.kubectl("get", "gadget", "g1", "-o", "jsonpath={.spec.size}", namespace=namespace)) == "7"
    explained = ok(eks.kubectl("explain", "gadget.spec"))
    assert "size" in explained and "integer" in explained


def test_namespace_deletion_removes_its_contents(eks):
    ok(eks.kubectl("create", "namespace", "short-lived"))
    ok(eks.kubectl("create", "configmap", "leftover", "--from-literal=a=b", namespace="short-lived"))
    ok(eks.kubectl("delete", "namespace", "short-lived", "--wait", "--timeout=30s"))
    gone = eks.kubectl("get", "namespace", "short-lived")
    assert gone.returncode != 0 and "NotFound" in gone.stderr
    assert ok(eks.kubectl("get", "configmaps", "-A", "--field-selector", "metadata.namespace=short-lived",
                          "-o", "name")) == ""


def test_api_resources_and_version(eks):
    resources = ok(eks.kubectl("api-resources", "-o", "wide"))
    deployments = next(line for line in resources.splitlines() if line.startswith("deployments "))
    assert "deploy" in deployments and "apps/v1" in deployments and "true" in deployments
    version = json.loads(ok(eks.kubectl("version", "-o", "json")))
    assert version["serverVersion"]["gitVersion"].startswith("v1.33.")
    nodes = json.loads(ok(eks.kubectl("get", "nodes", "-o", "json")))["items"]
    assert len(nodes) == 2
    assert {n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] for n in nodes} == {"workers"}
