"""Bad input to the eksforge.platform.eks role fails before any call that mutates, naming the variable.

Every case is a host of one inventory, all run by ONE ansible-playbook run of the role against a private sandbox
that holds one cluster on Kubernetes 1.31 (made with boto3): each host must fail with its message, and the run must
make no mutating call. Cases naming cluster `fresh` are for a cluster the run would create.
"""

from __future__ import annotations

import pytest

from tests.integration.support.asserts import assert_host_failed_with
from tests.integration.support.constants import ONLY_EKS as PLAYBOOK
from tests.integration.support.inventory import cluster_prerequisites, host_per_case_inventory
from tests.integration.support.runs import run_playbook

pytestmark = pytest.mark.slow

CLUSTER = "legacy"


@pytest.fixture(scope="module")
def legacy_cluster(private_sandbox, tmp_path_factory) -> dict:
    """A VPC with two subnets, a cluster role and cluster `legacy` on Kubernetes 1.31, made directly with boto3."""
    made = cluster_prerequisites(private_sandbox, CLUSTER, "10.9")
    private_sandbox.boto3_client("eks").create_cluster(name=CLUSTER, version="1.31", roleArn=made["eks_cluster_role_arn"],
                                                       resourcesVpcConfig={"subnetIds": made["eks_subnet_ids"]})
    return {"eks_cluster_name": CLUSTER, **made, "eks_kubernetes_version": "1.31",
            "eks_ca_cert_path": str(tmp_path_factory.mktemp("eks-bad-input-ca") / "ca.crt")}


GOOD_NODEGROUP = {"name": "general", "min_size": 1, "desired_size": 1, "max_size": 2}

