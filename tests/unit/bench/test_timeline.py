"""bench/timeline.py's pure logic: which long changes a call log holds, the dependency chain, the clock."""

from __future__ import annotations

import pytest

from bench.timeline import Clock, earliest, link_dependencies, long_changes


def entry(at: float, action: str, **target: str) -> dict:
    return {"at": at, "service": "x", "action": action, "kind": "mutating", "target": target}


LOG = [
    entry(10.0, "CreateNatGateway", SubnetId="subnet-a"),
    entry(10.5, "CreateNatGateway", SubnetId="subnet-a"),  # a retry: still one change
    entry(20.0, "CreateCluster", name="c"),
    entry(30.0, "CreateAddon", clusterName="c", addonName="vpc-cni"),
    entry(40.0, "CreateNodegroup", clusterName="c", nodegroupName="general"),
    entry(50.0, "CreateAddon", clusterName="c", addonName="coredns"),
    entry(51.0, "DescribeCluster", name="c"),
]


def test_long_changes_are_the_first_call_of_each_create():
    changes = long_changes(LOG)
    assert [(change.label, change.started) for change in changes] == [
        ("nat-gateway subnet-a", 10.0), ("eks-cluster c", 20.0), ("eks-addon c/vpc-cni", 30.0),
        ("eks-nodegroup c/general", 40.0), ("eks-addon c/coredns", 50.0)]


def test_chain_puts_nodegroups_after_cluster_and_nat_and_late_addons_after_nodegroups():
    changes = long_changes(LOG)
    link_dependencies(changes)
    needs = {change.label: sorted(need.label for need in change.needs) for change in changes}
    assert needs == {"nat-gateway subnet-a": [], "eks-cluster c": [], "eks-addon c/vpc-cni": ["eks-cluster c"],
                     "eks-nodegroup c/general": ["eks-cluster c", "nat-gateway subnet-a"],
                     "eks-addon c/coredns": ["eks-cluster c", "eks-nodegroup c/general"]}
    # 9.5 (control plane) + 3.5 (nodegroup) + 1 (coredns) minutes.
    assert max(times[1] for times in earliest(changes).values()) == pytest.approx(14 * 60)


def test_clock_scales_pending_stretches_back_up_and_keeps_the_rest():
    changes = long_changes([entry(10.0, "CreateNatGateway", SubnetId="s")])  # 90 AWS s, 0.9 s at scale 0.01
    clock = Clock(began=0.0, ended=20.0, changes=changes, scale=0.01)
    assert clock.aws_seconds(10.0) == pytest.approx(10.0)
    assert clock.aws_seconds(10.9) == pytest.approx(100.0)
    assert clock.aws_seconds(20.0) == pytest.approx(109.1)
