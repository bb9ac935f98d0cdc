"""What needs a running container, on kubectl 1.32, 1.34 and 1.37: `logs` (and `logs -f`) print the line the
simulation wrote and return; exec, attach, port-forward and debug fail at once with the sandbox's reason, without
retrying or hanging (each command runs under a timeout)."""

from __future__ import annotations

import json

import pytest
import yaml

from sandbox.tests.k8s.k8s_helpers import wait_until

VERSIONS = ["1.32", "1.34", ""]  # "" is the default kubectl, 1.37
NO_CONTAINERS = "the sandbox runs no containers"


def pod_manifest(name: str) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
                           "spec": {"containers": [{"name": "web", "image": "nginx:1.25",
                                                    "ports": [{"containerPort": 80}]}]}})


@pytest.fixture
def running_pod(eks, namespace) -> str:
    created = eks.kubectl("apply", "-f", "-", input=pod_manifest("web"), namespace=namespace)
    assert created.returncode == 0, created.stderr
    wait_until(lambda: eks.kubectl("get", "pod", "web", "-o", "jsonpath={.status.phase}",
                                   namespace=namespace).stdout == "Running")
    return "web"


@pytest.mark.parametrize("version", VERSIONS, ids=["kubectl-1.32", "kubectl-1.34", "kubectl-1.37"])
def test_logs_show_the_simulated_start_and_return(eks, namespace, running_pod, version):
    for follow in ([], ["-f"], ["--timestamps"]):
        shown = eks.kubectl("logs", *follow, running_pod, version=version, namespace=namespace, timeout=20)
        assert shown.returncode == 0, shown.stderr
        assert 'container "web" (image nginx:1.25) started by the sandbox' in shown.stdout
    stamped = eks.kubectl("logs", "--timestamps", running_pod, version=version, namespace=namespace, timeout=20)
    assert stamped.stdout.split(" ", 1)[0].endswith("Z")
    wrong = eks.kubectl("logs", running_pod, "-c", "nope", version=version, namespace=namespace, timeout=20)
    assert wrong.returncode != 0 and "container nope is not valid for pod web" in wrong.stderr


@pytest.mark.parametrize("version", VERSIONS, ids=["kubectl-1.32", "kubectl-1.34", "kubectl-1.37"])
def test_streams_and_debug_are_refused_at_once(eks, namespace, running_pod, version):
    commands = {
        "exec": ["exec", running_pod, "--", "ls"],
        "exec -it": ["exec", "-i", running_pod, "--", "sh"],
        "attach": ["attach", running_pod],
        "port-forward": ["port-forward", f"pod/{running_pod}", "0:80"],
        "debug": ["debug", running_pod, "--image=busybox"],
        "debug -it": ["debug", running_pod, "-i", "--image=busybox"],
    }
    for case, args in commands.items():
        refused = eks.kubectl(*args, version=version, namespace=namespace, timeout=20, input="")
        assert refused.returncode != 0, f"{case}: {refused.stdout}"
        assert NO_CONTAINERS in refused.stderr, f"{case}: {refused.stderr}"


def test_logs_of_a_pod_that_has_not_started(eks, namespace):
    eks.kubectl("cordon", "-l", "kubernetes.io/os=linux")  # every node: nowhere to schedule, the pod stays Pending
    try:
        created = eks.kubectl("apply", "-f", "-", input=pod_manifest("waiting"), namespace=namespace)
        assert created.returncode == 0, created.stderr
        shown = eks.kubectl("logs", "waiting", namespace=namespace, timeout=20)
        assert shown.returncode != 0
        assert 'container "web" in pod "waiting" is waiting to start: ContainerCreating' in shown.stderr
    finally:
        eks.kubectl("uncordon", "-l", "kubernetes.io/os=linux")


def test_python_client_reads_logs_and_gets_the_refusal(eks, namespace, running_pod):
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core = client.CoreV1Api(eks.api_client())
    assert "started by the sandbox" in core.read_namespaced_pod_log(running_pod, namespace)
    with pytest.raises(ApiException) as refused:
        core.connect_post_namespaced_pod_portforward(running_pod, namespace, ports="80")
    assert refused.value.status == 400 and NO_CONTAINERS in refused.value.body


