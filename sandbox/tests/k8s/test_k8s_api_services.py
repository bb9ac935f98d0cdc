"""APIServices (apiregistration.k8s.io/v1) as kube-aggregator keeps them: a local, Available APIService for each
served group-version (CRD groups' come and go with their CRDs), and user-made ones stored like any object."""

from __future__ import annotations

import json

import yaml

from sandbox.tests.k8s.k8s_helpers import wait_until


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def api_services(eks) -> dict:
    listing = json.loads(ok(eks.kubectl("get", "apiservices", "-o", "json")))
    return {a["metadata"]["name"]: a for a in listing["items"]}


def available(api_service) -> dict:
    return next(c for c in (api_service.get("status") or {}).get("conditions") or [] if c["type"] == "Available")


def test_built_in_group_versions_are_local_and_available(eks):
    found = wait_until(lambda: (lambda s: s if "v1.apps" in s else None)(api_services(eks)))
    for name in ("v1.", "v1.apps", "v2.autoscaling", "v1.autoscaling", "v1.discovery.k8s.io", "v1.events.k8s.io"):
        assert name in found, sorted(found)
        assert available(found[name])["status"] == "True" and available(found[name])["reason"] == "Local"
        assert "service" not in found[name]["spec"]
    assert found["v1.apps"]["spec"]["group"] == "apps" and found["v1.apps"]["spec"]["version"] == "v1"
    table = ok(eks.kubectl("get", "apiservice", "v1.apps"))
    assert table.split() == ["NAME", "SERVICE", "AVAILABLE", "AGE", "v1.apps", "Local", "True"] + table.split()[-1:]


def test_crd_group_gets_an_api_service_that_goes_with_the_crd(eks):
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gadgets.apisvc.example.com"},
           "spec": {"group": "apisvc.example.com", "scope": "Namespaced",
                    "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                        "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(crd)))
    # kube-aggregator's controller creates the APIService, then writes its status (Available) in a second write.
    made = wait_until(lambda: (lambda found: found if (found or {}).get("status") else None)(
        api_services(eks).get("v1.apisvc.example.com")))
    assert made["metadata"]["labels"]["kube-aggregator.kubernetes.io/automanaged"] == "true"
    assert made["spec"]["groupPriorityMinimum"] == 1000 and available(made)["status"] == "True"
    ok(eks.kubectl("delete", "crd", "gadgets.apisvc.example.com"))
    wait_until(lambda: "v1.apisvc.example.com" not in api_services(eks))


def test_created_api_service_is_stored_and_reported_unreachable(eks):
    manifest = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                "metadata": {"name": "v1beta1.metrics.k8s.io"},
                "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100,
                         "versionPriority": 100, "insecureSkipTLSVerify": True,
                         "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}}}
    assert "created" in ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(manifest)))
    assert "unchanged" in ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(manifest)))
    stored = wait_until(lambda: (lambda a: a if (a.get("status") or {}).get("conditions") else None)(
        api_services(eks)["v1beta1.metrics.k8s.io"]))
    assert stored["spec"]["service"]["name"] == "metrics-server"
    assert available(stored)["status"] == "False"
    ok(eks.kubectl("delete", "apiservice", "v1beta1.metrics.k8s.io"))
    assert "v1beta1.metrics.k8s.io" not in api_services(eks)
