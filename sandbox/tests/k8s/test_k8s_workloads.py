"""Workloads as the apiserver defaults them and their controllers report them: StatefulSet and DaemonSet
update strategies and probe timings filled in, `kubectl rollout status` for StatefulSets (whole and partitioned
roll-outs) and DaemonSets on kubectl 1.32/1.34/1.37, and Deployment revisions renumbered on `rollout undo`."""

from __future__ import annotations

import json

import pytest
import yaml

from sandbox.tests.k8s.k8s_helpers import wait_until

VERSIONS = ["1.32", "1.34", ""]  # "" is the default kubectl, 1.37
IDS = ["kubectl-1.32", "kubectl-1.34", "kubectl-1.37"]


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def workload(kind: str, name: str, image: str = "nginx:1.25", **spec) -> str:
    container = {"name": "web", "image": image, "readinessProbe": {"httpGet": {"port": 80}},
                 "livenessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 20}}
    body = {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}, **spec}
    return yaml.safe_dump({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": body})


def get(eks, namespace, what: str) -> dict:
    return json.loads(ok(eks.kubectl("get", what, "-o", "json", namespace=namespace)))


def test_statefulset_and_daemonset_defaults(eks, namespace):
    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                    "resources": {"requests": {"storage": "1Gi"}}}}
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload(
        "StatefulSet", "db", replicas=1, serviceName="db", volumeClaimTemplates=[claim])))
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload("DaemonSet", "agent")))
    sts, ds = get(eks, namespace, "statefulset/db"), get(eks, namespace, "daemonset/agent")
    assert sts["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert sts["spec"]["podManagementPolicy"] == "OrderedReady"
    assert sts["spec"]["revisionHistoryLimit"] == ds["spec"]["revisionHistoryLimit"] == 10
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    template = sts["spec"]["volumeClaimTemplates"][0]
    assert template["spec"]["volumeMode"] == "Filesystem" and template["status"] == {"phase": "Pending"}
    assert ds["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                            "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    container = ds["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                                           "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                                           "failureThreshold": 3}
    assert container["livenessProbe"]["periodSeconds"] == 20 and container["livenessProbe"]["timeoutSeconds"] == 1


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_rollout_status_of_statefulsets_and_daemonsets(eks, namespace, version):
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload("StatefulSet", "db", replicas=2,
                                                                           serviceName="db")))
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload("DaemonSet", "agent")))
    done = ok(eks.kubectl("rollout", "status", "statefulset/db", "--timeout=30s", version=version,
                          namespace=namespace, timeout=40))
    assert "partitioned roll out complete: 2 new pods have been updated" in done
    done = ok(eks.kubectl("rollout", "status", "daemonset/agent", "--timeout=30s", version=version,
                          namespace=namespace, timeout=40))
    assert 'daemon set "agent" successfully rolled out' in done

    ok(eks.kubectl("set", "image", "statefulset/db", "daemonset/agent", "web=nginx:1.27", version=version,
                   namespace=namespace))
    ok(eks.kubectl("rollout", "status", "statefulset/db", "--timeout=30s", version=version, namespace=namespace,
                   timeout=40))
    ok(eks.kubectl("rollout", "status", "daemonset/agent", "--timeout=30s", version=version, namespace=namespace,
                   timeout=40))
    status = get(eks, namespace, "statefulset/db")["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["updatedReplicas"] == 2
    images = ok(eks.kubectl("get", "pods", "-o", "jsonpath={.items[*].spec.containers[0].image}",
                            namespace=namespace)).split()
    assert images == ["nginx:1.27"] * len(images) and len(images) == 2 + 2  # 2 StatefulSet pods, 1 per node


def test_partitioned_statefulset_update_keeps_lower_ordinals(eks, namespace):
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload(
        "StatefulSet", "db", replicas=3, serviceName="db",
        updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})))
    ok(eks.kubectl("rollout", "status", "statefulset/db", "--timeout=30s", namespace=namespace, timeout=40))
    before = get(eks, namespace, "statefulset/db")["status"]["currentRevision"]
    ok(eks.kubectl("set", "image", "statefulset/db", "web=nginx:1.27", namespace=namespace))
    done = ok(eks.kubectl("rollout", "status", "statefulset/db", "--timeout=30s", namespace=namespace, timeout=40))
    assert "partitioned roll out complete: 1 new pods have been updated" in done

    def images():
        pods = get(eks, namespace, "pods")["items"]
        return {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in pods
                if p["status"].get("phase") == "Running"}
    assert wait_until(lambda: images() == {"db-0": "nginx:1.25", "db-1": "nginx:1.25", "db-2": "nginx:1.27"})
    status = get(eks, namespace, "statefulset/db")["status"]
    assert status["currentRevision"] == before != status["updateRevision"]
    assert (status["updatedReplicas"], status["currentReplicas"]) == (1, 2)
    ok(eks.kubectl("delete", "pod", "db-0", "--wait=true", namespace=namespace))  # below the partition:
    assert wait_until(lambda: images().get("db-0") == "nginx:1.25")  # back at the current revision


