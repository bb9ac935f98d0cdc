"""Real ECR tagging behaviour: the limits moto 5.2.5 lacks (fixed in sandbox/aws/extensions/ecr.py) and the
behaviour moto already matches that the collection's ecr_repository_tags module relies on."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def ecr(sandbox):
    return sandbox.client("ecr")


@pytest.fixture
def repository_arn(ecr) -> str:
    return ecr.create_repository(repositoryName="shop/front")["repository"]["repositoryArn"]


def tags(ecr, arn: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in ecr.list_tags_for_resource(resourceArn=arn)["tags"]}


def error_of(raised: pytest.ExceptionInfo) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def many(count: int, prefix: str = "k") -> list[dict]:
    return [{"Key": f"{prefix}{index}", "Value": "v"} for index in range(count)]


def test_tags_given_at_creation_are_listed(ecr):
    """CreateRepository's tags are the repository's tags (ListTagsForResource)."""
    arn = ecr.create_repository(repositoryName="shop/cart", tags=[{"Key": "team", "Value": "a"}])["repository"]["repositoryArn"]
    assert tags(ecr, arn) == {"team": "a"}


@pytest.mark.parametrize("tag", [{"Key": "k" * 129, "Value": "v"}, {"Key": "k", "Value": "v" * 257}])
def test_tag_key_over_128_or_value_over_256_characters_is_invalid_tag_parameter(ecr, repository_arn, tag):
    """TagResource: keys up to 128 characters, values up to 256; beyond, InvalidTagParameterException (400)."""
    with pytest.raises(ClientError) as raised:
        ecr.tag_resource(resourceArn=repository_arn, tags=[tag])
    assert error_of(raised) == ("InvalidTagParameterException", 400)
    assert tags(ecr, repository_arn) == {}


def test_longest_allowed_key_and_value_are_accepted(ecr, repository_arn):
    ecr.tag_resource(resourceArn=repository_arn, tags=[{"Key": "k" * 128, "Value": "v" * 256}])
    assert tags(ecr, repository_arn) == {"k" * 128: "v" * 256}


def test_create_repository_refuses_invalid_tags_and_creates_nothing(ecr):
    """CreateRepository checks its tags like TagResource (InvalidTagParameterException, TooManyTagsException)."""
    with pytest.raises(ClientError) as raised:
        ecr.create_repository(repositoryName="shop/user", tags=[{"Key": "k" * 129, "Value": "v"}])
    assert error_of(raised) == ("InvalidTagParameterException", 400)
    with pytest.raises(ClientError) as raised:
        ecr.create_repository(repositoryName="shop/user", tags=many(51))
    assert error_of(raised) == ("TooManyTagsException", 400)
    assert ecr.describe_repositories()["repositories"] == []


def test_more_than_50_tags_on_a_repository_is_too_many_tags(ecr, repository_arn):
    """At most 50 tags per repository, counting those it already carries; overwriting a key adds none."""
    ecr.tag_resource(resourceArn=repository_arn, tags=many(50))
    ecr.tag_resource(resourceArn=repository_arn, tags=[{"Key": "k0", "Value": "changed"}])
    with pytest.raises(ClientError) as raised:
        ecr.tag_resource(resourceArn=repository_arn, tags=[{"Key": "one-more", "Value": "v"}])
    assert error_of(raised) == ("TooManyTagsException", 400)
    current = tags(ecr, repository_arn)
    assert len(current) == 50 and current["k0"] == "changed" and "one-more" not in current


def test_tagging_a_missing_repository_is_repository_not_found(ecr, repository_arn):
    """TagResource / ListTagsForResource / UntagResource on a repository that does not exist:
    RepositoryNotFoundException (400)."""
    missing = repository_arn.replace("shop/front", "shop/none")
    for call in (lambda: ecr.tag_resource(resourceArn=missing, tags=[{"Key": "a", "Value": "b"}]),
                 lambda: ecr.list_tags_for_resource(resourceArn=missing),
                 lambda: ecr.untag_resource(resourceArn=missing, tagKeys=["a"])):
        with pytest.raises(ClientError) as raised:
            call()
        assert error_of(raised) == ("RepositoryNotFoundException", 400)


def test_untag_removes_only_the_named_keys(ecr, repository_arn):
    ecr.tag_resource(resourceArn=repository_arn, tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ecr.untag_resource(resourceArn=repository_arn, tagKeys=["a"])
    assert tags(ecr, repository_arn) == {"b": "2"}


def test_tags_are_deleted_with_the_repository(ecr, repository_arn):
    """A repository created again under the same name starts without the old one's tags."""
    ecr.tag_resource(resourceArn=repository_arn, tags=[{"Key": "a", "Value": "1"}])
    ecr.delete_repository(repositoryName="shop/front")
    again = ecr.create_repository(repositoryName="shop/front")["repository"]["repositoryArn"]
    assert tags(ecr, again) == {}