# id -> (variables over the legacy cluster's, text the failure must contain)
CASES = {
    "unknown_addon_name": ({"eks_addons": [{"name": "vpc-cni"}, {"name": "kube-frobnicator"}]},
                           "eks_addons may only name add-ons listed in eks_known_addon_names"),
    "malformed_addon_version": ({"eks_addons": [{"name": "coredns", "version": "newest"}]},
                                "eks_addons entry 'coredns' is invalid: version must be latest, default or an exact "
                                "version such as v1.20.4-eksbuild.2, got 'newest'"),
    "nonexistent_addon_version": ({"eks_addons": [{"name": "kube-proxy", "version": "v9.9.9-eksbuild.1"}]},
                                  "eks_addons lists an add-on or version EKS does not offer"),
    "addon_version_of_other_kubernetes": ({"eks_addons": [{"name": "kube-proxy", "version": "v1.33.5-eksbuild.2"}]},
                                          "eks_addons lists an add-on or version EKS does not offer"),
    # checked for the version the cluster is created with or upgraded to, before the creation or upgrade
    "addon_version_for_new_cluster": ({"eks_cluster_name": "fresh", "eks_kubernetes_version": "1.33",
                                       "eks_addons": [{"name": "kube-proxy", "version": "v1.31.2-eksbuild.3"}]},
                                      "EKS does not offer for Kubernetes 1.33: Add-on 'kube-proxy' version 'v1.31.2-eksbuild.3'"),
    "unknown_addon_for_new_cluster": ({"eks_cluster_name": "fresh", "eks_known_addon_names": ["vpc-cni", "kube-frobnicator"],
                                       "eks_addons": [{"name": "kube-frobnicator"}]},
                                      "Add-on 'kube-frobnicator' is unknown to EKS or has no version for Kubernetes 1.31"),
    "addon_version_of_the_upgrade": ({"eks_kubernetes_version": "1.32",
                                      "eks_addons": [{"name": "kube-proxy", "version": "v1.31.2-eksbuild.3"}]},
                                     "EKS does not offer for Kubernetes 1.32: Add-on 'kube-proxy' version 'v1.31.2-eksbuild.3'"),
    "invalid_taint_effect": ({"eks_nodegroups": [dict(GOOD_NODEGROUP, taints=[{"key": "gpu", "value": "yes",
                                                                               "effect": "NoSchedule"}])]},
                             "eks_nodegroups[0] (general).taints[0].effect must be one of NO_SCHEDULE"),
    "min_above_max": ({"eks_nodegroups": [dict(GOOD_NODEGROUP, min_size=5, desired_size=5, max_size=3)]},
                      "eks_nodegroups[0] (general).min_size (5) is above max_size (3)"),
    "desired_outside_range": ({"eks_nodegroups": [dict(GOOD_NODEGROUP, desired_size=7)]},
                              "eks_nodegroups[0] (general).desired_size (7) must be between min_size (1) and max_size (2)"),
    "unknown_capacity_type": ({"eks_nodegroups": [dict(GOOD_NODEGROUP, capacity_type="RESERVED")]},
                              "eks_nodegroups[0] (general).capacity_type must be one of"),
    "unknown_ami_type": ({"eks_nodegroups": [dict(GOOD_NODEGROUP, ami_type="UBUNTU_22")]},
                         "eks_nodegroups[0] (general).ami_type 'UBUNTU_22' is not an EKS AMI type"),
    "empty_nodegroup_name": ({"eks_nodegroups": [dict(GOOD_NODEGROUP, name="")]},
                             "eks_nodegroups names must be unique"),
    "duplicate_nodegroup_name": ({"eks_nodegroups": [GOOD_NODEGROUP, GOOD_NODEGROUP]},
                                 "eks_nodegroups names must be unique"),
    "bad_principal_arn": ({"eks_admin_principal_arns": ["arn:aws:sts::123456789012:assumed-role/admin/me"]},
                          "eks_admin_principal_arns must list IAM role or user ARNs"),
    "bad_access_policy": ({"eks_access_entries": [{"principal_arn": "arn:aws:iam::123456789012:role/dev",
                                                   "policy_associations": [{"policy": "ReadEverything"}]}]},
                          "eks_access_entries entry arn:aws:iam::123456789012:role/dev is invalid: each "
                          "policy_associations item needs an EKS access policy"),
    "bad_version_format": ({"eks_kubernetes_version": "1.3"}, "eks_kubernetes_version must be a quoted"),
    "version_skip": ({"eks_kubernetes_version": "1.33"},
                     "eks_kubernetes_version 1.33 can't be applied to cluster legacy, which runs Kubernetes 1.31"),
    "version_downgrade": ({"eks_kubernetes_version": "1.30"},
                          "eks_kubernetes_version 1.30 can't be applied to cluster legacy, which runs Kubernetes 1.31"),
    "bad_log_type": ({"eks_enabled_log_types": ["api", "kubelet"]}, "eks_enabled_log_types may only list"),
    "invalid_public_access_cidr": ({"eks_public_access_cidrs": ["10.0.0.0/33"]},
                                   "eks_public_access_cidrs must list IPv4 CIDR blocks"),
    "both_endpoints_closed": ({"eks_endpoint_public_access": False, "eks_endpoint_private_access": False},
                              "eks_endpoint_public_access and eks_endpoint_private_access can't both be false"),
    "bad_subnet_id": ({"eks_subnet_ids": ["subnet-xyz"]}, "eks_subnet_ids and eks_node_subnet_ids must list subnet ids"),
    "bad_state": ({"eks_state": "gone"}, "eks_state"),
    "irsa_role_name_too_long": ({"eks_cluster_name": "c" * 50},
                                "IAM role name of an eks_addons IRSA role '" + "c" * 50 + "-aws-ebs-csi-driver' (made from "
                                "eks_cluster_name and the add-on name) is 69 characters, 5 over the limit of 64"),
    "no_subnets_for_new_cluster": ({"eks_cluster_name": "fresh", "eks_subnet_ids": []},
                                   "needs at least two subnets (eks_subnet_ids"),
}


@pytest.fixture(scope="module")
def bad_input_run(private_sandbox, legacy_cluster, tmp_path_factory):
    """The role run once for every case: a host per case, its variables over the legacy cluster's (host variables,
    over inventories/local's group_vars)."""
    inventory = host_per_case_inventory(tmp_path_factory.mktemp("eks-bad-input-inventory"), {
        case: {**legacy_cluster, **variables} for case, (variables, _) in CASES.items()})
    return run_playbook(private_sandbox, PLAYBOOK, inventory=str(inventory))


def test_no_case_made_a_mutating_call(private_sandbox, bad_input_run):
    assert bad_input_run.mutating_calls == [], bad_input_run.mutating_calls
    assert private_sandbox.boto3_client("eks").describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.31"


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_before_any_mutating_call(bad_input_run, case):
    assert_host_failed_with(bad_input_run, case, CASES[case][1])


def test_good_input_on_the_same_cluster_passes_validation(private_sandbox, legacy_cluster):
    """The baseline of the cases above: with valid values the role gets past validation and changes the cluster."""
    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars={
        **legacy_cluster, "eks_nodegroups": [], "eks_addons": [{"name": "kube-proxy"}],
        "eks_admin_principal_arns": ["arn:aws:iam::123456789012:role/admins"], "eks_enabled_log_types": ["api"]})
    assert run.rc == 0, run.output[-3000:]
    assert run.count("CreateAddon") == 1 and run.count("CreateAccessEntry") == 1
