"""Unit tests of what eks_nodegroup decides to change (plugins/module_utils/eks_nodegroup.py)."""

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks_nodegroup import (
    create_nodegroup_request,
    desired_nodegroup_view,
    diff_labels,
    diff_taints,
    nodegroup_view,
    plan_nodegroup_updates,
    plan_scaling,
)


def described(**overrides):
    nodegroup = {
        "nodegroupName": "workers",
        "clusterName": "shop",
        "nodegroupArn": "arn:aws:eks:us-east-1:123456789012:nodegroup/shop/workers/1",
        "version": "1.30",
        "releaseVersion": "1.30.0-20260101",
        "status": "ACTIVE",
        "capacityType": "ON_DEMAND",
        "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 2},
        "instanceTypes": ["t3.large"],
        "subnets": ["subnet-b", "subnet-a"],
        "amiType": "AL2023_x86_64_STANDARD",
        "nodeRole": "arn:aws:iam::123456789012:role/nodes",
        "labels": {"role": "worker", "tier": "app"},
        "taints": [{"key": "dedicated", "value": "shop", "effect": "NO_SCHEDULE"}],
        "diskSize": 20,
        "updateConfig": {"maxUnavailable": 1},
        "tags": {},
    }
    nodegroup.update(overrides)
    return nodegroup


def params(**overrides):
    base = dict.fromkeys(
        (
            "node_role",
            "subnets",
            "scaling_config",
            "instance_types",
            "capacity_type",
            "ami_type",
            "disk_size",
            "remote_access",
            "labels",
            "taints",
            "update_config",
            "launch_template",
            "version",
            "release_version",
            "tags",
        )
    )
    base.update({"name": "workers", "cluster_name": "shop", "purge_tags": True})
    base.update(overrides)
    return base


def plan(nodegroup=None, cluster_version=None, **overrides):
    return plan_nodegroup_updates(nodegroup_view(nodegroup or described()), desired_nodegroup_view(params(**overrides)), cluster_version)


def test_same_settings_plan_nothing():
    assert plan(
        node_role="arn:aws:iam::123456789012:role/nodes",
        subnets=["subnet-a", "subnet-b"],
        scaling_config={"min_size": 1, "max_size": 3, "desired_size": 2},
        instance_types=["t3.large"],
        capacity_type="ON_DEMAND",
        ami_type="AL2023_x86_64_STANDARD",
        disk_size=20,
        labels={"tier": "app", "role": "worker"},
        taints=[{"key": "dedicated", "value": "shop", "effect": "NO_SCHEDULE"}],
        update_config={"max_unavailable": 1, "max_unavailable_percentage": None},
        version="1.30",
        release_version="1.30.0-20260101",
    ) == ({}, {})


def test_scaling_validation():
    with pytest.raises(EksPlanError, match="min_size <= desired_size <= max_size"):
        plan_scaling(None, {"min_size": 3, "max_size": 5, "desired_size": 1})
    with pytest.raises(EksPlanError, match="min_size <= desired_size <= max_size"):
        plan_scaling(None, {"min_size": 3, "max_size": 2, "desired_size": None})
    with pytest.raises(EksPlanError, match="max_size >= 1"):
        plan_scaling(None, {"min_size": 0, "max_size": 0, "desired_size": 0})


def test_keep_desired_size_sizes_only_a_new_nodegroup():
    wanted = {"min_size": 1, "max_size": 3, "desired_size": 2, "keep_desired_size": True}
    assert plan_scaling(None, wanted) == {"min_size": 1, "max_size": 3, "desired_size": 2}
    # scaled down to 1 by a cluster autoscaler: stays 1
    assert plan_scaling({"min_size": 1, "max_size": 3, "desired_size": 1}, wanted) == {"min_size": 1, "max_size": 3, "desired_size": 1}
    # outside the new range: moved into it
    assert plan_scaling({"min_size": 1, "max_size": 5, "desired_size": 5}, wanted) == {"min_size": 1, "max_size": 3, "desired_size": 3}
    assert plan_scaling({"min_size": 1, "max_size": 3, "desired_size": 1}, dict(wanted, keep_desired_size=False))["desired_size"] == 2


def test_scaling_defaults_at_creation():
    assert plan_scaling(None, None) == {"min_size": 1, "max_size": 2, "desired_size": 1}
    assert plan_scaling(None, {"min_size": 3, "max_size": None, "desired_size": None}) == {"min_size": 3, "max_size": 3, "desired_size": 3}


def test_unset_desired_size_is_kept_or_clipped_into_range():
    current = {"min_size": 1, "max_size": 5, "desired_size": 4}
    assert plan_scaling(current, {"min_size": 2, "max_size": None, "desired_size": None}) == {"min_size": 2, "max_size": 5, "desired_size": 4}
    assert plan_scaling(current, {"min_size": None, "max_size": 3, "desired_size": None}) == {"min_size": 1, "max_size": 3, "desired_size": 3}


def test_scaling_change_sends_full_config():
    config, version = plan(scaling_config={"min_size": None, "max_size": 6, "desired_size": None})
    assert config == {"scalingConfig": {"minSize": 1, "maxSize": 6, "desiredSize": 2}}
    assert version == {}


