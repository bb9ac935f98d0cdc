"""Integration tests of the eksforge.platform.eks role on a sandbox, checked with boto3.

The role runs alone (tests/integration/playbooks/eks_only.yml) on a VPC, subnets and an IAM role made with boto3:
the vpc and iam roles it follows in playbooks/infra.yml have tests of their own, and the chain of the three is
molecule's infra scenario and site.yml's (test_site_infra.py, test_platform_destroy.py). The tests of this module run
in order on one private sandbox (its EKS transient states last 0.2 s): check mode before the cluster exists, the cold
run, the second (no-op) run, nodegroups dropped from eks_nodegroups (kept, or pruned with eks_prune_nodegroups), the
destroy path, then a destroy after the cluster was deleted behind the role's back. Check mode on a converged cluster
is test_site_infra.py's (the whole built platform).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.support.asserts import assert_host_failed_with, assert_ran, wait_for
from tests.integration.support.constants import ACCOUNT, LOCAL_PLATFORM as CLUSTER, ONLY_EKS as PLAYBOOK
from tests.integration.support.inventory import cluster_prerequisites, default_addon_version, host_per_case_inventory
from tests.integration.support.runs import run_playbook

pytestmark = pytest.mark.slow

ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform-admins"
EBS_ROLE = f"{CLUSTER}-aws-ebs-csi-driver"
EBS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
CORE_ADDONS = {"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver"}
# The role's default nodegroup, set here so the inventory's own eks_nodegroups don't change what is checked.
GENERAL = {"name": "general", "instance_types": ["m6i.large"], "min_size": 2, "desired_size": 2, "max_size": 4,
           "labels": {"eksforge.io/pool": "general"}}
EXTRA = {"name": "extra", "min_size": 1, "desired_size": 1, "max_size": 2}
OWNED = {"eksforge:platform": CLUSTER, "eksforge:eks-cluster": CLUSTER}


@dataclass(frozen=True)
class Work:
    """This module's folder and what the cluster is made on (cluster_prerequisites: subnets, one role for the
    cluster and the nodes)."""

    folder: Path
    prerequisites: dict


@pytest.fixture(scope="module")
def work(private_sandbox, tmp_path_factory) -> Work:
    private_sandbox.reset()
    return Work(tmp_path_factory.mktemp("eks-role"), cluster_prerequisites(private_sandbox, "eks-role", "10.31"))


def extra(work: Work, **more) -> dict:
    folder = work.folder
    return {**work.prerequisites, "eks_kubernetes_version": "1.32", "eks_ca_cert_path": str(folder / "ca.crt"),
            "eks_test_outputs_file": str(folder / "outputs.json"), "eks_admin_principal_arns": [ADMIN_ROLE],
            "eks_kubeconfig_path": str(folder / "kubeconfig"), "eks_nodegroups": [GENERAL], **more}


def outputs(work: Work) -> dict:
    return json.loads((work.folder / "outputs.json").read_text())["eks_outputs"]


def test_check_mode_before_the_cluster_exists_makes_no_mutating_call(private_sandbox, work):
    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work), check=True, diff=True)
    assert_ran(run)
    assert run.mutating_calls == []
    assert run.changed > 0  # it reports what it would create
    # the cluster as eks_cluster would create it on the existing subnets (site.yml's check on an empty account shows
    # the plan made before the network exists: test_site_infra.py)
    cluster_task = run.output.split(f"TASK [eksforge.platform.eks : Create or update the EKS cluster {CLUSTER}]", 1)[1]
    cluster_diff = cluster_task.split("\nTASK [", 1)[0]
    assert "+    version: '1.32'" in cluster_diff and "changed: [localhost]" in cluster_diff
    assert all(f"+    - {subnet}" in cluster_diff for subnet in work.prerequisites["eks_subnet_ids"])
    assert re.search(r"^\+\+\+ after: nodegroup general of cluster eksforge-local \(would create\)\n@@.*\n"
                     r"(\+.*\n)*\+instance_types:\n\+- m6i.large\n", run.output, re.MULTILINE)
    # each add-on is planned with the version EKS resolves for the Kubernetes version the cluster would get
    eks = private_sandbox.boto3_client("eks")
    for addon in CORE_ADDONS:
        # eks_addons' diff: one entry per add-on with its planned view
        planned = re.search(rf"^\+    {addon}:\n((?:\+        .*\n)+)", run.output, re.MULTILINE)
        assert planned, addon
        assert f"+        version: {default_addon_version(eks, addon, '1.32')}\n" in planned.group(1), addon
    assert eks.list_clusters()["clusters"] == []


def test_bad_addon_fails_check_mode_on_empty_sandbox(private_sandbox, work):
    """Before the cluster exists, EKS still resolves the add-on versions for eks_kubernetes_version (one run, a host
    per bad version)."""
    cases = {"unknown_version": ("v9.9.9-eksbuild.1", "version 'v9.9.9-eksbuild.1' is not available for Kubernetes 1.32"),
             "newer_kubernetes": ("v1.33.5-eksbuild.2", "is not available for Kubernetes 1.32")}
    inventory = host_per_case_inventory(work.folder / "bad-addons", {
        host: {"eks_addons": [{"name": "vpc-cni"}, {"name": "kube-proxy", "version": version}]}
        for host, (version, _) in cases.items()})
    variables = {name: value for name, value in extra(work).items() if name != "eks_addons"}
    run = run_playbook(private_sandbox, PLAYBOOK, check=True, inventory=str(inventory), extra_vars=variables)
    assert run.rc != 0
    for host, (_, message) in cases.items():
        assert_host_failed_with(run, host, "eks_addons lists an add-on or version EKS does not offer for Kubernetes 1.32")
        assert_host_failed_with(run, host, message)
    assert run.mutating_calls == []


def test_cold_run_converges(private_sandbox, work):
    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work))
    assert_ran(run)
    assert run.count("CreateCluster") == 1 and run.count("CreateNodegroup") == 1
    assert run.count("CreateAddon") == len(CORE_ADDONS)
    eks, iam = private_sandbox.boto3_client("eks"), private_sandbox.boto3_client("iam")

    cluster = eks.describe_cluster(name=CLUSTER)["cluster"]
    assert cluster["status"] == "ACTIVE" and cluster["version"] == "1.32"
    assert cluster["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert cluster["tags"]["eksforge:platform"] == CLUSTER
    enabled = {t for entry in cluster["logging"]["clusterLogging"] if entry["enabled"] for t in entry["types"]}
    assert enabled == {"api", "audit", "authenticator"}
    assert sorted(cluster["resourcesVpcConfig"]["subnetIds"]) == sorted(work.prerequisites["eks_subnet_ids"])

    nodegroup = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName="general")["nodegroup"]
    assert nodegroup["status"] == "ACTIVE" and nodegroup["version"] == "1.32"
    assert nodegroup["amiType"] == "AL2023_x86_64_STANDARD" and nodegroup["capacityType"] == "ON_DEMAND"
    assert nodegroup["scalingConfig"] == {"minSize": 2, "maxSize": 4, "desiredSize": 2}
    assert nodegroup["labels"] == {"eksforge.io/pool": "general"}
    assert nodegroup["nodeRole"] == work.prerequisites["eks_node_role_arn"]
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
    assert facts["ca_cert_path"] == str(work.folder / "ca.crt")
    assert (work.folder / "ca.crt").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert CLUSTER in (work.folder / "kubeconfig").read_text()


def test_second_run_changes_nothing(private_sandbox, work):
    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work), diff=True)
    assert_ran(run)
    assert run.changed == 0, run.output[-6000:]
    assert run.mutating_calls == []


def nodegroups(private_sandbox) -> list[str]:
    return private_sandbox.boto3_client("eks").list_nodegroups(clusterName=CLUSTER)["nodegroups"]


def test_nodegroup_dropped_from_the_list_is_kept_unless_pruned(private_sandbox, work):
    added = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, eks_nodegroups=[GENERAL, EXTRA]))
    assert_ran(added)
    assert added.count("CreateNodegroup") == 1
    extra_tags = private_sandbox.boto3_client("eks").describe_nodegroup(clusterName=CLUSTER, nodegroupName="extra")["nodegroup"]["tags"]
    assert extra_tags["eksforge:platform"] == CLUSTER

    kept = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, eks_nodegroups=[GENERAL]))
    assert_ran(kept)
    assert kept.changed == 0 and kept.mutating_calls == []
    assert sorted(nodegroups(private_sandbox)) == ["extra", "general"]

    prune = extra(work, eks_nodegroups=[GENERAL], eks_prune_nodegroups=True)
    planned = run_playbook(private_sandbox, PLAYBOOK, extra_vars=prune, check=True, diff=True)
    assert_ran(planned)
    assert planned.changed == 1 and planned.mutating_calls == []
    assert sorted(nodegroups(private_sandbox)) == ["extra", "general"]

    pruned = run_playbook(private_sandbox, PLAYBOOK, extra_vars=prune)
    assert_ran(pruned)
    assert pruned.count("DeleteNodegroup") == 1 and len(pruned.mutating_calls) == 1
    assert nodegroups(private_sandbox) == ["general"]


def test_destroy_refuses_a_nodegroup_the_platform_did_not_make(private_sandbox, work):
    """EKS can't delete a cluster with nodegroups; one made outside the platform fails destroy before any deletion."""
    eks = private_sandbox.boto3_client("eks")
    general = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName="general")["nodegroup"]
    for name, tags in (("foreign", {"team": "data"}), ("extra", OWNED)):
        eks.create_nodegroup(clusterName=CLUSTER, nodegroupName=name, nodeRole=general["nodeRole"],
                             subnets=general["subnets"], tags=tags)
        wait_for(lambda: eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=name)["nodegroup"]["status"],
                 lambda status: status == "ACTIVE")
    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, eks_state="absent"))
    assert run.rc != 0 and run.failed == 1
    assert "nodegroups that are neither listed in eks_nodegroups nor tagged eksforge:platform: eksforge-local: foreign" in \
        " ".join(run.output.split()), run.output[-3000:]
    assert run.mutating_calls == []
    eks.delete_nodegroup(clusterName=CLUSTER, nodegroupName="foreign")
    wait_for(lambda: nodegroups(private_sandbox), lambda names: "foreign" not in names)


