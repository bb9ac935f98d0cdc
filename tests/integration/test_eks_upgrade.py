"""Kubernetes upgrades with the eksforge.platform.eks role: control plane, then add-ons, then nodegroups.

The order is read from the sandbox's EKS updates (DescribeUpdate createdAt of the cluster, each add-on and the
nodegroup). Skips and downgrades fail before any call that mutates.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from sandbox import harness

pytestmark = pytest.mark.slow

# This module's sandbox ports: the first free pair (AWS, Kubernetes) from here, within 20 ports.
PORT_BASE = 45750


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
ONLY_EKS = "tests/integration/playbooks/eks_only.yml"
CLUSTER = "eksforge-local"


@pytest.fixture(scope="module")
def eks_sandbox(tmp_path_factory):
    """A private sandbox on this module's own ports whose EKS resources settle after 0.2 s."""
    aws_port = free_port_pair(PORT_BASE)
    running = harness.Sandbox(state_dir=tmp_path_factory.mktemp("eks-upgrade"), env=dict(
        os.environ, EKSFORGE_SANDBOX_AWS_PORT=str(aws_port), EKSFORGE_SANDBOX_K8S_PORT=str(aws_port + 1),
        EKSFORGE_SANDBOX_EKS_DELAY="0.2", PATH=f"{harness.VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"))
    running.env["EKSFORGE_SANDBOX_DIR"] = str(running.state_dir)
    started = running.command("up")
    assert started.returncode == 0, started.stdout + started.stderr
    yield running
    running.stop()


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eks-upgrade-work")


def extra(work: Path, version: str) -> dict:
    return {"eks_kubernetes_version": version, "eks_ca_cert_path": str(work / "ca.crt")}


def updates(eks, **which) -> list[dict]:
    found = eks.list_updates(name=CLUSTER, **which)["updateIds"]
    return [eks.describe_update(name=CLUSTER, updateId=update, **which)["update"] for update in found]


def default_version(eks, addon: str, kubernetes: str) -> str:
    info = eks.describe_addon_versions(addonName=addon, kubernetesVersion=kubernetes)["addons"][0]
    return next(v["addonVersion"] for v in info["addonVersions"]
                if any(c["clusterVersion"] == kubernetes and c["defaultVersion"] for c in v["compatibilities"]))


def test_one_minor_upgrade_runs_control_plane_then_addons_then_nodegroups(eks_sandbox, work):
    eks_sandbox.reset()
    cold = harness.run_playbook(eks_sandbox, PLAYBOOK, extra_vars=extra(work, "1.32"))
    assert cold.rc == 0, cold.output[-5000:]
    eks = eks_sandbox.boto3_client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.32"
    assert updates(eks) == []

    planned = harness.run_playbook(eks_sandbox, PLAYBOOK, extra_vars=extra(work, "1.33"), check=True, diff=True)
    assert planned.rc == 0, planned.output[-5000:]
    assert planned.mutating_calls == [] and planned.changed >= 1
    assert "+    version: '1.33'" in planned.output  # the control plane upgrade shows in the diff
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.32"

    run = harness.run_playbook(eks_sandbox, PLAYBOOK, extra_vars=extra(work, "1.33"))
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
        assert described["addonVersion"] == default_version(eks, addon, "1.33"), addon
        addon_updates += updates(eks, addonName=addon)
    # kube-proxy and coredns are built per minor version, vpc-cni's default moves too
    assert len(addon_updates) >= 3
    node_updates = [u for u in updates(eks, nodegroupName="general") if u["type"] == "VersionUpdate"]
    assert len(node_updates) == 1

    assert control_plane[0]["createdAt"] < min(u["createdAt"] for u in addon_updates)
    assert max(u["createdAt"] for u in addon_updates) < node_updates[0]["createdAt"]


@pytest.mark.parametrize("version, current", [("1.35", "1.33"), ("1.32", "1.33"), ("1.31", "1.33")],
                         ids=["skip", "downgrade", "downgrade_two"])
def test_skip_or_downgrade_fails_before_any_mutating_call(eks_sandbox, work, version, current):
    eks = eks_sandbox.boto3_client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == current
    run = harness.run_playbook(eks_sandbox, ONLY_EKS, extra_vars=extra(work, version))
    assert run.rc != 0
    assert f"eks_kubernetes_version {version} can't be applied to cluster {CLUSTER}, which runs Kubernetes {current}" in \
        " ".join(run.output.split()), run.output[-3000:]
    assert run.mutating_calls == []
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == current