def rich_pod_manifest(name: str) -> str:
    """A pod whose spec uses what kubectl debug --copy-to sends back in protobuf: volumes of several sources,
    probes, security contexts, env from a ConfigMap, tolerations, affinity."""
    container = {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80, "name": "http"}],
                 "env": [{"name": "MODE", "value": "debug"}], "envFrom": [{"configMapRef": {"name": "settings"}}],
                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                 "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}, {"name": "scratch", "mountPath": "/tmp"}],
                 "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
                 "livenessProbe": {"tcpSocket": {"port": 80}, "initialDelaySeconds": 3},
                 "securityContext": {"runAsNonRoot": True, "runAsUser": 101, "allowPrivilegeEscalation": False,
                                     "capabilities": {"drop": ["ALL"]}}}
    spec = {"containers": [container],
            "volumes": [{"name": "config", "configMap": {"name": "settings", "defaultMode": 420}},
                        {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}}],
            "securityContext": {"fsGroup": 101, "seccompProfile": {"type": "RuntimeDefault"}},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]}]}}}}
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
                           "spec": spec})


def pod_json(eks, name: str, namespace: str) -> dict:
    shown = eks.kubectl("get", "pod", name, "-o", "json", namespace=namespace)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


@pytest.mark.parametrize("version", VERSIONS, ids=["kubectl-1.32", "kubectl-1.34", "kubectl-1.37"])
def test_debug_copies_and_node_debuggers_are_created_from_their_protobuf_pods(eks, namespace, version):
    """kubectl debug --copy-to and debug node/NAME create Pods in protobuf: the copy keeps the original's spec and adds
    the debug container; the node debugger runs on that node with the host's root mounted (no -i: nothing attaches)."""
    created = eks.kubectl("apply", "-f", "-", input=rich_pod_manifest("web"), namespace=namespace)
    assert created.returncode == 0, created.stderr
    copied = eks.kubectl("debug", "web", "--copy-to=web-copy", "--image=busybox:1.36", "--container=debugger",
                         version=version, namespace=namespace, timeout=30)
    assert copied.returncode == 0, copied.stderr
    original, copy = pod_json(eks, "web", namespace)["spec"], pod_json(eks, "web-copy", namespace)["spec"]
    # kubectl 1.37 drops the probes from the copy (its --keep-liveness/readiness flags); older ones keep them.
    probes = {"livenessProbe", "readinessProbe", "startupProbe"}
    assert {k: v for k, v in copy["containers"][0].items() if k not in probes} == \
        {k: v for k, v in original["containers"][0].items() if k not in probes}
    kept = {k: v for k, v in copy["containers"][0].items() if k in probes}
    assert kept == ({} if version == "" else {k: original["containers"][0][k] for k in ("livenessProbe",
                                                                                        "readinessProbe")})
    assert copy["containers"][1]["name"] == "debugger" and copy["containers"][1]["image"] == "busybox:1.36"
    for field in ("volumes", "securityContext", "tolerations", "affinity", "restartPolicy", "dnsPolicy"):
        assert copy[field] == original[field], field

    node = eks.kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").stdout
    debugged = eks.kubectl("debug", f"node/{node}", "--image=busybox:1.36", version=version, namespace=namespace,
                           timeout=30)
    assert debugged.returncode == 0, debugged.stderr
    assert f"Creating debugging pod node-debugger-{node}-" in debugged.stdout + debugged.stderr
    listed = json.loads(eks.kubectl("get", "pods", "-o", "json", namespace=namespace).stdout)["items"]
    debugger = next(pod for pod in listed if pod["metadata"]["name"].startswith(f"node-debugger-{node}-"))["spec"]
    assert debugger["nodeName"] == node and debugger["restartPolicy"] == "Never"
    assert {"operator": "Exists"} in debugger["tolerations"]
    assert any(volume.get("hostPath", {}).get("path") == "/" for volume in debugger["volumes"])
    assert debugger["containers"][0]["image"] == "busybox:1.36"
