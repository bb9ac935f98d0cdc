"""The tag rules AWS enforces on every service the collection tags (sandbox/aws/extensions/tag_limits.py), in each
service's own words: at most 50 tags per resource (its existing tags included), keys of 1-128 characters that do
not start with "aws:", values of at most 256 characters. moto 5.2.5 checks only part of this. (ECR:
test_aws_ecr_fixes.py; EKS: test_eks_refusals.py.) A refused request changes nothing."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

TRUST = '{"Version": "2012-10-17", "Statement": []}'
LONG_KEY, LONG_VALUE = "k" * 129, "v" * 257


def error_of(raised: pytest.ExceptionInfo) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def ec2_tags(count: int, prefix: str = "k") -> list[dict]:
    return [{"Key": f"{prefix}{index}", "Value": "v"} for index in range(count)]


# --- EC2 ----------------------------------------------------------------------------------------------------


@pytest.fixture
def ec2(sandbox):
    return sandbox.client("ec2")


@pytest.fixture
def vpc_id(ec2) -> str:
    return ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]


def vpc_tags(ec2, vpc_id: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0].get("Tags", [])}


@pytest.mark.parametrize(("tag", "message"), [
    ({"Key": LONG_KEY, "Value": "v"}, "Tag key exceeds the maximum length of 128 characters"),
    ({"Key": "k", "Value": LONG_VALUE}, "Tag value exceeds the maximum length of 256 characters"),
    ({"Key": "aws:owner", "Value": "v"},
     "Value ( aws:owner ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use"),
])
def test_ec2_create_tags_refuses_long_and_reserved_keys_with_invalid_parameter_value(ec2, vpc_id, tag, message):
    with pytest.raises(ClientError) as raised:
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "fine", "Value": "v"}, tag])
    assert error_of(raised) == ("InvalidParameterValue", 400)
    assert raised.value.response["Error"]["Message"] == message
    assert vpc_tags(ec2, vpc_id) == {}


def test_ec2_counts_the_tags_a_resource_already_has(ec2, vpc_id):
    """49 tags, then 2 more: TagLimitExceeded; replacing existing keys stays within 50."""
    ec2.create_tags(Resources=[vpc_id], Tags=ec2_tags(49))
    with pytest.raises(ClientError) as raised:
        ec2.create_tags(Resources=[vpc_id], Tags=ec2_tags(2, prefix="new"))
    assert error_of(raised) == ("TagLimitExceeded", 400)
    ec2.create_tags(Resources=[vpc_id], Tags=ec2_tags(49) + ec2_tags(1, prefix="new"))
    assert len(vpc_tags(ec2, vpc_id)) == 50


def test_ec2_tag_specifications_of_a_create_are_checked_before_anything_is_made(ec2):
    before = len(ec2.describe_vpcs()["Vpcs"])
    with pytest.raises(ClientError) as raised:
        ec2.create_vpc(CidrBlock="10.41.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "name", "Value": "x"}, {"Key": "k", "Value": LONG_VALUE}]}])
    assert error_of(raised) == ("InvalidParameterValue", 400)
    assert len(ec2.describe_vpcs()["Vpcs"]) == before


# --- IAM ----------------------------------------------------------------------------------------------------


@pytest.fixture
def iam(sandbox):
    return sandbox.client("iam")


def test_iam_refuses_reserved_keys_with_invalid_input(iam):
    with pytest.raises(ClientError) as raised:
        iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": "AWS:team", "Value": "a"}])
    assert error_of(raised) == ("InvalidInput", 400)
    assert iam.list_roles()["Roles"] == []


def test_iam_counts_a_roles_existing_tags_limit_exceeded(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST, Tags=ec2_tags(49))
    with pytest.raises(ClientError) as raised:
        iam.tag_role(RoleName="r", Tags=ec2_tags(2, prefix="new"))
    assert error_of(raised) == ("LimitExceeded", 409)
    assert len(iam.list_role_tags(RoleName="r")["Tags"]) == 49


@pytest.mark.parametrize("tag", [{"Key": LONG_KEY, "Value": "v"}, {"Key": "k", "Value": LONG_VALUE}])
def test_iam_oidc_provider_tags_have_the_same_length_limits(iam, tag):
    with pytest.raises(ClientError) as raised:
        iam.create_open_id_connect_provider(Url="https://oidc.example.com", ClientIDList=["sts.amazonaws.com"],
                                            ThumbprintList=["a" * 40], Tags=[tag])
    assert error_of(raised) == ("ValidationError", 400)
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


# --- CloudWatch Logs ------------------------------------------------------------------------------------------


@pytest.fixture
def logs(sandbox):
    return sandbox.client("logs")


@pytest.mark.parametrize("tags", [{LONG_KEY: "v"}, {"k": LONG_VALUE}, {"aws:team": "a"},
                                  {f"k{index}": "v" for index in range(51)}])
def test_logs_create_log_group_refuses_invalid_tags_with_invalid_parameter(logs, tags):
    with pytest.raises(ClientError) as raised:
        logs.create_log_group(logGroupName="/eksforge/test", tags=tags)
    assert error_of(raised) == ("InvalidParameterException", 400)
    assert raised.value.response["Error"]["Message"].startswith("1 validation error detected")
    assert logs.describe_log_groups()["logGroups"] == []


def test_logs_counts_a_log_groups_existing_tags_too_many_tags(logs):
    logs.create_log_group(logGroupName="/eksforge/test", tags={f"k{index}": "v" for index in range(49)})
    arn = logs.describe_log_groups()["logGroups"][0]["logGroupArn"].removesuffix(":*")
    with pytest.raises(ClientError) as raised:
        logs.tag_resource(resourceArn=arn, tags={"new1": "v", "new2": "v"})
    assert error_of(raised) == ("TooManyTagsException", 400)
    logs.tag_resource(resourceArn=arn, tags={"new1": "v"})
    assert len(logs.list_tags_for_resource(resourceArn=arn)["tags"]) == 50
