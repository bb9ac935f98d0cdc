"""Kubernetes upgrades with the eksforge.platform.eks role: control plane, then add-ons, then nodegroups.

The order is read from the sandbox's EKS updates (DescribeUpdate createdAt of the cluster, each add-on and the
nodegroup). Skips and downgrades fail before any call that mutates. The role runs alone (playbooks/eks_only.yml) on
subnets and a role made with boto3: the network and IAM roles play no part in an upgrade.
"""

from __future__ import annotations

import pytest

from tests.integration.support.asserts import assert_host_failed_with
from tests.integration.support.constants import LOCAL_PLATFORM as CLUSTER, ONLY_EKS as PLAYBOOK
from tests.integration.support.inventory import cluster_prerequisites, default_addon_version, host_per_case_inventory
from tests.integration.support.runs import run_playbook

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def work(private_sandbox, tmp_path_factory) -> dict:
    """The eks role's variables on this module's sandbox: subnets and roles made once, the CA file."""
    private_sandbox.reset()
    return {**cluster_prerequisites(private_sandbox, "upgrade", "10.21"),
            "eks_ca_cert_path": str(tmp_path_factory.mktemp("eks-upgrade-work") / "ca.crt")}


def extra(work: dict, version: str) -> dict:
    return {**work, "eks_kubernetes_version": version}


def updates(eks, **which) -> list[dict]:
    found = eks.list_updates(name=CLUSTER, **which)["updateIds"]
    return [eks.describe_update(name=CLUSTER, updateId=update, **which)["update"] for update in found]


def test_one_minor_upgrade_runs_control_plane_then_addons_then_nodegroups(private_sandbox, work):
    cold = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, "1.32"))
    assert cold.rc == 0, cold.output[-5000:]
    eks = private_sandbox.boto3_client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.32"
    assert updates(eks) == []

    # 1.32 -> 1.34 skips a minor version EKS offers: refused before any mutating call
    skipped = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, "1.34"))
    assert skipped.rc != 0 and skipped.mutating_calls == []
    assert (f"eks_kubernetes_version 1.34 can't be applied to cluster {CLUSTER}, which runs Kubernetes 1.32"
            in " ".join(skipped.output.split())), skipped.output[-3000:]

    planned = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, "1.33"), check=True, diff=True)
    assert planned.rc == 0, planned.output[-5000:]
    assert planned.mutating_calls == [] and planned.changed >= 1
    assert "+    version: '1.33'" in planned.output  # the control plane upgrade shows in the diff
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.32"

    run = run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, "1.33"))
    assert run.rc == 0, run.output[-5000:]
    assert run.count("UpdateClusterVersion") == 1 and run.count("UpdateNodegroupVersion") == 1

    cluster = eks.describe_cluster(name=CLUSTER)["cluster"]
    assert cluster["version"] == "1.33" and cluster["status"] == "ACTIVE"
    nodegroup = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName="general")["nodegroup"]
    assert nodegroup["version"] == "1.33" and nodegroup["status"] == "ACTIVE"

    control_plane = [u for u in updates(eks) if u["type"] == "VersionUpdate"]
    assert len(control_plane) == 1 and control_plane[0]["status"] == "Successful"
    addon_updates = []
    for addon in eks.list_addons(clusterName=CLUSTER)["addons"]:
        described = eks.describe_addon(clusterName=CLUSTER, addonName=addon)["addon"]
        # `default` resolves for the new Kubernetes version
        assert described["addonVersion"] == default_addon_version(eks, addon, "1.33"), addon
        addon_updates += updates(eks, addonName=addon)
    # kube-proxy and coredns are built per minor version, vpc-cni's default moves too
    assert len(addon_updates) >= 3
    node_updates = [u for u in updates(eks, nodegroupName="general") if u["type"] == "VersionUpdate"]
    assert len(node_updates) == 1

    assert control_plane[0]["createdAt"] < min(u["createdAt"] for u in addon_updates)
    assert max(u["createdAt"] for u in addon_updates) < node_updates[0]["createdAt"]


# After the upgrade the cluster runs 1.33. host -> (eks_kubernetes_version, what its failure must say); all hosts are
# one run on that cluster.
REFUSED = {
    "not_offered": ("1.35", "eks_kubernetes_version 1.35 is not a Kubernetes version EKS offers in us-east-1"),
    "downgrade": ("1.32", f"eks_kubernetes_version 1.32 can't be applied to cluster {CLUSTER}, which runs Kubernetes 1.33"),
    "downgrade_two": ("1.31", f"eks_kubernetes_version 1.31 can't be applied to cluster {CLUSTER}, which runs "
                              "Kubernetes 1.33"),
}


def test_versions_refused_after_the_upgrade_fail_before_any_mutating_call(private_sandbox, work, tmp_path):
    """A version EKS does not offer fails in the preflight, a downgrade (by one minor version or two) in the eks
    role's check of the cluster: one run with a host per case."""
    eks = private_sandbox.boto3_client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.33"
    inventory = host_per_case_inventory(tmp_path, {host: {"eks_kubernetes_version": version}
                                                   for host, (version, _) in REFUSED.items()})
    run = run_playbook(private_sandbox, PLAYBOOK, inventory=str(inventory), extra_vars=work)
    assert run.rc != 0
    for host, (_, message) in REFUSED.items():
        assert_host_failed_with(run, host, message)
    assert run.mutating_calls == []
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.33"