def test_on_delete_statefulset_waits_for_the_user(eks, namespace):
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload(
        "StatefulSet", "db", replicas=1, serviceName="db", updateStrategy={"type": "OnDelete"})))
    wait_until(lambda: get(eks, namespace, "statefulset/db").get("status", {}).get("readyReplicas") == 1)
    ok(eks.kubectl("set", "image", "statefulset/db", "web=nginx:1.27", namespace=namespace))
    wait_until(lambda: get(eks, namespace, "statefulset/db")["status"]["observedGeneration"] == 2)
    assert get(eks, namespace, "pod/db-0")["spec"]["containers"][0]["image"] == "nginx:1.25"
    ok(eks.kubectl("delete", "pod", "db-0", "--wait=true", namespace=namespace))
    wait_until(lambda: (get(eks, namespace, "statefulset/db")["status"].get("updatedReplicas") == 1))
    assert get(eks, namespace, "pod/db-0")["spec"]["containers"][0]["image"] == "nginx:1.27"


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_rollback_gives_the_reused_replicaset_the_next_revision(eks, namespace, version):
    ok(eks.kubectl("create", "deployment", "web", "--image=nginx:1.25", version=version, namespace=namespace))
    for image in ("nginx:1.26", "nginx:1.27"):
        ok(eks.kubectl("rollout", "status", "deployment/web", "--timeout=30s", namespace=namespace, timeout=40))
        ok(eks.kubectl("set", "image", "deployment/web", f"nginx={image}", namespace=namespace))
    ok(eks.kubectl("rollout", "status", "deployment/web", "--timeout=30s", namespace=namespace, timeout=40))
    ok(eks.kubectl("rollout", "undo", "deployment/web", "--to-revision=1", version=version, namespace=namespace))
    ok(eks.kubectl("rollout", "status", "deployment/web", "--timeout=30s", version=version, namespace=namespace,
                   timeout=40))

    def revisions():
        sets = get(eks, namespace, "replicasets")["items"]
        return {rs["spec"]["template"]["spec"]["containers"][0]["image"]:
                (rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
                 rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision-history"))
                for rs in sets}
    assert wait_until(lambda: revisions() == {"nginx:1.25": ("4", "1"), "nginx:1.26": ("2", None),
                                              "nginx:1.27": ("3", None)})
    history = ok(eks.kubectl("rollout", "history", "deployment/web", version=version, namespace=namespace))
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3", "4"]
    shown = ok(eks.kubectl("rollout", "history", "deployment/web", "--revision=4", version=version,
                           namespace=namespace))
    assert "nginx:1.25" in shown
    deploy = get(eks, namespace, "deployment/web")
    assert deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "4"


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_statefulset_and_daemonset_history_and_undo(eks, namespace, version):
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload("StatefulSet", "db", replicas=2,
                                                                           serviceName="db")))
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=workload("DaemonSet", "agent")))
    for kind in ("statefulset/db", "daemonset/agent"):
        ok(eks.kubectl("rollout", "status", kind, "--timeout=30s", namespace=namespace, timeout=40))
        ok(eks.kubectl("set", "image", kind, "web=nginx:1.27", namespace=namespace))
        ok(eks.kubectl("rollout", "status", kind, "--timeout=30s", namespace=namespace, timeout=40))
        history = ok(eks.kubectl("rollout", "history", kind, version=version, namespace=namespace))
        assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"], history
        assert "nginx:1.25" in ok(eks.kubectl("rollout", "history", kind, "--revision=1", version=version,
                                              namespace=namespace))
        ok(eks.kubectl("rollout", "undo", kind, version=version, namespace=namespace))
        ok(eks.kubectl("rollout", "status", kind, "--timeout=30s", version=version, namespace=namespace,
                       timeout=40))
        assert get(eks, namespace, kind)["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
        history = ok(eks.kubectl("rollout", "history", kind, version=version, namespace=namespace))
        assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"], history
    images = ok(eks.kubectl("get", "pods", "-o", "jsonpath={.items[*].spec.containers[0].image}",
                            namespace=namespace)).split()
    assert wait_until(lambda: ok(eks.kubectl("get", "pods", "-o", "jsonpath={.items[*].spec.containers[0].image}",
                                             namespace=namespace)).split() == ["nginx:1.25"] * 4), images


def test_stalled_rollout_times_out_with_nothing_else_changing(eks, namespace):
    """The deployment controller reports ProgressDeadlineExceeded once progressDeadlineSeconds have passed, as the
    real one does, also when no object changes meanwhile (pods that no node can take stay Pending, untouched)."""
    body = yaml.safe_load(workload("Deployment", "stalled", replicas=1, progressDeadlineSeconds=2))
    body["spec"]["template"]["spec"]["nodeSelector"] = {"eksforge.io/pool": "none-such"}
    ok(eks.kubectl("apply", "-f", "-", namespace=namespace, input=yaml.safe_dump(body)))

    def progressing() -> dict:
        conditions = get(eks, namespace, "deployment/stalled").get("status", {}).get("conditions") or []
        return next((c for c in conditions if c["type"] == "Progressing"), {})

    assert wait_until(lambda: progressing().get("reason") == "ReplicaSetUpdated")
    stalled = wait_until(lambda: progressing().get("reason") == "ProgressDeadlineExceeded" and progressing())
    assert stalled["status"] == "False"
    pod = get(eks, namespace, "pods")["items"][0]
    assert pod["status"]["phase"] == "Pending"
