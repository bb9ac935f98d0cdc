"""Unit tests of eks_addon's version resolution and update decisions (plugins/module_utils/eks_addon.py)."""

import json

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks_addon import (
    addon_version_key,
    addon_view,
    configuration_json,
    create_addon_request,
    desired_addon_view,
    parse_configuration,
    plan_addon_update,
    planning_kubernetes_version,
    resolve_addon_version,
)


def version(name, *cluster_versions, default_for=()):
    return {
        "addonVersion": name,
        "compatibilities": [{"clusterVersion": v, "defaultVersion": v in default_for} for v in cluster_versions],
    }


# As DescribeAddonVersions(addonName=vpc-cni, kubernetesVersion=1.31) answers: newest first, each
# version listing the cluster versions it supports.
ADDONS = [
    {
        "addonName": "vpc-cni",
        "addonVersions": [
            version("v1.19.10-eksbuild.1", "1.31", "1.32"),
            version("v1.19.9-eksbuild.2", "1.30", "1.31", default_for=("1.31",)),
            version("v1.18.3-eksbuild.1", "1.29", "1.30", "1.31", default_for=("1.30",)),
            version("v1.20.0-eksbuild.1", "1.32"),
        ],
    }
]


def params(**overrides):
    base = {
        "name": "vpc-cni",
        "cluster_name": "shop",
        "version": None,
        "configuration_values": None,
        "service_account_role_arn": None,
        "pod_identity_associations": None,
        "resolve_conflicts": None,
        "tags": None,
        "purge_tags": True,
    }
    base.update(overrides)
    return base


def test_versions_sort_numerically():
    assert addon_version_key("v1.19.10-eksbuild.1") > addon_version_key("v1.19.9-eksbuild.2")


def test_latest_is_newest_compatible():
    assert resolve_addon_version(ADDONS, "vpc-cni", "1.31", "latest") == "v1.19.10-eksbuild.1"


def test_default_is_the_one_marked_for_the_cluster_version():
    assert resolve_addon_version(ADDONS, "vpc-cni", "1.31", "default") == "v1.19.9-eksbuild.2"
    assert resolve_addon_version(ADDONS, "vpc-cni", "1.30", "default") == "v1.18.3-eksbuild.1"


def test_exact_version_must_be_compatible():
    assert resolve_addon_version(ADDONS, "vpc-cni", "1.31", "v1.18.3-eksbuild.1") == "v1.18.3-eksbuild.1"
    with pytest.raises(EksPlanError, match="not available for Kubernetes 1.31; compatible versions: v1.19.10-eksbuild.1, v1.19.9"):
        resolve_addon_version(ADDONS, "vpc-cni", "1.31", "v1.20.0-eksbuild.1")


def test_unknown_addon_fails():
    with pytest.raises(EksPlanError, match="unknown to EKS"):
        resolve_addon_version([], "not-an-addon", "1.31", "latest")
    with pytest.raises(EksPlanError, match="no version for Kubernetes 1.28"):
        resolve_addon_version(ADDONS, "vpc-cni", "1.28", "latest")


def test_no_default_fails_clearly():
    with pytest.raises(EksPlanError, match="no default version"):
        resolve_addon_version(ADDONS, "vpc-cni", "1.32", "default")


def test_configuration_json_is_compact_and_sorted():
    assert configuration_json({"b": 1, "a": {"y": True, "x": "s"}}) == '{"a":{"x":"s","y":true},"b":1}'
    assert configuration_json(None) == "{}"


def test_configuration_compared_as_data():
    current = addon_view({"addonVersion": "v1", "configurationValues": '{\n  "env": {"B": "2", "A": "1"}\n}'})
    same = desired_addon_view(params(configuration_values={"env": {"A": "1", "B": "2"}}), None)
    assert plan_addon_update(current, same) == {}
    other = desired_addon_view(params(configuration_values={"env": {"A": "1"}}), None)
    assert plan_addon_update(current, other) == {"configurationValues": '{"env":{"A":"1"}}'}


