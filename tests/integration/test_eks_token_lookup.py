"""Integration tests of the eks_token lookup: tokens signed by real ansible runs, replayed against the sandbox.

The sandbox's STS extension answers a presigned GetCallerIdentity GET (with the header x-k8s-aws-id)
like STS does for the EKS authenticator, so a token is checked the way EKS checks it.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.integration.support import runs
from tests.integration.support.asserts import wait_for
from tests.integration.support.inventory import cluster_prerequisites

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ROLE_ARN = "arn:aws:iam::123456789012:role/platform-admin"

pytestmark = pytest.mark.slow


# One module run against the sandbox, in eu-west-1 unless the test says otherwise.
run_module = functools.partial(runs.run_module, region="eu-west-1")


def lookup_in_play(aws, tmp_path, lookup_args, extra_tasks="", verbosity=None):
    """Run a play that writes the looked-up token to a file (mode 0600) under no_log; returns (token, run)."""
    out = tmp_path / "token"
    playbook = tmp_path / "token.yml"
    playbook.write_text(f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Token via the lookup
      ansible.builtin.copy:
        content: "{{{{ lookup('eksforge.platform.eks_token', {lookup_args}) }}}}"
        dest: {out}
        mode: "0600"
      no_log: true
{extra_tasks}
""")
    command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e",
               "ansible_python_interpreter={{ ansible_playbook_python }}", str(playbook)]
    if verbosity:
        command.append(verbosity)
    done = subprocess.run(command, cwd=REPO, env=aws.env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text(), done


def decode(token):
    assert token.startswith("k8s-aws-v1.")
    payload = token[len("k8s-aws-v1."):]
    assert "=" not in payload
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def caller_arn(url, cluster_name):
    """Replay a presigned URL like the EKS authenticator: GET with the x-k8s-aws-id header."""
    request = urllib.request.Request(url, headers={"x-k8s-aws-id": cluster_name, "Accept": "application/xml"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as e:
        body, status = e.read().decode(), e.code
    assert status == 200, body
    arn = next((el.text for el in ET.fromstring(body).iter() if el.tag.endswith("Arn")), None)
    return arn


def test_token_replays_to_the_caller_arn(aws, tmp_path):
    token, _ = lookup_in_play(aws, tmp_path, f"cluster_name='demo', region='eu-west-1', endpoint_url='{aws.aws_endpoint}'")
    url = decode(token)
    assert url.startswith(aws.aws_endpoint + "/?")
    assert "Action=GetCallerIdentity" in url and "X-Amz-Expires=60" in url
    assert "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id" in url
    arn = caller_arn(url, "demo")
    expected = aws.boto3_client("sts", "eu-west-1").get_caller_identity()["Arn"]
    assert arn == expected


def test_role_arn_signs_with_the_assumed_role(aws, tmp_path):
    iam = aws.boto3_client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
    try:
        iam.create_role(RoleName="platform-admin", AssumeRolePolicyDocument=json.dumps(trust))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    token, _ = lookup_in_play(aws, tmp_path, f"'demo', region='eu-west-1', endpoint_url='{aws.aws_endpoint}', role_arn='{ROLE_ARN}'")
    url = decode(token)
    credential = re.search(r"X-Amz-Credential=([^&%]+)", url).group(1)
    assert credential != "testing"  # signed with the role's temporary key, not the caller's
    assert "X-Amz-Security-Token=" in url
    arn = caller_arn(url, "demo")
    assert arn.startswith("arn:aws:sts::123456789012:assumed-role/platform-admin/EKSGetTokenAuth")


def test_options_from_the_environment(aws, tmp_path):
    aws.env.update(AWS_REGION="ap-south-1", AWS_URL=aws.aws_endpoint)
    try:
        token, _ = lookup_in_play(aws, tmp_path, "cluster_name='demo'")
    finally:
        aws.env.pop("AWS_REGION")
        aws.env.pop("AWS_URL")
    url = decode(token)
    assert url.startswith(aws.aws_endpoint + "/?")
    assert "%2Fap-south-1%2Fsts%2Faws4_request" in url


def test_no_log_play_never_prints_the_token(aws, tmp_path):
    """A play that uses the token in several tasks under no_log, run with -vvv, shows none of it."""
    extra = f"""
    - name: Send the token as a bearer token, as kubernetes.core does with api_key
      ansible.builtin.uri:
        url: "{aws.aws_endpoint}/_sandbox/health"
        headers:
          Authorization: "Bearer {{{{ lookup('eksforge.platform.eks_token', 'demo', region='eu-west-1') }}}}"
        status_code: [200, 400, 403, 404, 500]
      no_log: true
      register: replay
    - name: Keep it as a fact
      ansible.builtin.set_fact:
        eks_token: "{{{{ lookup('eksforge.platform.eks_token', cluster_name='demo', region='eu-west-1') }}}}"
      no_log: true
    - name: Failing task with the token in its arguments
      ansible.builtin.command:
        cmd: "false {{{{ eks_token }}}}"
      no_log: true
      ignore_errors: true
    - name: Results of the no_log tasks can still be used
      ansible.builtin.assert:
        that:
          - replay.status is defined
          - eks_token is match('k8s-aws-v1[.]')
"""
    token, done = lookup_in_play(aws, tmp_path, "cluster_name='demo', region='eu-west-1'", extra_tasks=extra, verbosity="-vvv")
    output = done.stdout + done.stderr
    payload = token[len("k8s-aws-v1."):]
    assert "censored" in output
    for secret in ("k8s-aws-v1", payload[:16], payload[-16:], "aHR0cHM6Ly", "aHR0cDovL", "X-Amz-Signature", "x-k8s-aws-id"):
        assert secret not in output, f"{secret!r} appears in the output"


def test_wrong_cluster_header_is_rejected(aws, tmp_path):
    """x-k8s-aws-id is a signed header: replaying a token for another cluster breaks the signature."""
    token, _ = lookup_in_play(aws, tmp_path, f"cluster_name='demo', region='eu-west-1', endpoint_url='{aws.aws_endpoint}'")
    url = decode(token)
    caller_arn(url, "demo")
    request = urllib.request.Request(url, headers={"x-k8s-aws-id": "other"})
    with pytest.raises(urllib.error.HTTPError) as rejected:
        urllib.request.urlopen(request, timeout=30)
    assert rejected.value.code == 403
    assert "SignatureDoesNotMatch" in rejected.value.read().decode()


def _create_cluster(aws, name, region="eu-west-1"):
    eks = aws.boto3_client("eks", region)
    made = cluster_prerequisites(aws, name, "10.43", region=region)
    eks.create_cluster(name=name, roleArn=made["eks_cluster_role_arn"], resourcesVpcConfig={"subnetIds": made["eks_subnet_ids"]},
                       accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True})
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda status: status == "ACTIVE")


def test_kubernetes_core_authenticates_with_the_token(aws, tmp_path):
    """The documented pattern: eks_cluster_info + CA file + api_key lookup, with kubernetes.core, no aws CLI."""
    _create_cluster(aws, "tokendemo")
    playbook = tmp_path / "k8s.yml"
    playbook.write_text(f"""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/eksforge.platform.aws:
      region: eu-west-1
      endpoint_url: {aws.aws_endpoint}
  tasks:
    - name: Describe the cluster
      eksforge.platform.eks_cluster_info:
        name: tokendemo
      register: eks
    - name: CA for kubernetes.core
      ansible.builtin.copy:
        content: "{{{{ eks.clusters[0].certificate_authority.data | b64decode }}}}"
        dest: {tmp_path}/ca.crt
        mode: "0600"
    - name: Kubernetes calls with the token
      module_defaults:
        group/kubernetes.core.k8s:
          host: "{{{{ eks.clusters[0].endpoint }}}}"
          ca_cert: {tmp_path}/ca.crt
          api_key: "{{{{ lookup('eksforge.platform.eks_token', 'tokendemo', region='eu-west-1', endpoint_url='{aws.aws_endpoint}') }}}}"
      block:
        - name: Create a namespace
          kubernetes.core.k8s:
            definition:
              apiVersion: v1
              kind: Namespace
              metadata:
                name: token-test
          no_log: true
          register: created
        - name: List namespaces
          kubernetes.core.k8s_info:
            kind: Namespace
          no_log: true
          register: namespaces
    - name: Check
      ansible.builtin.assert:
        that:
          - created is changed
          - "'token-test' in (namespaces.resources | map(attribute='metadata.name'))"
""")
    done = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e",
                           "ansible_python_interpreter={{ ansible_playbook_python }}", str(playbook)],
                          cwd=REPO, env=aws.env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "k8s-aws-v1" not in done.stdout + done.stderr


def test_role_assumption_is_retried_when_throttled(aws, tmp_path):
    iam = aws.boto3_client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
    try:
        iam.create_role(RoleName="platform-admin", AssumeRolePolicyDocument=json.dumps(trust))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    aws.reset_calls()
    aws.set_faults(throttle_rate=0.6, seed=7)
    try:
        token, _ = lookup_in_play(aws, tmp_path, f"'demo', region='eu-west-1', endpoint_url='{aws.aws_endpoint}', role_arn='{ROLE_ARN}'")
    finally:
        aws.clear_faults()
    assert "X-Amz-Security-Token=" in decode(token)
    attempts = sum(c["count"] for c in aws.calls() if c["action"] == "AssumeRole")
    assert attempts >= 2  # seed 7 throttles the first AssumeRole; it was retried
