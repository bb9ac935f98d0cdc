"""EKS tokens live 15 minutes after X-Amz-Date whatever X-Amz-Expires says, as with aws-iam-authenticator.

Tokens are made the way `aws eks get-token` makes them (presigned for 60 s). The emulator's clock is moved with
POST /_sandbox/clock; a token signed in the past is made by turning back the signer's (botocore's) clock.
"""

from __future__ import annotations

import base64
import datetime
import json
import ssl
import urllib.error
import urllib.request

import botocore.auth
import pytest
from kubernetes import client

from sandbox.tests.k8s.k8s_helpers import BIN, CLUSTER, run

MINUTE = 60


def get_token(eks, signed_minutes_ago: float = 0, monkeypatch=None, expires: int = 60) -> str:
    """What `aws eks get-token` prints: GetCallerIdentity presigned for 60 s with x-k8s-aws-id signed in."""
    sts = eks.boto3("sts")

    def sign_cluster_header(request, **_):
        request.headers["x-k8s-aws-id"] = CLUSTER

    if signed_minutes_ago:
        signed_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - \
            datetime.timedelta(minutes=signed_minutes_ago)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: signed_at)
    sts.meta.events.register("before-sign.sts.GetCallerIdentity", sign_cluster_header)
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=expires, HttpMethod="GET")
    if monkeypatch:
        monkeypatch.undo()
    assert f"X-Amz-Expires={expires}" in url
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def python_client_status(eks, token: str) -> int:
    configuration = client.Configuration()
    configuration.host, configuration.ssl_ca_cert = eks.endpoint, str(eks.ca)
    configuration.api_key = {"authorization": f"Bearer {token}"}
    with client.ApiClient(configuration) as api:
        try:
            client.CoreV1Api(api).list_namespace(limit=1)
        except client.ApiException as error:
            return error.status
    return 200


def kubectl_with_token(eks, tmp_path, token: str):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "demo",
        "clusters": [{"name": "demo", "cluster": {"server": eks.endpoint, "certificate-authority": str(eks.ca)}}],
        "users": [{"name": "static", "user": {"token": token}}],
        "contexts": [{"name": "demo", "context": {"cluster": "demo", "user": "static"}}]}))
    env = {**eks.env, "KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path)}
    return run([BIN / "kubectl", "get", "namespace", "default", "-o", "name"], env=env)


def test_one_token_works_at_5_and_14_minutes_and_is_refused_after_15(eks, moved_clock, tmp_path):
    token = get_token(eks)
    assert python_client_status(eks, token) == 200  # verified once, then cached for 2 minutes
    for minutes in (5, 14):  # past the cache each time: the emulator asks STS again
        moved_clock(minutes * MINUTE)
        used = kubectl_with_token(eks, tmp_path, token)
        assert used.returncode == 0 and used.stdout.strip() == "namespace/default", used.stderr
        assert python_client_status(eks, token) == 200
    moved_clock(15 * MINUTE + 5)
    assert python_client_status(eks, token) == 401
    refused = kubectl_with_token(eks, tmp_path, token)
    assert refused.returncode != 0 and "Unauthorized" in refused.stderr


@pytest.mark.parametrize(("signed_minutes_ago", "status"), [(5, 200), (14, 200), (16, 401)])
def test_token_signed_minutes_ago_is_checked_against_sts_by_its_15_minute_window(eks, monkeypatch,
                                                                                  signed_minutes_ago, status):
    """Nothing cached and the real clock everywhere: STS must take the 60 s URL as the authenticator does."""
    token = get_token(eks, signed_minutes_ago, monkeypatch)
    assert python_client_status(eks, token) == status


def test_x_amz_expires_beyond_15_minutes_is_refused(eks):
    """aws-iam-authenticator refuses an X-Amz-Expires outside 0..900 s."""
    assert python_client_status(eks, get_token(eks, expires=900)) == 200
    assert python_client_status(eks, get_token(eks, expires=901)) == 401


@pytest.mark.parametrize("body", [b"{}", b'{"offsetSeconds": "soon"}', b"not json"])
def test_clock_control_refuses_a_malformed_offset(eks, body):
    request = urllib.request.Request(f"{eks.config.k8s_base_url}/_sandbox/clock", method="POST", data=body)
    context = ssl.create_default_context(cafile=str(eks.ca))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=context)
    assert refused.value.code == 400
