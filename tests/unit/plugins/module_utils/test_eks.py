"""Unit tests of the shared pure helpers in plugins/module_utils/eks.py."""

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.eks import (
    EksPlanError,
    described,
    fail_on_immutable,
    parse_kubernetes_version,
    plan_version_change,
    update_failure,
    view_diff,
)


@pytest.mark.parametrize("text, expected", [("1.31", (1, 31)), ("1.10", (1, 10)), (" 1.29 ", (1, 29))])
def test_parse_kubernetes_version(text, expected):
    assert parse_kubernetes_version(text) == expected


@pytest.mark.parametrize("text", ["1.3", "1", "v1.31", "1.31.2", "latest"])
def test_parse_kubernetes_version_refuses_bad_and_yaml_float(text):
    with pytest.raises(EksPlanError):
        parse_kubernetes_version(text)


def test_yaml_float_message_says_quote_it():
    with pytest.raises(EksPlanError, match="quote it"):
        parse_kubernetes_version(1.3)


def test_version_same_or_unmanaged_is_no_change():
    assert plan_version_change("1.30", "1.30") is None
    assert plan_version_change("1.30", None) is None


def test_version_next_minor_is_planned():
    assert plan_version_change("1.30", "1.31") == "1.31"
    assert plan_version_change("1.29", "1.30") == "1.30"


def test_version_skip_is_refused_with_next_step():
    with pytest.raises(EksPlanError, match="one minor version at a time.*1.31 first"):
        plan_version_change("1.30", "1.32")


def test_version_downgrade_is_refused():
    with pytest.raises(EksPlanError, match="downgrade"):
        plan_version_change("1.31", "1.30")


def test_major_change_is_refused():
    with pytest.raises(EksPlanError):
        plan_version_change("1.31", "2.0")


def test_fail_on_immutable_names_the_field():
    with pytest.raises(EksPlanError, match="subnet_ids"):
        fail_on_immutable({"subnet_ids": ["a"], "role_arn": "r"}, {"subnet_ids": ["b"], "role_arn": None}, ("subnet_ids", "role_arn"), "cluster")
    fail_on_immutable({"subnet_ids": ["a"]}, {"subnet_ids": ["a"]}, ("subnet_ids",), "cluster")


def test_update_failure_reports_errors():
    update = {"id": "u1", "type": "VersionUpdate", "status": "Failed", "errors": [{"errorCode": "AccessDenied", "errorMessage": "no"}]}
    assert update_failure(update) == "update u1 (VersionUpdate) is Failed: AccessDenied: no"
    assert update_failure({"status": "InProgress"}) is None
    assert update_failure({"status": "Successful"}) is None


def test_view_diff_applies_managed_fields_and_tags_only():
    before = {"version": "1.30", "logging": ["api"], "unset": None, "tags": {"a": "1", "b": "2"}}
    desired = {"version": "1.31", "logging": None, "tags": None}
    assert view_diff(before, desired, {"a": "1", "c": 3}, True) == {
        "before": {"version": "1.30", "logging": ["api"], "tags": {"a": "1", "b": "2"}},
        "after": {"version": "1.31", "logging": ["api"], "tags": {"a": "1", "c": "3"}},
    }
    assert view_diff({}, {"version": "1.31"}, None, True) == {"before": {}, "after": {"version": "1.31", "tags": {}}}


def test_described_keeps_found_resources_in_order_with_snake_case_keys():
    found = {
        "b": {"nodegroupName": "b", "scalingConfig": {"minSize": 1}, "tags": {"eksforge:platform": "p"}, "labels": {"app.kubernetes.io/name": "x"}},
        "a": {"nodegroupName": "a"},
    }
    assert described(["b", "gone", "a"], found.get) == [
        {"nodegroup_name": "b", "scaling_config": {"min_size": 1}, "tags": {"eksforge:platform": "p"}, "labels": {"app.kubernetes.io/name": "x"}},
        {"nodegroup_name": "a"},
    ]
