"""Unit tests of the pure helpers of plugins/module_utils/iam_oidc_provider.py (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils import iam_oidc_provider as oidc

ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
TP1 = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
TP2 = "a" * 40


@pytest.mark.parametrize("url", [ISSUER, ISSUER + "/", "oidc.eks.eu-west-1.amazonaws.com/id/ABC123", " HTTPS://oidc.eks.eu-west-1.amazonaws.com/id/ABC123 "])
def test_url_forms_name_the_same_provider(url):
    assert oidc.normalize_url(url) == "oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
    assert oidc.issuer_url(url) == ISSUER
    assert oidc.arn_matches_url(ARN, url)


def test_arn_of_another_provider_does_not_match():
    assert not oidc.arn_matches_url(ARN, "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC1234")
    assert not oidc.arn_matches_url(ARN.replace("ABC123", "ABC"), ISSUER)
    assert not oidc.arn_matches_url("arn:aws:iam::1:saml-provider/x", ISSUER)


def current(**overrides):
    state = dict(arn=ARN, url=ISSUER, client_ids=["sts.amazonaws.com"], thumbprints=[TP1], tags={"a": "1"})
    state.update(overrides)
    return state


def test_same_state_plans_nothing():
    plan = oidc.plan_update(current(), client_ids=["sts.amazonaws.com"], thumbprints=[TP1.upper()], tags={"a": "1"})
    assert not oidc.plan_has_changes(plan)


def test_omitted_options_are_left_alone():
    plan = oidc.plan_update(current(), client_ids=None, thumbprints=None, tags=None)
    assert not oidc.plan_has_changes(plan)


def test_client_ids_added_and_purged():
    plan = oidc.plan_update(current(client_ids=["sts.amazonaws.com", "old"]), client_ids=["sts.amazonaws.com", "new", "new"])
    assert plan["add_client_ids"] == ["new"]
    assert plan["remove_client_ids"] == ["old"]
    kept = oidc.plan_update(current(client_ids=["old"]), client_ids=["new"], purge_client_ids=False)
    assert kept["add_client_ids"] == ["new"] and kept["remove_client_ids"] == []


def test_thumbprints_compared_without_case_or_order():
    assert oidc.plan_update(current(thumbprints=[TP2, TP1]), thumbprints=[TP1.upper(), TP2])["thumbprints"] is None
    assert oidc.plan_update(current(), thumbprints=[TP2])["thumbprints"] == [TP2]


def test_tags_set_and_purged_like_amazon_aws():
    plan = oidc.plan_update(current(tags={"a": "1", "b": "2", "aws:x": "y"}), tags={"a": "2", "c": "3"})
    assert plan["set_tags"] == {"a": "2", "c": "3"}
    assert plan["unset_tags"] == ["b"]
    plan = oidc.plan_update(current(tags={"a": "1", "b": "2"}), tags={"c": "3"}, purge_tags=False)
    assert plan["unset_tags"] == []


def test_apply_plan_to_state_predicts_the_result():
    before = current(client_ids=["sts.amazonaws.com", "old"], tags={"a": "1", "b": "2"})
    plan = oidc.plan_update(before, client_ids=["sts.amazonaws.com", "new"], thumbprints=[TP2], tags={"a": "9"})
    after = oidc.apply_plan_to_state(before, plan)
    assert after["client_ids"] == ["sts.amazonaws.com", "new"]
    assert after["thumbprints"] == [TP2]
    assert after["tags"] == {"a": "9"}
    assert before["tags"] == {"a": "1", "b": "2"}  # input untouched
    assert not oidc.plan_has_changes(oidc.plan_update(after, client_ids=["sts.amazonaws.com", "new"], thumbprints=[TP2], tags={"a": "9"}))


def test_diff_view_is_stable():
    assert oidc.diff_view(None) == {}
    view = oidc.diff_view(current(client_ids=["b", "a"], thumbprints=[TP2, TP1.upper()], tags={"z": "1", "a": "2"}))
    assert view == dict(url=ISSUER, client_ids=["a", "b"], thumbprints=[TP1, TP2], tags={"a": "2", "z": "1"})
    assert list(view["tags"]) == ["a", "z"]


def test_thumbprint_validation():
    assert oidc.thumbprint_problem(None) is None
    assert oidc.thumbprint_problem([TP1, TP2.upper()]) is None
    assert "40 hexadecimal" in oidc.thumbprint_problem(["abc"])
    assert "40 hexadecimal" in oidc.thumbprint_problem(["g" * 40])
    assert "at most 5" in oidc.thumbprint_problem(["%040x" % i for i in range(6)])
    assert oidc.thumbprint_problem([TP1] * 6) is None  # duplicates collapse


@pytest.mark.parametrize(
    "wanted, matches",
    [
        ({}, True),
        (None, True),
        ({"eksforge:platform": "demo"}, True),
        ({"eksforge:platform": "demo", "eksforge:eks-cluster": "demo"}, True),
        ({"eksforge:platform": "other"}, False),
        ({"eksforge:platform": "demo", "team": "web"}, False),
        ({"count": 3}, True),  # IAM tag values are strings; a number in a play compares as its text
    ],
)
def test_tags_match_needs_every_wanted_tag(wanted, matches):
    tags = {"eksforge:platform": "demo", "eksforge:eks-cluster": "demo", "count": "3"}
    assert oidc.tags_match(tags, wanted) is matches


def test_tags_match_on_a_provider_without_tags():
    assert oidc.tags_match({}, {}) and oidc.tags_match(None, None)
    assert not oidc.tags_match(None, {"eksforge:platform": "demo"})
