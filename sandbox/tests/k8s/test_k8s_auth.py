"""Authentication with EKS tokens checked against the AWS sandbox's STS, and authorization from the
cluster's EKS access entries and access policies."""

from __future__ import annotations

import base64
import urllib.parse

import pytest

from sandbox.k8s import auth
from sandbox.tests.k8s.k8s_helpers import CLUSTER

CONFIGMAPS = "/api/v1/namespaces/{ns}/configmaps"


def test_requests_without_a_valid_token_are_401(eks):
    assert eks.request("GET", "/api/v1/namespaces", identity=None).status == 401
    assert eks.request("GET", "/api/v1/namespaces", token="not-a-token").status == 401
    assert eks.request("GET", "/api/v1/namespaces", token="k8s-aws-v1.%%%").status == 401
    answer = eks.request("GET", "/api/v1/namespaces", token="k8s-aws-v1.bm90IGEgdXJs")
    assert (answer.status, answer.json()["reason"]) == (401, "Unauthorized")


def _tampered(token: str, **changes) -> str:
    url = base64.urlsafe_b64decode(token[len("k8s-aws-v1."):] + "==").decode()
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.update(changes)
    url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def test_expired_forged_and_foreign_tokens_are_401(eks):
    token = eks.token()
    assert eks.request("GET", "/api/v1/namespaces", token=token).status == 200
    expired = _tampered(token, **{"X-Amz-Date": "20200101T000000Z"})
    assert eks.request("GET", "/api/v1/namespaces", token=expired).status == 401
    forged = _tampered(token, **{"X-Amz-Signature": "0" * 64})
    assert eks.request("GET", "/api/v1/namespaces", token=forged).status == 401
    # A token minted for another cluster name does not verify here (x-k8s-aws-id is signed).
    assert eks.request("GET", "/api/v1/namespaces", token=eks.token(cluster="other")).status == 401


def test_verified_tokens_are_cached(eks, monkeypatch):
    cache, sts = auth.TokenCache(), eks.config.aws_endpoint
    token = eks.token()
    arn = cache.verify(token, CLUSTER, sts)
    asked = []
    verify = auth.verify_eks_token
    monkeypatch.setattr(auth, "verify_eks_token", lambda *args: asked.append(args) or verify(*args))
    assert cache.verify(token, CLUSTER, sts) == arn and not asked  # no second round trip to STS
    with pytest.raises(auth.Unauthorized):  # another cluster's name is not the cached key
        cache.verify(token, "other", sts)


def test_cluster_creator_is_admin(eks, namespace):
    created = eks.request("POST", CONFIGMAPS.format(ns=namespace), {"metadata": {"name": "by-admin"}})
    assert created.status == 201
    assert eks.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                       {"metadata": {"name": "x-reader"}, "rules": []}).status == 201


def test_view_policy_reads_but_cannot_write_or_read_secrets(eks, namespace):
    assert eks.request("GET", CONFIGMAPS.format(ns=namespace), identity="viewer").status == 200
    denied = eks.request("POST", CONFIGMAPS.format(ns=namespace), {"metadata": {"name": "x"}}, identity="viewer")
    assert (denied.status, denied.json()["reason"]) == (403, "Forbidden")
    assert "assumed-role/viewer/viewer-session" in denied.json()["message"]
    assert eks.request("GET", f"/api/v1/namespaces/{namespace}/secrets", identity="viewer").status == 403
    whoami = eks.kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}", identity="viewer")
    assert whoami.stdout == "arn:aws:sts::123456789012:assumed-role/viewer/viewer-session", whoami.stderr
    assert eks.kubectl("auth", "can-i", "list", "pods", identity="viewer").stdout.strip() == "yes"
    assert eks.kubectl("auth", "can-i", "create", "pods", identity="viewer").stdout.startswith("no")


def test_namespace_scoped_edit_policy(eks):
    created = eks.kubectl("create", "namespace", "team-a")
    assert created.returncode == 0 or "AlreadyExists" in created.stderr
    allowed = eks.kubectl("create", "configmap", "mine", "--from-literal=a=b", identity="team-editor",
                          namespace="team-a")
    assert allowed.returncode == 0, allowed.stderr
    elsewhere = eks.kubectl("create", "configmap", "mine", "--from-literal=a=b", identity="team-editor",
                            namespace="default")
    assert elsewhere.returncode != 0 and "forbidden" in elsewhere.stderr
    assert eks.request("GET", "/api/v1/nodes", identity="team-editor").status == 403
    assert eks.request("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles",
                       identity="team-editor").status == 200


@pytest.mark.parametrize("path", ["/api/v1/namespaces", "/api/v1/namespaces/default/pods"])
def test_principal_without_access_entry_is_forbidden(eks, path):
    assert eks.request("GET", path, identity="outsider").status == 403
    assert eks.request("GET", "/version", identity="outsider").status == 200


def test_access_entry_changes_take_effect(eks, namespace):
    role = eks.boto3("iam").get_role(RoleName="outsider")["Role"]["Arn"]
    aws_eks = eks.boto3("eks")
    aws_eks.create_access_entry(clusterName="demo", principalArn=role)
    aws_eks.associate_access_policy(clusterName="demo", principalArn=role,
                                    policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
                                    accessScope={"type": "cluster"})
    try:
        assert eks.request("POST", CONFIGMAPS.format(ns=namespace), {"metadata": {"name": "now-ok"}},
                           identity="outsider").status == 201
        # The admin policy does not cover cluster-scoped writes.
        assert eks.request("POST", "/api/v1/namespaces", {"metadata": {"name": "nope"}},
                           identity="outsider").status == 403
    finally:
        aws_eks.delete_access_entry(clusterName="demo", principalArn=role)
