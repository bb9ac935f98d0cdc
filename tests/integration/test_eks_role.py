"""Integration tests of the eksforge.platform.eks role: vpc -> iam -> eks on a sandbox, checked with boto3.

The tests of this module run in order on one private sandbox (its EKS transient states last 0.2 s):
check mode on the empty sandbox, the cold run, the second (no-op) run, then the destroy path.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.parse
from pathlib import Path

import pytest

from sandbox import harness

pytestmark = pytest.mark.slow

# This module's sandbox ports: the first free pair (AWS, Kubernetes) from here, within 20 ports.
PORT_BASE = 45710


def free_port_pair(base: int) -> int:
    for port in range(base, base + 20, 2):
        try:
            for candidate in (port, port + 1):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise RuntimeError(f"no free port pair in {base}-{base + 19}")

PLAYBOOK = "tests/integration/playbooks/eks.yml"
DESTROY_PLAYBOOK = "tests/integration/playbooks/eks_destroy.yml"
CLUSTER = "eksforge-local"  # platform_name of inventories/local
ADMIN_ROLE = "arn:aws:iam::123456789012:role/platform-admins"
EBS_ROLE = f"{CLUSTER}-aws-ebs-csi-driver"
EBS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
CORE_ADDONS = {"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver"}


@pytest.fixture(scope="module")
def eks_sandbox(tmp_path_factory):
    """A private sandbox on this module's own ports whose EKS resources settle after 0.2 s."""
    aws_port = free_port_pair(PORT_BASE)
    running = harness.Sandbox(state_dir=tmp_path_factory.mktemp("eks-sandbox"), env=dict(
        os.environ, EKSFORGE_SANDBOX_AWS_PORT=str(aws_port), EKSFORGE_SANDBOX_K8S_PORT=str(aws_port + 1),
        EKSFORGE_SANDBOX_EKS_DELAY="0.2", PATH=f"{harness.VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"))
    running.env["EKSFORGE_SANDBOX_DIR"] = str(running.state_dir)
    started = running.command("up")
    assert started.returncode == 0, started.stdout + started.stderr
    yield running
    running.stop()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eks-role")


def extra(work: Path, **more) -> dict:
    return {"eks_kubernetes_version": "1.32", "eks_ca_cert_path": str(work / "ca.crt"),
            "eks_test_outputs_file": str(work / "outputs.json"), "eks_admin_principal_arns": [ADMIN_ROLE],
            "eks_kubeconfig_path": str(work / "kubeconfig"), **more}


def assert_ok(run) -> None:
    assert run.rc == 0 and run.failed == 0, run.output[-6000:]


def outputs(work: Path) -> dict:
    return json.loads((work / "outputs.json").read_text())["eks_outputs"]


def test_check_mode_on_empty_sandbox_makes_no_mutating_call(eks_sandbox, work):
    eks_sandbox.reset()
    run = harness.run_playbook(eks_sandbox, PLAYBOOK, extra_vars=extra(work), check=True, diff=True)
    assert_ok(run)
    assert run.mutating_calls == []
    assert run.changed > 0  # it reports what it would create
    assert "Cluster eksforge-local (Kubernetes 1.32) would be created" in run.output
    assert eks_sandbox.boto3_client("eks").list_clusters()["clusters"] == []


