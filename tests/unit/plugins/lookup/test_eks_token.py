"""Unit tests of the eks_token lookup (plugins/lookup/eks_token.py) through Ansible's plugin loader.

Without role_arn the token is signed locally, so these tests make no AWS call.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader

from ansible_collections.eksforge.platform.plugins.module_utils.eks_token import decode_token, describe_presigned_url

AWS_ENV = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_URL", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_PROFILE",
           "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
           "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def lookup(*terms, **kwargs):
    return lookup_loader.get("eksforge.platform.eks_token").run(list(terms), variables={}, **kwargs)


def parts_of(result):
    assert isinstance(result, list) and len(result) == 1
    return describe_presigned_url(decode_token(result[0]))


def test_options_as_arguments():
    parts = parts_of(lookup(cluster_name="demo", region="eu-central-1", access_key="AKIDARG", secret_key="s"))
    assert parts["host"] == "sts.eu-central-1.amazonaws.com"
    assert parts["params"]["Action"] == "GetCallerIdentity"
    assert parts["params"]["X-Amz-Expires"] == "60"
    assert parts["signed_headers"] == ["host", "x-k8s-aws-id"]
    assert parts["params"]["X-Amz-Credential"].startswith("AKIDARG/")


def test_cluster_name_as_term_and_endpoint_url():
    parts = parts_of(lookup("demo", region="us-east-1", endpoint_url="http://127.0.0.1:45660",
                            access_key="AKIDARG", secret_key="s", session_token="TOKEN"))
    assert (parts["scheme"], parts["host"]) == ("http", "127.0.0.1:45660")
    assert parts["params"]["X-Amz-Security-Token"] == "TOKEN"


def test_options_from_the_environment(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "ENVTOKEN")
    monkeypatch.setenv("AWS_URL", "http://127.0.0.1:45699")
    parts = parts_of(lookup(cluster_name="demo"))
    assert parts["host"] == "127.0.0.1:45699"
    assert parts["region"] == "ap-south-1"
    assert parts["params"]["X-Amz-Credential"].startswith("AKIDENV/")
    assert parts["params"]["X-Amz-Security-Token"] == "ENVTOKEN"


def test_boto3_endpoint_variable_is_honoured(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:45698")
    parts = parts_of(lookup(cluster_name="demo", region="us-east-1", access_key="a", secret_key="s"))
    assert parts["host"] == "127.0.0.1:45698"


def test_profile_credentials(monkeypatch, tmp_path):
    (tmp_path / "credentials").write_text("[ops]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n")
    parts = parts_of(lookup(cluster_name="demo", region="us-west-2", profile="ops"))
    assert parts["params"]["X-Amz-Credential"].startswith("AKIDPROFILE/")


@pytest.mark.parametrize("terms, kwargs", [((), {}), (("a", "b"), {}), (("a",), {"cluster_name": "b"})])
def test_exactly_one_cluster_name(terms, kwargs):
    with pytest.raises(AnsibleLookupError, match="cluster"):
        lookup(*terms, region="us-east-1", access_key="a", secret_key="s", **kwargs)


def test_profile_and_keys_are_exclusive():
    with pytest.raises(AnsibleLookupError):
        lookup("demo", region="us-east-1", profile="ops", access_key="a", secret_key="s")
