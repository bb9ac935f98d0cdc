"""Events the simulated controllers write (scheduling, image pulls, container starts, ReplicaSet and Deployment
scaling): `kubectl get events`, `kubectl describe pod` and `kubectl events` show them, and events.k8s.io/v1 serves
the same events as core v1 does."""

from __future__ import annotations

import json

from sandbox.tests.k8s.k8s_helpers import wait_until


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def core_events(eks, namespace) -> list[dict]:
    return json.loads(ok(eks.kubectl("get", "events", "-o", "json", namespace=namespace)))["items"]


def reasons(events, kind=None) -> set[str]:
    return {e["reason"] for e in events if kind is None or e["involvedObject"]["kind"] == kind}


def test_deployment_rollout_writes_the_controllers_events(eks, namespace):
    ok(eks.kubectl("create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", namespace=namespace))
    events = wait_until(lambda: (lambda found: found if {"Scheduled", "Started"} <= reasons(found) else None)(
        core_events(eks, namespace)))
    assert {"ScalingReplicaSet"} <= reasons(events, "Deployment")
    assert {"SuccessfulCreate"} <= reasons(events, "ReplicaSet")
    assert {"Scheduled", "Pulling", "Pulled", "Created", "Started"} <= reasons(events, "Pod")
    scaled = next(e for e in events if e["reason"] == "ScalingReplicaSet")
    assert scaled["message"].startswith("Scaled up replica set web-") and scaled["message"].endswith("from 0 to 2")
    assert scaled["source"]["component"] == "deployment-controller" and scaled["type"] == "Normal"
    pulled = next(e for e in events if e["reason"] == "Pulling")
    assert pulled["message"] == 'Pulling image "nginx:1.25"' and pulled["involvedObject"]["fieldPath"] == \
        "spec.containers{nginx}" and pulled["source"]["host"].endswith(".compute.internal")

    table = ok(eks.kubectl("get", "events", namespace=namespace))
    assert table.split()[:5] == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT"]
    assert "deployment/web" in table and "Scaled up replica set" in table

    ok(eks.kubectl("scale", "deployment", "web", "--replicas=1", namespace=namespace))
    events = wait_until(lambda: (lambda found: found if "SuccessfulDelete" in reasons(found) else None)(
        core_events(eks, namespace)))
    assert any(e["message"].endswith("from 2 to 1") for e in events if e["reason"] == "ScalingReplicaSet")


def test_describe_pod_and_kubectl_events_show_them(eks, namespace):
    ok(eks.kubectl("run", "solo", "--image=busybox:1.36", namespace=namespace))
    wait_until(lambda: "Started" in reasons(core_events(eks, namespace)))
    described = ok(eks.kubectl("describe", "pod", "solo", namespace=namespace))
    events_part = described[described.index("Events:"):]
    assert "default-scheduler" in events_part and f"Successfully assigned {namespace}/solo to" in events_part
    assert 'Pulling image "busybox:1.36"' in events_part and "Started container solo" in events_part
    listing = ok(eks.kubectl("events", "--for", "pod/solo", namespace=namespace))
    assert "Scheduled" in listing and "Pulled" in listing


