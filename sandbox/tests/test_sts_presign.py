"""STS GetCallerIdentity as a presigned GET (the request inside an EKS token), against the running sandbox.

The URL is made the way `aws eks get-token` makes it: botocore presigns GetCallerIdentity for GET with the
header `x-k8s-aws-id: <cluster>` signed in; whoever checks the token replays it with that header.
"""

from __future__ import annotations

import datetime
import time
import xml.etree.ElementTree as ET

import boto3
import botocore.auth
import pytest
import requests

from sandbox.client import SandboxClient

NS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
CLUSTER_HEADER = "x-k8s-aws-id"


@pytest.fixture(scope="module")
def client(running_sandbox) -> SandboxClient:
    return SandboxClient(running_sandbox)


@pytest.fixture(scope="module")
def sts(client):
    return client.boto3_session().client("sts", endpoint_url=client.endpoint)


def presign(sts, cluster: str = "demo", expires: int = 60) -> str:
    """A token URL as aws-cli's `eks get-token` builds it: GET, x-k8s-aws-id signed."""

    def sign_cluster_header(request, **_):
        request.headers[CLUSTER_HEADER] = cluster

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", sign_cluster_header)
    try:
        return sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=expires, HttpMethod="GET")
    finally:
        sts.meta.events.unregister("before-sign.sts.GetCallerIdentity", sign_cluster_header)


def test_presigned_get_answers_get_caller_identity_xml(sts):
    """STS answers a correctly signed presigned GetCallerIdentity with 200 and the GetCallerIdentityResponse XML
    naming the same identity a normal GetCallerIdentity call reports for that key."""
    response = requests.get(presign(sts), headers={CLUSTER_HEADER: "demo"}, timeout=30)
    assert response.status_code == 200, response.text
    result = ET.fromstring(response.content).find("sts:GetCallerIdentityResult", NS)
    identity = sts.get_caller_identity()
    assert result.findtext("sts:Arn", namespaces=NS) == identity["Arn"]
    assert result.findtext("sts:Account", namespaces=NS) == identity["Account"]
    assert result.findtext("sts:UserId", namespaces=NS) == identity["UserId"]


def test_presigned_get_answers_json_when_asked(sts):
    """With `Accept: application/json` (what aws-iam-authenticator sends) STS returns the same result as JSON."""
    response = requests.get(presign(sts), headers={CLUSTER_HEADER: "demo", "Accept": "application/json"},
                            timeout=30)
    assert response.status_code == 200, response.text
    result = response.json()["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
    assert result["Arn"] == sts.get_caller_identity()["Arn"]


def test_presigned_get_for_an_assumed_role_names_the_role_session(client, sts):
    """A token signed with temporary credentials from AssumeRole (session token in the URL) is verified with
    that session's secret and identifies the assumed-role session."""
    credentials = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
                                  RoleSessionName="ci")["Credentials"]
    role_sts = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                             aws_secret_access_key=credentials["SecretAccessKey"],
                             aws_session_token=credentials["SessionToken"],
                             region_name="us-east-1").client("sts", endpoint_url=client.endpoint)
    response = requests.get(presign(role_sts), headers={CLUSTER_HEADER: "demo"}, timeout=30)
    assert response.status_code == 200, response.text
    arn = ET.fromstring(response.content).findtext("sts:GetCallerIdentityResult/sts:Arn", namespaces=NS)
    assert arn == "arn:aws:sts::123456789012:assumed-role/deployer/ci"


@pytest.mark.parametrize("tamper", ["signature", "cluster header", "secret"])
def test_bad_signature_is_403_signature_does_not_match(client, sts, tamper):
    """STS refuses a presigned URL whose signature does not verify (altered signature, a different signed
    x-k8s-aws-id value, or signed with another secret) with 403 SignatureDoesNotMatch."""
    url, cluster = presign(sts), "demo"
    if tamper == "signature":
        url = url[:-1] + ("0" if url[-1] != "0" else "1")
    elif tamper == "cluster header":
        cluster = "another-cluster"
    else:
        url = presign(boto3.Session(aws_access_key_id="testing", aws_secret_access_key="not-the-secret",
                                    region_name="us-east-1").client("sts", endpoint_url=client.endpoint))
    response = requests.get(url, headers={CLUSTER_HEADER: cluster}, timeout=30)
    assert response.status_code == 403
    error = ET.fromstring(response.content).find("sts:Error", NS)
    assert error.findtext("sts:Code", namespaces=NS) == "SignatureDoesNotMatch"
    assert error.findtext("sts:Type", namespaces=NS) == "Sender"


def test_x_amz_expires_does_not_shorten_the_url(sts):
    """STS ignores X-Amz-Expires on a presigned GetCallerIdentity (aws/aws-sdk-go#2167): a URL signed for 1 s
    still answers after 2 s. EKS tokens rely on it (`aws eks get-token` signs for 60 s, kubectl keeps 14 min)."""
    url = presign(sts, expires=1)
    time.sleep(2.1)
    response = requests.get(url, headers={CLUSTER_HEADER: "demo", "Accept": "application/json"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Arn"]


@pytest.mark.parametrize(("age_minutes", "status"), [(14, 200), (16, 403)])
def test_url_lives_15_minutes_after_x_amz_date(sts, monkeypatch, age_minutes, status):
    """Once X-Amz-Date + 15 minutes has passed, STS answers 403 SignatureDoesNotMatch with the message
    "Signature expired: ... is now earlier than ..."."""
    signed_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - \
        datetime.timedelta(minutes=age_minutes)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: signed_at)  # the signer's clock only
    url = presign(sts, expires=60)
    monkeypatch.undo()
    response = requests.get(url, headers={CLUSTER_HEADER: "demo", "Accept": "application/json"}, timeout=30)
    assert response.status_code == status, response.text
    if status == 403:
        error = response.json()["Error"]
        assert error["Code"] == "SignatureDoesNotMatch"
        assert error["Message"].startswith("Signature expired: ")
