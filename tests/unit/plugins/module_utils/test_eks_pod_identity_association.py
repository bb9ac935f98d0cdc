"""Unit tests of eks_pod_identity_association's decisions (plugins/module_utils/eks_pod_identity_association.py)."""

from ansible_collections.eksforge.platform.plugins.module_utils.eks_pod_identity_association import (
    association_view,
    desired_association_view,
    pick_association,
    plan_association_update,
)

ASSOCIATION = {
    "clusterName": "shop",
    "namespace": "shop",
    "serviceAccount": "orders",
    "roleArn": "arn:aws:iam::123456789012:role/orders",
    "associationId": "a-1",
    "associationArn": "arn:aws:eks:us-east-1:123456789012:podidentityassociation/shop/a-1",
    "disableSessionTags": False,
    "tags": {},
}


def params(**overrides):
    base = {"namespace": "shop", "service_account": "orders", "role_arn": None, "disable_session_tags": None}
    base.update(overrides)
    return base


def test_pick_exact_namespace_and_service_account():
    summaries = [
        {"namespace": "shop", "serviceAccount": "orders-worker", "associationId": "a-2"},
        {"namespace": "other", "serviceAccount": "orders", "associationId": "a-3"},
        {"namespace": "shop", "serviceAccount": "orders", "associationId": "a-1"},
    ]
    assert pick_association(summaries, "shop", "orders")["associationId"] == "a-1"
    assert pick_association(summaries, "shop", "payments") is None


def test_same_role_plans_nothing():
    assert plan_association_update(association_view(ASSOCIATION), desired_association_view(params(role_arn=ASSOCIATION["roleArn"]))) == {}
    assert plan_association_update(association_view(ASSOCIATION), desired_association_view(params())) == {}


def test_role_and_session_tags_changes():
    desired = desired_association_view(params(role_arn="arn:aws:iam::123456789012:role/other", disable_session_tags=True))
    assert plan_association_update(association_view(ASSOCIATION), desired) == {"roleArn": "arn:aws:iam::123456789012:role/other", "disableSessionTags": True}


def test_missing_session_tags_flag_means_false():
    current = association_view(dict(ASSOCIATION, disableSessionTags=None))
    assert plan_association_update(current, desired_association_view(params(disable_session_tags=False))) == {}