def test_events_k8s_io_serves_the_same_events(eks, namespace):
    ok(eks.kubectl("run", "solo", "--image=busybox:1.36", namespace=namespace))
    core = wait_until(lambda: (lambda found: found if "Started" in reasons(found) else None)(
        core_events(eks, namespace)))
    new = json.loads(ok(eks.kubectl("get", "events.v1.events.k8s.io", "-o", "json", namespace=namespace)))["items"]
    assert new and all(e["apiVersion"] == "events.k8s.io/v1" for e in new)
    by_name = {e["metadata"]["name"]: e for e in core}
    for event in new:
        same = by_name[event["metadata"]["name"]]
        assert event["regarding"] == same["involvedObject"] and event["note"] == same["message"]
        assert event["reportingController"] == same["reportingComponent"]
        assert event["deprecatedCount"] == same["count"] and "involvedObject" not in event
    # Written through events.k8s.io, read through core v1 (and back)
    uid = json.loads(ok(eks.kubectl("get", "pod", "solo", "-o", "json", namespace=namespace)))["metadata"]["uid"]
    written = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "solo.custom"},
               "eventTime": "2026-01-01T00:00:00.000000Z", "type": "Normal", "reason": "Checked",
               "note": "looked at by a test", "action": "Check", "reportingController": "example.com/tester",
               "reportingInstance": "tester-1", "regarding": {"kind": "Pod", "name": "solo", "namespace": namespace,
                                                              "uid": uid}}
    ok(eks.kubectl("create", "-f", "-", input=json.dumps(written), namespace=namespace))
    from kubernetes import client

    api = eks.api_client()
    stored = client.CoreV1Api(api).read_namespaced_event("solo.custom", namespace)
    assert (stored.message, stored.reporting_component, stored.involved_object.uid) == (
        "looked at by a test", "example.com/tester", uid)
    assert "looked at by a test" in ok(eks.kubectl("describe", "pod", "solo", namespace=namespace))
    client.EventsV1Api(api).patch_namespaced_event("solo.custom", namespace, {"note": "looked at twice"})
    assert client.CoreV1Api(api).read_namespaced_event("solo.custom", namespace).message == "looked at twice"


def test_event_time_must_be_rfc3339_micro(eks, namespace):
    """The apiserver decodes MicroTime with Go's RFC3339Micro layout: no fraction or fewer digits is a 400."""
    event = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "x.y"},
             "eventTime": "2026-01-01T00:00:00+00:00", "reportingController": "a/b", "reportingInstance": "i",
             "action": "Check", "reason": "Checked", "type": "Normal", "regarding": {"kind": "Pod", "name": "x"}}
    refused = eks.kubectl("create", "-f", "-", input=json.dumps(event), namespace=namespace)
    assert refused.returncode != 0 and "parsing time" in refused.stderr


def test_statefulset_and_daemonset_controllers_write_their_events(eks, namespace):
    """Worded as the real controllers word them: the statefulset controller's "create Pod db-0 in StatefulSet db
    successful" and "create Claim ...", the daemonset controller's "Created pod: ..." / "Deleted pod: ..."."""
    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                    "resources": {"requests": {"storage": "1Gi"}}}}
    template = {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "redis:7"}]}}
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=json.dumps({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": template,
                 "volumeClaimTemplates": [claim]}})))
    ok(eks.kubectl("create", "-f", "-", namespace=namespace, input=json.dumps({
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {
            "metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "busybox:1"}]}}}})))

    def said(kind, name, reason, message_start=""):
        return [e for e in core_events(eks, namespace) if e["involvedObject"]["kind"] == kind
                and e["involvedObject"]["name"] == name and e["reason"] == reason
                and e["message"].startswith(message_start)]

    wait_until(lambda: len(said("StatefulSet", "db", "SuccessfulCreate", "create Pod db-")) == 2)
    messages = {e["message"] for e in said("StatefulSet", "db", "SuccessfulCreate")}
    assert {"create Pod db-0 in StatefulSet db successful", "create Pod db-1 in StatefulSet db successful",
            "create Claim data-db-0 Pod db-0 in StatefulSet db success"} <= messages
    assert said("StatefulSet", "db", "SuccessfulCreate")[0]["source"]["component"] == "statefulset-controller"
    ok(eks.kubectl("scale", "statefulset", "db", "--replicas=1", namespace=namespace))
    wait_until(lambda: said("StatefulSet", "db", "SuccessfulDelete", "delete Pod db-1 in StatefulSet db successful"))

    nodes = len(ok(eks.kubectl("get", "nodes", "-o", "name")).split())
    created = wait_until(lambda: (lambda found: found if len(found) == nodes else None)(
        said("DaemonSet", "agent", "SuccessfulCreate", "Created pod: agent-")))
    assert {e["source"]["component"] for e in created} == {"daemonset-controller"}
    ok(eks.kubectl("set", "image", "daemonset/agent", "a=busybox:2", namespace=namespace))
    wait_until(lambda: len(said("DaemonSet", "agent", "SuccessfulDelete", "Deleted pod: agent-")) == nodes)
