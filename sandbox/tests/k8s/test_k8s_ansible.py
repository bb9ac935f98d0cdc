"""ansible-playbook with kubernetes.core: k8s (apply + wait) and k8s_info (selectors, wait), once through a
kubeconfig and once through host/api_key/ca_cert; the second run changes nothing."""

from __future__ import annotations

import re

import pytest
import yaml

from sandbox.tests.k8s.k8s_helpers import BIN, run
from sandbox.config import REPO_ROOT


def playbook(connection: dict, namespace: str) -> list:
    def task(module: str, **args):
        return {module: {**connection, **args}, "register": module.split(".")[-1] + "_" + str(len(tasks))}

    tasks: list = []
    tasks.append(task("kubernetes.core.k8s", state="present", apply=True, wait=True, wait_timeout=60, definition={
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": namespace, "labels": {"app": "api"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api"}},
                              "spec": {"containers": [{"name": "api", "image": "nginx:1.25"}]}}}}))
    tasks.append(task("kubernetes.core.k8s", state="present", definition={
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": namespace},
        "data": {"mode": "fast"}}))
    tasks.append(task("kubernetes.core.k8s", state="present", server_side_apply={"field_manager": "ansible"},
                      definition={"apiVersion": "v1", "kind": "Service",
                                  "metadata": {"name": "api", "namespace": namespace},
                                  "spec": {"selector": {"app": "api"}, "ports": [{"port": 80}]}}))
    tasks.append(task("kubernetes.core.k8s_info", kind="Pod", namespace=namespace, label_selectors=["app=api"],
                      wait=True, wait_condition={"type": "Ready", "status": "True"}, wait_timeout=60))
    tasks.append({"ansible.builtin.assert": {"that": [
        "k8s_info_3.resources | length == 2",
        "k8s_info_3.resources | map(attribute='status.phase') | unique == ['Running']",
        "k8s_0.result.status.readyReplicas == 2"]}})
    tasks.append(task("kubernetes.core.k8s_info", kind="ConfigMap", namespace=namespace,
                      field_selectors=["metadata.name=settings"]))
    tasks.append({"ansible.builtin.assert": {"that": ["k8s_info_5.resources[0].data.mode == 'fast'"]}})
    return [{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def changed_count(output: str) -> int:
    recap = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", output)
    assert recap, output[-3000:]
    return int(recap.group(1))


@pytest.mark.slow
@pytest.mark.parametrize("style", ["kubeconfig", "host"])
def test_playbook_applies_waits_and_is_idempotent(eks, namespace, tmp_path, style):
    if style == "kubeconfig":
        connection = {"kubeconfig": str(eks.kubeconfig())}
    else:
        connection = {"host": eks.endpoint, "api_key": eks.token(), "ca_cert": str(eks.ca)}
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(playbook(connection, namespace), sort_keys=False))
    env = {**eks.env, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "HOME": str(tmp_path)}
    command = [BIN / "ansible-playbook", "-i", "localhost,", "-c", "local", "-e",
               f"ansible_python_interpreter={BIN / 'python'}", path]
    first = run(command, env=env, timeout=300)
    assert changed_count(first.stdout) == 3
    second = run(command, env=env, timeout=300)
    assert changed_count(second.stdout) == 0