def test_destroy_leaves_nothing(private_sandbox, work):
    assert sorted(nodegroups(private_sandbox)) == ["extra", "general"]  # extra: owned, but not in eks_nodegroups
    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, eks_state="absent"))
    assert_ran(run)
    assert run.count("DeleteCluster") == 1 and run.count("DeleteNodegroup") == 2
    eks, iam = private_sandbox.boto3_client("eks"), private_sandbox.boto3_client("iam")
    assert eks.list_clusters()["clusters"] == []
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert EBS_ROLE not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert not (work.folder / "ca.crt").exists()
    assert CLUSTER not in (work.folder / "kubeconfig").read_text()

    again = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, eks_state="absent"))
    assert_ran(again)
    # Nothing of EKS is left to delete: no EKS call that mutates, no OIDC provider or IRSA role deletion.
    assert [c for c in again.mutating_calls if c["service"] == "eks"] == []
    assert again.count("DeleteOpenIDConnectProvider") == 0 and again.count("DeleteRole") == 0


def test_destroy_after_the_cluster_was_deleted_removes_its_oidc_provider(private_sandbox, work):
    """An interrupted destroy: the cluster is gone, its IAM OIDC provider (found by its tags) is still removed."""
    iam, eks = private_sandbox.boto3_client("iam"), private_sandbox.boto3_client("eks")
    prerequisites = cluster_prerequisites(private_sandbox, "partial", "10.77")
    foreign = iam.create_open_id_connect_provider(Url="https://oidc.eks.us-east-1.amazonaws.com/id/NOTOURS",
                                                  ClientIDList=["sts.amazonaws.com"])["OpenIDConnectProviderArn"]
    made = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(
        work, eks_subnet_ids=prerequisites["eks_subnet_ids"], eks_cluster_role_arn=prerequisites["eks_cluster_role_arn"],
        eks_nodegroups=[], eks_addons=[]))
    assert_ran(made)
    issuer = eks.describe_cluster(name=CLUSTER)["cluster"]["identity"]["oidc"]["issuer"]
    ours = f"arn:aws:iam::123456789012:oidc-provider/{issuer.removeprefix('https://')}"
    assert {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]} == {ours, foreign}

    eks.delete_cluster(name=CLUSTER)
    wait_for(lambda: eks.list_clusters()["clusters"], lambda names: CLUSTER not in names)

    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, eks_state="absent", eks_nodegroups=[], eks_addons=[]))
    assert_ran(run)
    assert run.count("DeleteOpenIDConnectProvider") == 1 and len(run.mutating_calls) == 1
    assert [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]] == [foreign]
