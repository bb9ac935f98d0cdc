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
    assert max(window[1] for window in earliest(changes).values()) == pytest.approx(14 * 60)


def read(at: float, action: str, **target: str) -> dict:
    return {"at": at, "service": "x", "action": action, "kind": "read", "target": target}


def test_clock_scales_the_wait_for_a_pending_change_back_up():
    log = [entry(10.0, "CreateNatGateway", SubnetId="s"),  # 90 AWS s, 0.9 s at scale 0.01
           read(10.5, "DescribeNatGateways"), read(11.0, "DescribeNatGateways")]
    clock = Clock(began=0.0, ended=20.0, changes=long_changes(log), scale=0.01, log=log)
    assert clock.aws_seconds(10.0) == pytest.approx(10.0)
    assert clock.aws_seconds(10.5) == pytest.approx(60.0)  # 0.5 s of waiting = 50 AWS s
    assert clock.aws_seconds(11.0) == pytest.approx(100.1)  # 0.4 s more of it, then 0.1 s after it was available
    assert clock.aws_seconds(20.0) == pytest.approx(109.1)


def test_work_done_while_a_change_is_pending_is_not_stretched():
    log = [entry(10.0, "CreateCluster", name="c"),  # 570 AWS s, 5.7 s at scale 0.01
           entry(11.0, "CreateRole", RoleName="r"), read(12.0, "GetRole", RoleName="r"),
           read(12.5, "DescribeCluster", name="other"),  # not the pending cluster: work
           read(13.0, "DescribeCluster", name="c")]  # waiting for it
    clock = Clock(began=0.0, ended=20.0, changes=long_changes(log), scale=0.01, log=log)
    assert clock.aws_seconds(12.5) == pytest.approx(12.5)
    assert clock.aws_seconds(13.0) == pytest.approx(12.5 + 50.0)


def test_a_poll_scales_only_the_stretch_of_the_change_it_polls():
    log = [entry(10.0, "CreateCluster", name="c"), entry(20.0, "CreateAddon", clusterName="c", addonName="a"),
           read(20.4, "DescribeCluster", name="c"),  # the cluster is long done: only the addon was pending
           read(20.5, "DescribeAddon", clusterName="c", addonName="a")]
    clock = Clock(began=0.0, ended=30.0, changes=long_changes(log), scale=0.01, log=log)
    assert clock.aws_seconds(20.4) == pytest.approx(20.4)
    assert clock.aws_seconds(20.5) == pytest.approx(20.4 + 10.0)
