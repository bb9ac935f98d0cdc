"""The layers of site.yml (infra, platform, apps) and the Kubernetes connection contract
(playbooks/vars/connections.yml): a fresh EKS token for every task, and the platform layer without a cluster.
The platform layer alone on a built platform: its second run in test_addons.py, its destroy in test_platform_destroy.py."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.support.asserts import assert_ran
from tests.integration.support.constants import LOCAL_PLATFORM

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def signed_at(token: str) -> str:
    """X-Amz-Date of the presigned URL inside an EKS token."""
    payload = token[len("k8s-aws-v1."):]
    url = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    return parse_qs(urlsplit(url).query)["X-Amz-Date"][0]


def test_the_kubernetes_connection_signs_a_new_token_for_every_task(clean_sandbox, tmp_path):
    """module_defaults values are templated per task: two tasks a few seconds apart get two tokens."""
    playbook = tmp_path / "tokens.yml"
    playbook.write_text(f"""
- hosts: localhost
  gather_facts: false
  vars_files:
    - {REPO}/playbooks/vars/connections.yml
  vars:
    aws_region: us-east-1
    aws_endpoint_url: {clean_sandbox.aws_endpoint}
    eks_outputs: {{cluster_name: {LOCAL_PLATFORM}, endpoint: https://127.0.0.1:1, ca_cert_path: /dev/null}}
  module_defaults:
    ansible.builtin.copy:
      content: "{{{{ kubernetes_connection.api_key }}}}"
      mode: "0600"
  tasks:
    - name: Token of the first task
      ansible.builtin.copy:
        dest: {tmp_path}/first
      no_log: true
    - name: Later
      ansible.builtin.pause:
        seconds: 2
    - name: Token of the second task
      ansible.builtin.copy:
        dest: {tmp_path}/second
      no_log: true
""")
    done = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e",
                           "ansible_python_interpreter={{ ansible_playbook_python }}", str(playbook)],
                          cwd=REPO, env=clean_sandbox.env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    first, second = (tmp_path / "first").read_text(), (tmp_path / "second").read_text()
    assert first.startswith("k8s-aws-v1.") and second.startswith("k8s-aws-v1.")
    assert signed_at(first) < signed_at(second)
    assert first not in done.stdout + done.stderr


def test_platform_layer_needs_the_cluster_and_its_destroy_passes_without_it(clean_sandbox, run_playbook):
    alone = run_playbook("playbooks/platform.yml")
    assert alone.rc != 0 and alone.failed == 1
    assert "EKS cluster eksforge-local (eks_cluster_name) was not found" in alone.output
    assert "playbooks/infra.yml" in alone.output
    assert alone.mutating_calls == []

    # --check with no cluster: the platform namespace, addons and argocd roles only plan what they would create
    # (one changed task each, a diff entry per resource), with no mutating call.
    planned = run_playbook("playbooks/platform.yml", check=True, diff=True)
    assert_ran(planned, changed=3)
    assert planned.mutating_calls == []
    would_create = [line.split("+++ after: ", 1)[1] for line in planned.output.splitlines()
                    if line.startswith("+++ after: ")]
    repository = next(entry for entry in would_create if entry.startswith("Secret (repository) of "))
    assert would_create == [f"{resource} (would create)" for resource in (
        "Namespace platform", "Route53 public hosted zone eksforge-local.example.test", "IAM role eksforge-local-aws-load-balancer-controller",
        "IAM role eksforge-local-cluster-autoscaler", "IAM role eksforge-local-external-dns",
        *(f"log group /aws/containerinsights/eksforge-local/{kind}" for kind in ("application", "dataplane", "host",
                                                                               "performance")),
        "IAM role eksforge-local-amazon-cloudwatch-observability", "EKS add-on amazon-cloudwatch-observability",
        "Helm release aws-load-balancer-controller in kube-system", "Helm release cluster-autoscaler in kube-system",
        "Helm release metrics-server in kube-system", "Helm release external-dns in kube-system",
        "StorageClass gp3", "Namespace argocd", "Helm release argocd in argocd")] + [repository] + [
        f"{resource} (would create)" for resource in ("AppProjects platform, shop", "Application root-local (app of apps)")], \
        would_create

    for layers in ("platform", "apps"):
        destroyed = run_playbook("playbooks/destroy.yml", tags=layers)
        assert_ran(destroyed, changed=0)
        assert destroyed.mutating_calls == []
        assert destroyed.count("DescribeVpcs") == 0  # the infra play did not run
