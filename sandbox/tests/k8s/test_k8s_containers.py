"""What needs a running container, on kubectl 1.32, 1.34 and 1.37: `logs` (and `logs -f`) print the line the
simulation wrote and return; exec, attach, port-forward and debug fail at once with the sandbox's reason, without
retrying or hanging (each command runs under a timeout)."""

from __future__ import annotations

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
