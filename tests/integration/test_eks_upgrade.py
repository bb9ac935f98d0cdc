"""Kubernetes upgrades with the eksforge.platform.eks role: control plane, then add-ons, then nodegroups.

The order is read from the sandbox's EKS updates (DescribeUpdate createdAt of the cluster, each add-on and the
nodegroup). Skips and downgrades fail before any call that mutates.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sandbox import harness

# pytest runs with --import-mode=importlib: make the sibling helper module importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from eks_support import default_addon_version

pytestmark = pytest.mark.slow

PLAYBOOK = "tests/integration/playbooks/eks.yml"
ONLY_EKS = "tests/integration/playbooks/eks_only.yml"
CLUSTER = "eksforge-local"


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eks-upgrade-work")


def extra(work: Path, version: str) -> dict:
    return {"eks_kubernetes_version": version, "eks_ca_cert_path": str(work / "ca.crt")}


def updates(eks, **which) -> list[dict]:
    found = eks.list_updates(name=CLUSTER, **which)["updateIds"]
    return [eks.describe_update(name=CLUSTER, updateId=update, **which)["update"] for update in found]


def test_one_minor_upgrade_runs_control_plane_then_addons_then_nodegroups(private_sandbox, work):
    private_sandbox.reset()
    cold = harness.run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, "1.32"))
    assert cold.rc == 0, cold.output[-5000:]
    eks = private_sandbox.boto3_client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.32"
    assert updates(eks) == []

    planned = harness.run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, "1.33"), check=True, diff=True)
    assert planned.rc == 0, planned.output[-5000:]
    assert planned.mutating_calls == [] and planned.changed >= 1
    assert "+    version: '1.33'" in planned.output  # the control plane upgrade shows in the diff
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.32"

    run = harness.run_playbook(private_sandbox, PLAYBOOK, extra_vars=extra(work, "1.33"))
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


@pytest.mark.parametrize("version, current", [("1.35", "1.33"), ("1.32", "1.33"), ("1.31", "1.33")],
                         ids=["skip", "downgrade", "downgrade_two"])
def test_skip_or_downgrade_fails_before_any_mutating_call(private_sandbox, work, version, current):
    eks = private_sandbox.boto3_client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == current
    run = harness.run_playbook(private_sandbox, ONLY_EKS, extra_vars=extra(work, version))
    assert run.rc != 0
    assert f"eks_kubernetes_version {version} can't be applied to cluster {CLUSTER}, which runs Kubernetes {current}" in \
        " ".join(run.output.split()), run.output[-3000:]
    assert run.mutating_calls == []
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == current
