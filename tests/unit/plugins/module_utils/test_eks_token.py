"""Unit tests of plugins/module_utils/eks_token.py: EKS tokens are signed locally, no AWS call."""

from __future__ import annotations

import base64
import datetime

import boto3
import pytest

from ansible_collections.eksforge.platform.plugins.module_utils import eks_token


@pytest.fixture(autouse=True)
def no_endpoint_from_the_environment(monkeypatch):
    """boto3 reads AWS_ENDPOINT_URL (set by `python -m sandbox env`); these tests sign for AWS's own endpoints."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)


def sts(region="eu-west-1", endpoint_url=None, **kwargs):
    creds = dict(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
    creds.update(kwargs)
    return boto3.client("sts", region_name=region, endpoint_url=endpoint_url, **creds)


def test_token_is_prefix_and_unpadded_base64url_of_the_presigned_url():
    token = eks_token.get_token(sts(), "demo")
    assert token.startswith("k8s-aws-v1.")
    payload = token[len("k8s-aws-v1."):]
    assert "=" not in payload and "+" not in payload and "/" not in payload
    url = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert url == eks_token.decode_token(token)
    assert url.startswith("https://sts.eu-west-1.amazonaws.com/?")


def test_presigned_url_is_get_caller_identity_for_60_seconds_with_cluster_header_signed():
    url = eks_token.decode_token(eks_token.get_token(sts(), "demo"))
    parts = eks_token.describe_presigned_url(url)
    assert parts["params"]["Action"] == "GetCallerIdentity"
    assert parts["params"]["Version"] == "2011-06-15"
    assert parts["params"]["X-Amz-Expires"] == "60"
    assert parts["params"]["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert parts["signed_headers"] == ["host", "x-k8s-aws-id"]
    assert parts["region"] == "eu-west-1" and parts["service"] == "sts"
    assert parts["params"]["X-Amz-Credential"].startswith("AKIDEXAMPLE/")
    signed_at = datetime.datetime.strptime(parts["params"]["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert abs((now - signed_at).total_seconds()) < 120


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "ap-southeast-2"])
def test_url_uses_the_regional_sts_endpoint(region):
    parts = eks_token.describe_presigned_url(eks_token.decode_token(eks_token.get_token(sts(region), "c")))
    assert parts["host"] == f"sts.{region}.amazonaws.com"
    assert parts["region"] == region


def test_url_uses_endpoint_url_when_given():
    parts = eks_token.describe_presigned_url(
        eks_token.decode_token(eks_token.get_token(sts("us-east-1", "http://127.0.0.1:45660"), "c")))
    assert (parts["scheme"], parts["host"], parts["path"]) == ("http", "127.0.0.1:45660", "/")
    assert parts["region"] == "us-east-1"


def test_session_token_is_part_of_the_signed_url():
    parts = eks_token.describe_presigned_url(
        eks_token.decode_token(eks_token.get_token(sts(aws_session_token="SESSION"), "c")))
    assert parts["params"]["X-Amz-Security-Token"] == "SESSION"


def test_signature_depends_on_the_cluster_name_and_client_stays_reusable():
    client = sts()
    first = eks_token.describe_presigned_url(eks_token.decode_token(eks_token.get_token(client, "one")))
    second = eks_token.describe_presigned_url(eks_token.decode_token(eks_token.get_token(client, "two")))
    assert second["signed_headers"] == ["host", "x-k8s-aws-id"]
    if first["params"]["X-Amz-Date"] == second["params"]["X-Amz-Date"]:
        assert first["params"]["X-Amz-Signature"] != second["params"]["X-Amz-Signature"]
    # the per-call handler is gone: an ordinary presign no longer signs the header
    plain = client.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    assert eks_token.describe_presigned_url(plain)["signed_headers"] == ["host"]


def test_signature_matches_an_independent_sigv4_computation():
    """Recompute the SigV4 query signature by hand with the header x-k8s-aws-id."""
    import hashlib
    import hmac
    from urllib.parse import quote

    url = eks_token.decode_token(eks_token.get_token(sts("eu-west-1"), "demo"))
    parts = eks_token.describe_presigned_url(url)
    params = dict(parts["params"])
    signature = params.pop("X-Amz-Signature")
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params.items()))
    canonical = "\n".join(["GET", "/", query, f"host:{parts['host']}", "x-k8s-aws-id:demo", "",
                           "host;x-k8s-aws-id", hashlib.sha256(b"").hexdigest()])
    date = params["X-Amz-Date"]
    scope = f"{date[:8]}/eu-west-1/sts/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = b"AWS4secret"
    for part in (date[:8], "eu-west-1", "sts", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    assert hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest() == signature


def test_decode_rejects_other_strings_and_empty_cluster_name_is_refused():
    with pytest.raises(ValueError):
        eks_token.decode_token("Bearer abc")
    with pytest.raises(ValueError):
        eks_token.get_token(sts(), "")
