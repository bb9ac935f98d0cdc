"""Real IAM behaviour moto 5.2.5 lacks (fixed in sandbox/aws/extensions/iam.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

URL = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"


@pytest.fixture
def iam(sandbox):
    return sandbox.client("iam")


@pytest.fixture
def provider_arn(iam) -> str:
    return iam.create_open_id_connect_provider(Url=URL, ClientIDList=["sts.amazonaws.com"])["OpenIDConnectProviderArn"]


def client_ids(iam, arn: str) -> list[str]:
    return iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]


def test_add_client_id_appends_and_is_idempotent(iam, provider_arn):
    """AddClientIDToOpenIDConnectProvider adds the ID; adding one already present succeeds and changes nothing."""
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, ClientID="my-app")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, ClientID="my-app")
    assert client_ids(iam, provider_arn) == ["sts.amazonaws.com", "my-app"]


def test_remove_client_id_removes_and_ignores_absent_ids(iam, provider_arn):
    """RemoveClientIDFromOpenIDConnectProvider removes the ID; an ID that isn't there is not an error."""
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, ClientID="sts.amazonaws.com")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn, ClientID="never-added")
    assert client_ids(iam, provider_arn) == []


def test_client_id_change_on_a_missing_provider_is_no_such_entity(iam):
    """IAM answers NoSuchEntity (404) for a provider ARN that does not exist."""
    missing = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/none"
    with pytest.raises(ClientError) as raised:
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=missing, ClientID="x")
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