def test_label_diff():
    assert diff_labels({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "4"}) == ({"b": "3", "c": "4"}, [])
    assert diff_labels({"a": "1", "b": "2"}, {"a": "1"}) == ({}, ["b"])
    assert diff_labels({"a": "1"}, None) == ({}, [])


def test_taint_diff_by_key_and_effect():
    current = [{"key": "a", "value": "1", "effect": "NO_SCHEDULE"}, {"key": "b", "effect": "NO_EXECUTE"}]
    desired = [{"key": "a", "value": "2", "effect": "NO_SCHEDULE"}, {"key": "b", "value": None, "effect": "PREFER_NO_SCHEDULE"}]
    to_set, to_remove = diff_taints(current, desired)
    assert to_set == [{"key": "a", "value": "2", "effect": "NO_SCHEDULE"}, {"key": "b", "effect": "PREFER_NO_SCHEDULE"}]
    assert to_remove == [{"key": "b", "effect": "NO_EXECUTE"}]
    assert diff_taints(current, list(reversed(current))) == ([], [])


def test_labels_and_taints_go_in_one_config_update():
    config, dummy = plan(labels={"role": "worker"}, taints=[])
    assert config == {
        "labels": {"addOrUpdateLabels": {}, "removeLabels": ["tier"]},
        "taints": {"addOrUpdateTaints": [], "removeTaints": [{"key": "dedicated", "value": "shop", "effect": "NO_SCHEDULE"}]},
    }


def test_update_config_change():
    config, dummy = plan(update_config={"max_unavailable": None, "max_unavailable_percentage": 25})
    assert config == {"updateConfig": {"maxUnavailablePercentage": 25}}


@pytest.mark.parametrize(
    "field, value",
    [
        ("instance_types", ["m5.large"]),
        ("subnets", ["subnet-c"]),
        ("node_role", "arn:aws:iam::123456789012:role/other"),
        ("capacity_type", "SPOT"),
        ("ami_type", "BOTTLEROCKET_x86_64"),
        ("disk_size", 50),
    ],
)
def test_immutable_fields_fail_naming_the_field(field, value):
    with pytest.raises(EksPlanError, match=field):
        plan(**{field: value})


def test_version_upgrade_and_refusals():
    assert plan(version="1.31", cluster_version="1.31") == ({}, {"version": "1.31"})
    with pytest.raises(EksPlanError, match="downgrade"):
        plan(version="1.29")
    with pytest.raises(EksPlanError, match="newer than its cluster"):
        plan(version="1.31", cluster_version="1.30")


def test_release_version_update():
    assert plan(release_version="1.30.1-20260201") == ({}, {"releaseVersion": "1.30.1-20260201"})


def test_launch_template_version_update_and_refusals():
    with_template = described(launchTemplate={"id": "lt-1", "name": "nodes", "version": "1"}, instanceTypes=None, diskSize=None)
    assert plan(with_template, launch_template={"id": None, "name": "nodes", "version": "2"}) == (
        {},
        {"launchTemplate": {"id": "lt-1", "name": "nodes", "version": "2"}},
    )
    assert plan(with_template, launch_template={"id": "lt-1", "name": None, "version": "1"}) == ({}, {})
    with pytest.raises(EksPlanError, match="launch_template.name"):
        plan(with_template, launch_template={"id": None, "name": "other", "version": "2"})
    with pytest.raises(EksPlanError, match="Cannot add a launch template"):
        plan(launch_template={"id": "lt-1", "name": None, "version": "1"})


def test_create_request():
    p = params(
        node_role="arn:aws:iam::123456789012:role/nodes",
        subnets=["subnet-a"],
        scaling_config={"min_size": 2, "max_size": 4, "desired_size": None},
        instance_types=["m7g.large"],
        capacity_type="SPOT",
        ami_type="AL2023_ARM_64_STANDARD",
        labels={"a": 1},
        taints=[{"key": "k", "value": None, "effect": "NO_EXECUTE"}],
        update_config={"max_unavailable": None, "max_unavailable_percentage": 33},
        tags={"t": "v"},
    )
    assert create_nodegroup_request(p, desired_nodegroup_view(p)) == {
        "clusterName": "shop",
        "nodegroupName": "workers",
        "nodeRole": "arn:aws:iam::123456789012:role/nodes",
        "subnets": ["subnet-a"],
        "scalingConfig": {"minSize": 2, "maxSize": 4, "desiredSize": 2},
        "instanceTypes": ["m7g.large"],
        "capacityType": "SPOT",
        "amiType": "AL2023_ARM_64_STANDARD",
        "labels": {"a": "1"},
        "taints": [{"key": "k", "effect": "NO_EXECUTE"}],
        "updateConfig": {"maxUnavailablePercentage": 33},
        "tags": {"t": "v"},
    }


def test_create_needs_role_and_subnets():
    p = params()
    with pytest.raises(EksPlanError, match="node_role and subnets required"):
        create_nodegroup_request(p, desired_nodegroup_view(p))
