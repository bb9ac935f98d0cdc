"""Stages for custom resources (sandbox/k8s/controllers/stages.py): a test-only CRD and stage (widget_stage.yaml)
served by an emulator of its own, driven with the Kubernetes Python client. The stage acts only while the
operator's Deployment is installed and ready, and only once its delay has passed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kubernetes import client

from sandbox import harness, process
from sandbox.k8s.controllers.stages import Expression, Gate, Stage, from_document
from sandbox.tests.k8s.k8s_helpers import wait_until

STAGE_FILE = Path(__file__).with_name("widget_stage.yaml")
STAGE_DELAY = 2.0  # widget_stage.yaml's delay
GROUP = "stages.test.eksforge.dev"
OPERATOR_LABELS = {"app.kubernetes.io/name": "widget-operator"}


@pytest.fixture(scope="module")
def staged(eks, tmp_path_factory) -> harness.EksCluster:
    """The sandbox's cluster served by a second emulator that loads widget_stage.yaml."""
    with harness.separate_emulator(eks.config, "--stages", str(STAGE_FILE)) as (config, child):
        process.wait_until_answering(config, child)
        yield harness.EksCluster(config, eks.env, tmp_path_factory.mktemp("staged"), dict(eks.credentials))


def _deployment(name: str, labels: dict, claim: str | None = None) -> dict:
    pod = {"containers": [{"name": "manager", "image": "example/operator:1.0"}]}
    if claim:  # a claim nobody provides keeps the pod Pending, so the Deployment never becomes available
        pod["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": pod}}}


def _replicas(apps, name: str, field: str) -> int | None:
    """A field of the operator namespace's Deployment `name`'s status (None until a controller reported)."""
    status = apps.read_namespaced_deployment(name, "widget-system").status
    return getattr(status, field, None) if status else None


def test_a_stage_acts_only_while_the_operator_is_ready_and_after_its_delay(staged):
    api = staged.api_client()
    apps, core, custom = client.AppsV1Api(api), client.CoreV1Api(api), client.CustomObjectsApi(api)
    client.ApiextensionsV1Api(api).create_custom_resource_definition({
        "metadata": {"name": f"widgets.{GROUP}"},
        "spec": {"group": GROUP, "scope": "Namespaced",
                 "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}}}]}})
    for namespace in ("widget-system", "shop"):
        core.create_namespace({"metadata": {"name": namespace}})

    def widget_status(name: str) -> dict | None:
        return custom.get_namespaced_custom_object(GROUP, "v1", "shop", "widgets", name).get("status")

    for name, spec in (("sized", {"size": 3}), ("unsized", {"colour": "red"})):
        custom.create_namespaced_custom_object(GROUP, "v1", "shop", "widgets",
                                               {"apiVersion": f"{GROUP}/v1", "kind": "Widget",
                                                "metadata": {"name": name}, "spec": spec})

    # Not installed: a ready Deployment of another chart does not open the gate.
    apps.create_namespaced_deployment("widget-system", _deployment("other", {"app.kubernetes.io/name": "other"}))
    wait_until(lambda: _replicas(apps, "other", "available_replicas") == 1)
    assert widget_status("sized") is None

    # Installed but not ready: its pod waits for a volume claim that never binds.
    apps.create_namespaced_deployment("widget-system", _deployment("widget-operator", OPERATOR_LABELS, "missing"))
    wait_until(lambda: _replicas(apps, "widget-operator", "unavailable_replicas") == 1)
    time.sleep(STAGE_DELAY + 0.5)  # longer than the stage's delay: it would have acted by now
    assert widget_status("sized") is None

    # Ready: the stage acts once its delay has passed since then, on the widgets its selector matches.
    apps.patch_namespaced_deployment("widget-operator", "widget-system",
                                     [{"op": "remove", "path": "/spec/template/spec/volumes"}])
    wait_until(lambda: _replicas(apps, "widget-operator", "available_replicas") == 1, interval=0.02)
    ready_at = time.monotonic()
    status = wait_until(lambda: widget_status("sized"), interval=0.02)
    # The controller saw the Deployment ready no later than this test did (less a stall of this test's polling).
    assert time.monotonic() - ready_at >= STAGE_DELAY / 2
    assert status["phase"] == "Ready"
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [("Ready", "True", "Reconciled")]
    assert status["conditions"][0]["lastTransitionTime"]
    assert widget_status("unsized") is None

    # Uninstalled: the gate closes again.
    apps.delete_namespaced_deployment("widget-operator", "widget-system")
    wait_until(lambda: not any(d.metadata.name == "widget-operator"
                               for d in apps.list_namespaced_deployment("widget-system").items))
    custom.create_namespaced_custom_object(GROUP, "v1", "shop", "widgets", {
        "apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": "late"}, "spec": {"size": 1}})
    time.sleep(STAGE_DELAY + 0.5)
    assert widget_status("late") is None


# --- the stage definitions themselves (pure logic) ------------------------------------------------------------

def test_selector_expressions():
    obj = {"metadata": {"name": "w"}, "spec": {"size": 3}, "status": {"phase": "Pending"}}
    assert Expression(".spec.size", "Exists").holds(obj) and not Expression(".spec.colour", "Exists").holds(obj)
    assert Expression(".status.ready", "DoesNotExist").holds(obj)
    assert Expression(".status.phase", "In", ("Pending", "Failed")).holds(obj)
    assert not Expression(".status.phase", "NotIn", ("Pending",)).holds(obj)
    assert Expression(".spec.size.value", "NotIn", ("3",)).holds(obj)  # a path through a scalar is absent


def test_next_status_merges_and_keeps_transition_times():
    stage = Stage("s", f"{GROUP}/v1", "Widget", Gate("StatefulSet", OPERATOR_LABELS),
                  lambda obj: {"observedGeneration": obj["metadata"]["generation"],
                               "conditions": [{"type": "Ready", "status": "True"}]})
    old = {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}
    obj = {"metadata": {"generation": 4}, "status": {"phase": "Ready", "conditions": [old]}}
    assert stage.next_status(obj) == {"phase": "Ready", "observedGeneration": 4, "conditions": [old]}
    obj["status"]["conditions"] = [dict(old, status="False")]
    assert stage.next_status(obj)["conditions"][0]["lastTransitionTime"] != old["lastTransitionTime"]


def test_stage_documents_are_checked():
    document = {"kind": "Stage", "metadata": {"name": "s"}, "spec": {
        "resourceRef": {"apiVersion": f"{GROUP}/v1", "kind": "Widget"},
        "gate": {"kind": "Deployment", "matchLabels": {}}, "next": {"status": {"phase": "Ready"}}}}
    with pytest.raises(ValueError, match="matchLabels"):  # every simulated operator needs its chart's workload
        from_document(document)
    document["spec"]["gate"] = {"kind": "DaemonSet", "matchLabels": OPERATOR_LABELS}
    with pytest.raises(ValueError, match="Deployment, StatefulSet"):
        from_document(document)
    document["spec"]["gate"]["kind"] = "Deployment"
    document["spec"]["selector"] = {"matchExpressions": [{"key": ".status", "operator": "Gt"}]}
    with pytest.raises(ValueError, match="operator"):
        from_document(document)
    document["spec"]["selector"] = {}
    assert from_document(document).delay == 0.0
