"""The layers of site.yml (infra, platform, apps) run alone, and the Kubernetes connection contract
(playbooks/vars/connections.yml): the platform layer against a cluster the infra layer built, read back with
kubectl; its destroy alone; and a fresh EKS token for every task."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.support.asserts import assert_ran
from tests.integration.support.constants import DESTROY, LOCAL_PLATFORM, SITE
from tests.integration.support.kubernetes import (OWNER_LABEL, PLATFORM_NAMESPACE, assert_platform_namespace, kubectl,
                                                  namespaces)

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

    planned = run_playbook("playbooks/platform.yml", check=True)
    assert_ran(planned, changed=0)

    for layers in ("platform", "apps"):
        destroyed = run_playbook("playbooks/destroy.yml", tags=layers)
        assert_ran(destroyed, changed=0)
        assert destroyed.mutating_calls == []
        assert destroyed.count("DescribeVpcs") == 0  # the infra play did not run


def test_platform_layer_alone_and_its_destroy_alone_on_the_built_platform(platform):
    """On the platform site.yml built (the `platform` fixture): the platform layer's destroy alone, then the layer
    alone again; the test leaves the platform as it found it."""
    sandbox, run = platform.sandbox, platform.run
    assert_ran(platform.cold)
    assert_platform_namespace(sandbox)
    try:
        removed = run(DESTROY, tags="platform")
        assert_ran(removed, changed=1)
        assert removed.mutating_calls == [] and removed.count("DescribeVpcs") == 0  # only the platform layer ran
        assert PLATFORM_NAMESPACE not in namespaces(sandbox)
        cluster = sandbox.boto3_client("eks").describe_cluster(name=LOCAL_PLATFORM)["cluster"]
        assert cluster["status"] == "ACTIVE"  # the infra layer stays
        assert_ran(run(DESTROY, tags="platform"), changed=0)

        bad = run("playbooks/platform.yml", extra_vars={"platform_namespace_labels": {"team": "a b"}})
        assert bad.rc != 0 and "platform_namespace_labels entry 'team: a b' is not a Kubernetes label" in bad.output
        assert PLATFORM_NAMESPACE not in namespaces(sandbox)

        planned = run("playbooks/platform.yml", check=True, diff=True)
        assert_ran(planned, changed=1)
        assert planned.mutating_calls == []
        assert PLATFORM_NAMESPACE not in namespaces(sandbox)

        alone = run("playbooks/platform.yml")
        assert_ran(alone, changed=1)
        assert alone.mutating_calls == []  # the platform layer only reads AWS
        assert alone.count("DescribeCluster") >= 1
        assert_platform_namespace(sandbox)

        again = run(SITE, tags="platform")
        assert_ran(again, changed=0)
        assert again.count("DescribeVpcs") == 0 and again.mutating_calls == []

        # A namespace of that name made by someone else is neither taken over nor deleted.
        assert_ran(run(DESTROY, tags="platform"), changed=1)
        made = kubectl(sandbox, "create", "namespace", PLATFORM_NAMESPACE)
        assert made.returncode == 0, made.stderr
        taken = run("playbooks/platform.yml")
        assert taken.rc != 0
        assert (f"Namespace {PLATFORM_NAMESPACE} exists without the label eksforge.io/platform={LOCAL_PLATFORM}"
                in taken.output)
        kept = run(DESTROY, tags="platform")
        assert_ran(kept, changed=0)
        assert OWNER_LABEL not in namespaces(sandbox)[PLATFORM_NAMESPACE]
    finally:
        # Leave the platform as the fixture built it.
        kubectl(sandbox, "delete", "namespace", PLATFORM_NAMESPACE, "--ignore-not-found", "--wait=true")
        assert_ran(run("playbooks/platform.yml"))
    assert_platform_namespace(sandbox)