def test_cold_run_converges(eks_sandbox, work):
    run = harness.run_playbook(eks_sandbox, PLAYBOOK, extra_vars=extra(work))
    assert_ok(run)
    assert run.count("CreateCluster") == 1 and run.count("CreateNodegroup") == 1
    assert run.count("CreateAddon") == len(CORE_ADDONS)
    eks, iam = eks_sandbox.boto3_client("eks"), eks_sandbox.boto3_client("iam")

    cluster = eks.describe_cluster(name=CLUSTER)["cluster"]
    assert cluster["status"] == "ACTIVE" and cluster["version"] == "1.32"
    assert cluster["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert cluster["tags"]["eksforge:platform"] == CLUSTER
    enabled = {t for entry in cluster["logging"]["clusterLogging"] if entry["enabled"] for t in entry["types"]}
    assert enabled == {"api", "audit", "authenticator"}
    network = json.loads((work / "outputs.json").read_text())["vpc_outputs"]
    assert sorted(cluster["resourcesVpcConfig"]["subnetIds"]) == sorted(network["private_app_subnet_ids"])

    nodegroup = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName="general")["nodegroup"]
    assert nodegroup["status"] == "ACTIVE" and nodegroup["version"] == "1.32"
    assert nodegroup["amiType"] == "AL2023_x86_64_STANDARD" and nodegroup["capacityType"] == "ON_DEMAND"
    assert nodegroup["scalingConfig"] == {"minSize": 2, "maxSize": 4, "desiredSize": 2}
    assert nodegroup["labels"] == {"eksforge.io/pool": "general"}
    assert nodegroup["nodeRole"].endswith(":role/eksforge-local-eks-node")
    assert set(nodegroup["subnets"]) == set(cluster["resourcesVpcConfig"]["subnetIds"])

    assert set(eks.list_addons(clusterName=CLUSTER)["addons"]) == CORE_ADDONS
    for name in CORE_ADDONS:
        assert eks.describe_addon(clusterName=CLUSTER, addonName=name)["addon"]["status"] == "ACTIVE", name
    cni = eks.describe_addon(clusterName=CLUSTER, addonName="vpc-cni")["addon"]
    assert json.loads(cni["configurationValues"])["env"]["ENABLE_PREFIX_DELEGATION"] == "true"

    issuer = cluster["identity"]["oidc"]["issuer"]
    issuer_host_path = issuer.removeprefix("https://")
    providers = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    provider_arn = f"arn:aws:iam::123456789012:oidc-provider/{issuer_host_path}"
    assert provider_arn in providers
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)["ClientIDList"] == ["sts.amazonaws.com"]

    ebs = eks.describe_addon(clusterName=CLUSTER, addonName="aws-ebs-csi-driver")["addon"]
    role = iam.get_role(RoleName=EBS_ROLE)["Role"]
    assert ebs["serviceAccountRoleArn"] == role["Arn"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(urllib.parse.unquote(trust)) if isinstance(trust, str) else trust
    statement = trust["Statement"][0]
    assert statement["Principal"]["Federated"] == provider_arn
    assert statement["Condition"]["StringEquals"][f"{issuer_host_path}:sub"] == \
        "system:serviceaccount:kube-system:ebs-csi-controller-sa"
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=EBS_ROLE)["AttachedPolicies"]}
    assert attached == {EBS_POLICY}

    assert ADMIN_ROLE in eks.list_access_entries(clusterName=CLUSTER)["accessEntries"]
    policies = eks.list_associated_access_policies(clusterName=CLUSTER, principalArn=ADMIN_ROLE)["associatedAccessPolicies"]
    assert [(p["policyArn"].rsplit("/", 1)[1], p["accessScope"]["type"]) for p in policies] == \
        [("AmazonEKSClusterAdminPolicy", "cluster")]

    facts = outputs(work)
    assert facts["cluster_name"] == CLUSTER and facts["cluster_arn"] == cluster["arn"]
    assert facts["endpoint"] == cluster["endpoint"] and facts["oidc_provider_arn"] == provider_arn
    assert facts["oidc_issuer_url"] == issuer and facts["kubernetes_version"] == "1.32"
    assert facts["nodegroup_names"] == ["general"]
    assert set(facts["addon_versions"]) == CORE_ADDONS and all(facts["addon_versions"].values())
    assert facts["ca_cert_path"] == str(work / "ca.crt")
    assert (work / "ca.crt").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert CLUSTER in (work / "kubeconfig").read_text()


def test_second_run_changes_nothing(eks_sandbox, work):
    run = harness.run_playbook(eks_sandbox, PLAYBOOK, extra_vars=extra(work), diff=True)
    assert_ok(run)
    assert run.changed == 0, run.output[-6000:]
    assert run.mutating_calls == []


def test_check_mode_on_converged_sandbox_makes_no_mutating_call(eks_sandbox, work):
    run = harness.run_playbook(eks_sandbox, PLAYBOOK, extra_vars=extra(work), check=True, diff=True)
    assert_ok(run)
    assert run.changed == 0 and run.mutating_calls == []


def test_destroy_leaves_nothing(eks_sandbox, work):
    run = harness.run_playbook(eks_sandbox, DESTROY_PLAYBOOK, extra_vars=extra(work))
    assert_ok(run)
    assert run.count("DeleteCluster") == 1 and run.count("DeleteNodegroup") == 1
    eks, iam = eks_sandbox.boto3_client("eks"), eks_sandbox.boto3_client("iam")
    assert eks.list_clusters()["clusters"] == []
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert EBS_ROLE not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert not (work / "ca.crt").exists()
    assert CLUSTER not in (work / "kubeconfig").read_text()

    again = harness.run_playbook(eks_sandbox, DESTROY_PLAYBOOK, extra_vars=extra(work))
    assert_ok(again)
    # Nothing of EKS is left to delete: no EKS call that mutates, no OIDC provider or IRSA role deletion.
    assert [c for c in again.mutating_calls if c["service"] == "eks"] == []
    assert again.count("DeleteOpenIDConnectProvider") == 0 and again.count("DeleteRole") == 0