def test_empty_configuration_equals_none_set():
    assert parse_configuration("") == {}
    assert parse_configuration(None) == {}
    assert plan_addon_update(addon_view({"addonVersion": "v1"}), desired_addon_view(params(configuration_values={}), None)) == {}


def test_non_json_configuration_differs():
    current = addon_view({"configurationValues": "env:\n  A: '1'\n"})
    assert plan_addon_update(current, desired_addon_view(params(configuration_values={"env": {"A": "1"}}), None)) == {
        "configurationValues": '{"env":{"A":"1"}}'
    }


def test_only_changed_fields_are_sent():
    current = addon_view({"addonVersion": "v1.18.3-eksbuild.1", "serviceAccountRoleArn": "arn:aws:iam::1:role/a"})
    desired = desired_addon_view(params(service_account_role_arn="arn:aws:iam::1:role/a"), "v1.19.9-eksbuild.2")
    assert plan_addon_update(current, desired) == {"addonVersion": "v1.19.9-eksbuild.2"}
    assert plan_addon_update(current, desired_addon_view(params(), None)) == {}


def test_pod_identity_associations_compared_as_set():
    current = addon_view(
        {"addonVersion": "v1"},
        [{"service_account": "b", "role_arn": "arn:r2"}, {"service_account": "a", "role_arn": "arn:r1"}],
    )
    same = desired_addon_view(
        params(pod_identity_associations=[{"service_account": "a", "role_arn": "arn:r1"}, {"service_account": "b", "role_arn": "arn:r2"}]), None
    )
    assert plan_addon_update(current, same) == {}
    fewer = desired_addon_view(params(pod_identity_associations=[{"service_account": "a", "role_arn": "arn:r3"}]), None)
    assert plan_addon_update(current, fewer) == {"podIdentityAssociations": [{"serviceAccount": "a", "roleArn": "arn:r3"}]}
    assert plan_addon_update(current, desired_addon_view(params(pod_identity_associations=[]), None)) == {"podIdentityAssociations": []}


def test_create_request():
    p = params(
        configuration_values={"a": 1}, resolve_conflicts="OVERWRITE", tags={"k": 1}, pod_identity_associations=[{"service_account": "s", "role_arn": "arn:r"}]
    )
    request = create_addon_request(p, desired_addon_view(p, "v1.19.9-eksbuild.2"))
    assert request == {
        "clusterName": "shop",
        "addonName": "vpc-cni",
        "addonVersion": "v1.19.9-eksbuild.2",
        "configurationValues": json.dumps({"a": 1}, separators=(",", ":")),
        "podIdentityAssociations": [{"serviceAccount": "s", "roleArn": "arn:r"}],
        "resolveConflicts": "OVERWRITE",
        "tags": {"k": "1"},
    }


# ---- the Kubernetes version add-on versions are resolved for ----


@pytest.mark.parametrize(
    "cluster_version, kubernetes_version, check_mode, expected",
    [
        ("1.31", None, False, "1.31"),  # the cluster's own version
        ("1.31", None, True, "1.31"),
        ("1.31", "1.31", False, "1.31"),
        (None, "1.33", True, "1.33"),  # check mode before the play creates the cluster
        ("1.32", "1.33", True, "1.33"),  # check mode before the play upgrades the cluster
    ],
)
def test_planning_kubernetes_version(cluster_version, kubernetes_version, check_mode, expected):
    assert planning_kubernetes_version("shop", cluster_version, kubernetes_version, check_mode) == expected


@pytest.mark.parametrize(
    "cluster_version, kubernetes_version, check_mode, message",
    [
        (None, "1.33", False, "Cluster shop does not exist."),
        (None, None, True, "set kubernetes_version"),
        ("1.32", "1.33", False, "runs Kubernetes 1.32, not kubernetes_version 1.33"),
        ("1.32", "1.3", True, "unquoted YAML float"),
        (None, "latest", True, "not of the form MAJOR.MINOR"),
    ],
)
def test_planning_kubernetes_version_refuses(cluster_version, kubernetes_version, check_mode, message):
    with pytest.raises(EksPlanError, match=message):
        planning_kubernetes_version("shop", cluster_version, kubernetes_version, check_mode)
