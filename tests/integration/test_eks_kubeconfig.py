"""Integration tests of eksforge.platform.eks_kubeconfig: real ansible runs against the AWS sandbox.

Server and CA come from the sandbox's EKS (DescribeCluster) or are given explicitly; the written file
is read back with kubectl to prove it is a kubeconfig kubectl accepts.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.support import runs
from tests.integration.support.asserts import wait_for
from tests.integration.support.inventory import cluster_prerequisites
import yaml

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"
CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()

pytestmark = pytest.mark.slow


MODULE = "eksforge.platform.eks_kubeconfig"


def kubeconfig_steps(aws, *steps: dict) -> list[dict]:
    """The module's steps (its arguments, plus `check` and `fails` when set) in one playbook run in eu-west-1, with
    --diff; each step's result as runs.run_module gives it."""
    return runs.run_module_steps(aws, *(runs.ModuleStep(MODULE, {k: v for k, v in step.items() if k not in ("check", "fails")},
                                                        check=step.get("check", False), fails=step.get("fails", False))
                                        for step in steps), region="eu-west-1", diff=True)


OTHER = {
    "apiVersion": "v1", "kind": "Config", "preferences": {},
    "clusters": [{"name": "kind-kind", "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority-data": "Zm9v"}}],
    "users": [{"name": "kind-kind", "user": {"client-certificate-data": "YmFy", "client-key-data": "YmF6"}}],
    "contexts": [{"name": "kind-kind", "context": {"cluster": "kind-kind", "user": "kind-kind"}}],
    "current-context": "kind-kind",
}


def kubectl(path, *args):
    done = subprocess.run([str(VENV_BIN / "kubectl"), "--kubeconfig", str(path), *args],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_explicit_endpoint_merge_idempotence_mode_and_removal(aws, tmp_path):
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(OTHER))
    path.chmod(0o644)
    original = path.read_text()
    args = dict(cluster_name="demo", path=str(path), endpoint="https://127.0.0.1:45661/clusters/eu-west-1/demo",
                certificate_authority_data=CA_DATA, alias="{cluster_name}@{region}")
    arn = f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/demo"

    preview, written, again = kubeconfig_steps(aws, dict(args, check=True), args, args)
    assert preview["changed"] is True
    assert preview["context"] == "demo@eu-west-1" and preview["cluster"] == arn and preview["user"] == arn
    assert preview["diff"]["before"] == original
    assert "get-token" in preview["diff"]["after"] and "kind-kind" in preview["diff"]["after"]
    assert written["diff"]["before"] == original  # the check-mode step wrote nothing
    assert written["changed"] is True and written["path"] == str(path)
    assert again["changed"] is False
    assert written["diff"]["after"] == path.read_text()
    assert mode_of(path) == 0o600
    view = json.loads(kubectl(path, "config", "view", "--raw", "-o", "json"))
    assert view["current-context"] == "demo@eu-west-1"
    assert {c["name"] for c in view["clusters"]} == {"kind-kind", arn}
    ours = next(c for c in view["clusters"] if c["name"] == arn)["cluster"]
    assert ours == {"server": args["endpoint"], "certificate-authority-data": CA_DATA}
    user = next(u for u in view["users"] if u["name"] == arn)["user"]
    assert set(user) == {"exec"}  # no token, no key: nothing secret is written
    assert user["exec"]["command"] == "aws"
    assert user["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert user["exec"]["args"][:6] == ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "demo"]
    assert next(u for u in view["users"] if u["name"] == "kind-kind") == OTHER["users"][0]
    assert "demo@eu-west-1" in kubectl(path, "config", "get-contexts", "-o", "name").split()

    # Only the mode differs: check mode reports it, the next step (changed: the mode was still 0644) fixes it.
    content = path.read_text()
    path.chmod(0o644)
    planned, fixed, role = kubeconfig_steps(aws, dict(args, check=True), args, dict(
        args, role_arn=f"arn:aws:iam::{ACCOUNT}:role/admin", set_current_context=False))
    assert planned["changed"] is True and fixed["changed"] is True
    assert fixed["diff"]["before"] == fixed["diff"]["after"] == content
    assert role["changed"] is True and mode_of(path) == 0o600
    user = yaml.safe_load(path.read_text())["users"][1]["user"]
    assert user["exec"]["args"][-2:] == ["--role-arn", f"arn:aws:iam::{ACCOUNT}:role/admin"]

    removal = dict(cluster_name="demo", path=str(path), alias="{cluster_name}@{region}", state="absent")
    with_role = path.read_text()
    planned, gone, again = kubeconfig_steps(aws, dict(removal, check=True), removal, removal)
    assert planned["changed"] is True
    assert gone["diff"]["before"] == with_role  # the check-mode step removed nothing
    assert gone["changed"] is True
    left = yaml.safe_load(path.read_text())
    assert left["clusters"] == OTHER["clusters"] and left["users"] == OTHER["users"] and left["contexts"] == OTHER["contexts"]
    assert left["current-context"] == ""
    assert again["changed"] is False


def test_new_file_in_new_directory_and_absent_on_missing_file(aws, tmp_path):
    path = tmp_path / "kube" / "nested" / "config"
    args = dict(cluster_name="c1", path=str(path), endpoint="https://example.invalid", certificate_authority_data=CA_DATA,
                cluster_arn=f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/c1")
    [planned] = kubeconfig_steps(aws, dict(args, check=True))
    assert planned["changed"] is True and not path.exists()
    other = tmp_path / "missing"
    made, absent = kubeconfig_steps(aws, args, dict(cluster_name="c1", path=str(other), state="absent"))
    assert made["changed"] is True
    assert mode_of(path) == 0o600 and mode_of(path.parent) == 0o700
    assert kubectl(path, "config", "current-context").strip() == args["cluster_arn"]
    assert absent["changed"] is False
    assert not other.exists()


def test_server_and_ca_from_describe_cluster(aws, tmp_path):
    eks = aws.boto3_client("eks", "eu-west-1")
    made = cluster_prerequisites(aws, "kubeconfig-test", "10.42", region="eu-west-1")
    eks.create_cluster(name="described", roleArn=made["eks_cluster_role_arn"],
                       resourcesVpcConfig={"subnetIds": made["eks_subnet_ids"]})
    cluster = wait_for(lambda: eks.describe_cluster(name="described")["cluster"],
                       lambda described: described["status"] == "ACTIVE")

    path = tmp_path / "config"
    made, again, missing = kubeconfig_steps(aws, dict(cluster_name="described", path=str(path)),
                                            dict(cluster_name="described", path=str(path)),
                                            dict(cluster_name="nope", path=str(path), fails=True))
    assert made["changed"] is True
    assert made["cluster"] == made["context"] == made["user"] == cluster["arn"]
    assert made["endpoint"] == cluster["endpoint"]
    entry = yaml.safe_load(path.read_text())["clusters"][0]
    assert entry == {"cluster": {"certificate-authority-data": cluster["certificateAuthority"]["data"],
                                 "server": cluster["endpoint"]}, "name": cluster["arn"]}
    assert again["changed"] is False
    assert "not found" in missing["msg"]
