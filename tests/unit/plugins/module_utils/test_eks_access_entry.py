"""Unit tests of eks_access_entry's validation and association pruning (plugins/module_utils/eks_access_entry.py)."""

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks_access_entry import (
    access_policy_arn,
    current_policy_associations,
    desired_entry_view,
    desired_policy_associations,
    entry_view,
    plan_entry_update,
    plan_policy_associations,
    principal_partition,
    validate_entry,
)

ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
EDIT = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"


@pytest.mark.parametrize(
    "arn, partition",
    [
        ("arn:aws:iam::123456789012:role/admins", "aws"),
        ("arn:aws:iam::123456789012:role/path/to/admins", "aws"),
        ("arn:aws:iam::123456789012:user/alice", "aws"),
        ("arn:aws-cn:iam::123456789012:role/admins", "aws-cn"),
        ("arn:aws-us-gov:iam::123456789012:role/admins", "aws-us-gov"),
    ],
)
def test_principal_arn_accepted(arn, partition):
    assert principal_partition(arn) == partition


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sts::123456789012:assumed-role/admins/session",
        "arn:aws:iam::123456789012:group/admins",
        "arn:aws:iam::12345:role/admins",
        "admins",
        "",
    ],
)
def test_principal_arn_refused(arn):
    with pytest.raises(EksPlanError, match="not an IAM role or user ARN"):
        principal_partition(arn)


def test_short_policy_names_become_arns_in_the_principals_partition():
    assert access_policy_arn("AmazonEKSClusterAdminPolicy") == ADMIN
    assert access_policy_arn("AmazonEKSViewPolicy", "aws-cn") == "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    assert access_policy_arn(EDIT) == EDIT


def test_desired_associations_normalize_scopes():
    desired = desired_policy_associations(
        [
            {"policy": "AmazonEKSClusterAdminPolicy", "access_scope": None},
            {"policy": EDIT, "access_scope": {"type": "namespace", "namespaces": ["b", "a", "b"]}},
        ],
        "aws",
    )
    assert desired == {ADMIN: {"type": "cluster"}, EDIT: {"type": "namespace", "namespaces": ["a", "b"]}}


def test_desired_associations_refuse_bad_scopes_and_duplicates():
    with pytest.raises(EksPlanError, match="needs at least one namespace"):
        desired_policy_associations([{"policy": EDIT, "access_scope": {"type": "namespace", "namespaces": None}}], "aws")
    with pytest.raises(EksPlanError, match="only valid with access_scope.type namespace"):
        desired_policy_associations([{"policy": EDIT, "access_scope": {"type": "cluster", "namespaces": ["a"]}}], "aws")
    with pytest.raises(EksPlanError, match="more than once"):
        desired_policy_associations([{"policy": EDIT, "access_scope": None}, {"policy": "AmazonEKSEditPolicy", "access_scope": None}], "aws")


def listed():
    return current_policy_associations(
        [
            {"policyArn": ADMIN, "accessScope": {"type": "cluster", "namespaces": []}},
            {"policyArn": EDIT, "accessScope": {"type": "namespace", "namespaces": ["b", "a"]}},
        ]
    )


def test_unchanged_associations_plan_nothing():
    desired = {ADMIN: {"type": "cluster"}, EDIT: {"type": "namespace", "namespaces": ["a", "b"]}}
    assert plan_policy_associations(listed(), desired, True) == ([], [])


def test_associations_not_listed_are_pruned_and_scope_changes_reassociate():
    desired = {EDIT: {"type": "namespace", "namespaces": ["a"]}, VIEW: {"type": "cluster"}}
    to_associate, to_disassociate = plan_policy_associations(listed(), desired, True)
    assert to_associate == [(EDIT, {"type": "namespace", "namespaces": ["a"]}), (VIEW, {"type": "cluster"})]
    assert to_disassociate == [ADMIN]


def test_no_pruning_without_purge_or_when_unmanaged():
    assert plan_policy_associations(listed(), {VIEW: {"type": "cluster"}}, False) == ([(VIEW, {"type": "cluster"})], [])
    assert plan_policy_associations(listed(), None, True) == ([], [])


def entry(**overrides):
    base = {"type": "STANDARD", "username": "arn:aws:sts::1:assumed-role/admins/{{SessionName}}", "kubernetesGroups": ["b", "a"], "tags": {}}
    base.update(overrides)
    return entry_view(base)


def params(**overrides):
    base = {"type": None, "kubernetes_username": None, "kubernetes_groups": None}
    base.update(overrides)
    return base


def test_entry_update_only_for_managed_changes():
    assert plan_entry_update(entry(), desired_entry_view(params(kubernetes_groups=["a", "b"]))) == {}
    assert plan_entry_update(entry(), desired_entry_view(params())) == {}
    assert plan_entry_update(entry(), desired_entry_view(params(kubernetes_groups=["c"], kubernetes_username="admin"))) == {
        "kubernetesGroups": ["c"],
        "username": "admin",
    }


def test_entry_type_cannot_change():
    with pytest.raises(EksPlanError, match="Cannot change the type"):
        plan_entry_update(entry(), desired_entry_view(params(type="EC2_LINUX")))


def test_groups_only_on_standard_entries():
    validate_entry(desired_entry_view(params(kubernetes_groups=["a"])))
    with pytest.raises(EksPlanError, match="only be set on STANDARD"):
        validate_entry(desired_entry_view(params(type="EC2_LINUX", kubernetes_groups=["a"])))
