"""Integration tests of eksforge.platform.ecr_repositories: real ansible runs against the AWS sandbox, checked
with boto3 and with the API calls the sandbox counted."""

from __future__ import annotations

import json

import pytest

from sandbox import harness

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ecr_repositories"
OWNER = {"eksforge:platform": "demo"}


def run(aws, args, **options):
    return harness.run_module(aws, MODULE, dict({"region": "us-east-1"}, **args), **options)


def actions(aws, kind: str) -> list[str]:
    return sorted(call["action"] for call in aws.calls() if call["kind"] == kind for _ in range(call["count"]))


def described(aws) -> dict[str, dict]:
    return {repo["repositoryName"]: repo for repo in aws.boto3_client("ecr").describe_repositories()["repositories"]}


def tags(aws, arn: str) -> dict[str, str]:
    listed = aws.boto3_client("ecr").list_tags_for_resource(resourceArn=arn)["tags"]
    return {tag["Key"]: tag["Value"] for tag in listed}


def test_create_noop_change_check_mode_and_destroy_by_tag(clean_sandbox):
    aws, ecr = clean_sandbox, clean_sandbox.boto3_client("ecr")
    ecr.create_repository(repositoryName="someone/else")
    repositories = [{"name": "shop/front", "keep_last": 30, "tags": dict(OWNER, team="a")},
                    {"name": "shop/cart", "keep_last": 30, "tags": OWNER}]

    aws.reset_calls()
    planned = run(aws, {"repositories": repositories}, check=True, diff=True)
    assert planned["changed"] is True and planned["created"] == ["shop/front", "shop/cart"]
    assert actions(aws, "mutating") == []
    assert set(described(aws)) == {"someone/else"}
    assert planned["diff"]["before"] == {} and set(planned["diff"]["after"]) == {"shop/front", "shop/cart"}

    aws.reset_calls()
    created = run(aws, {"repositories": repositories})
    repos = described(aws)
    assert created["changed"] is True
    assert actions(aws, "mutating") == ["CreateRepository"] * 2 + ["PutLifecyclePolicy"] * 2
    assert created["repositories"] == [
        {"name": name, "arn": repos[name]["repositoryArn"], "uri": repos[name]["repositoryUri"]}
        for name in ("shop/front", "shop/cart")]
    assert created["registry_id"] == repos["shop/front"]["registryId"]
    assert created["repositories"] == planned["repositories"]  # check mode predicted them
    assert tags(aws, repos["shop/front"]["repositoryArn"]) == dict(OWNER, team="a")
    assert repos["shop/front"]["imageScanningConfiguration"] == {"scanOnPush": True}

    aws.reset_calls()
    again = run(aws, {"repositories": repositories}, diff=True)
    assert again["changed"] is False and actions(aws, "mutating") == []
    assert again["diff"]["before"] == again["diff"]["after"]
    # All repositories exist: one DescribeRepositories for the whole list.
    assert actions(aws, "read").count("DescribeRepositories") == 1

    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*",
                                                       "Action": ["ecr:BatchGetImage"]}]}
    changed = [dict(repositories[0], image_tag_mutability="IMMUTABLE", scan_on_push=False, keep_last=5,
                    tags=OWNER),
               dict(repositories[1], policy=policy)]
    aws.reset_calls()
    plan = run(aws, {"repositories": changed}, check=True, diff=True)
    assert plan["changed"] is True and plan["updated"] == ["shop/front", "shop/cart"] and plan["created"] == []
    assert actions(aws, "mutating") == []
    assert plan["diff"]["before"]["shop/front"]["tags"] == dict(OWNER, team="a")
    assert plan["diff"]["after"]["shop/front"]["tags"] == OWNER

    aws.reset_calls()
    applied = run(aws, {"repositories": changed})
    assert applied["changed"] is True
    assert actions(aws, "mutating") == ["PutImageScanningConfiguration", "PutImageTagMutability",
                                        "PutLifecyclePolicy", "SetRepositoryPolicy", "UntagResource"]
    front = described(aws)["shop/front"]
    assert front["imageTagMutability"] == "IMMUTABLE" and front["imageScanningConfiguration"] == {"scanOnPush": False}
    assert json.loads(ecr.get_lifecycle_policy(repositoryName="shop/front")["lifecyclePolicyText"]
                      )["rules"][0]["selection"]["countNumber"] == 5
    assert json.loads(ecr.get_repository_policy(repositoryName="shop/cart")["policyText"]) == policy
    assert tags(aws, front["repositoryArn"]) == OWNER
    aws.reset_calls()
    assert run(aws, {"repositories": changed})["changed"] is False and actions(aws, "mutating") == []

    # Destroy: shop/cart is no longer listed but carries the ownership tag; someone/else is not ours.
    destroy = {"repositories": [{"name": "shop/front"}], "delete_tagged": OWNER, "state": "absent",
               "force_delete": True}
    aws.reset_calls()
    planned_destroy = run(aws, destroy, check=True)
    assert planned_destroy["changed"] is True and planned_destroy["deleted"] == ["shop/cart", "shop/front"]
    assert actions(aws, "mutating") == []
    aws.reset_calls()
    destroyed = run(aws, destroy)
    assert destroyed["deleted"] == ["shop/cart", "shop/front"]
    assert actions(aws, "mutating") == ["DeleteRepository"] * 2
    assert set(described(aws)) == {"someone/else"}
    aws.reset_calls()
    assert run(aws, destroy)["changed"] is False and actions(aws, "mutating") == []


def test_refusals_come_before_any_change(clean_sandbox):
    aws, ecr = clean_sandbox, clean_sandbox.boto3_client("ecr")
    kms_key = aws.boto3_client("kms").create_key(Description="ecr")["KeyMetadata"]["Arn"]
    ecr.create_repository(repositoryName="shop/front")

    aws.reset_calls()
    flipped = run(aws, {"repositories": [{"name": "shop/new"}, {"name": "shop/front", "encryption": "KMS",
                                                                  "kms_key": kms_key}]}, expect_failure=True)
    assert "repository 'shop/front': encryption cannot change after creation (AES256 exists" in flipped["msg"]
    assert actions(aws, "mutating") == []  # shop/new, listed first, was not created either

    aws.reset_calls()
    too_many = run(aws, {"repositories": [{"name": "shop/new", "tags": {f"k{n}": "v" for n in range(51)}},
                                          {"name": "shop/other", "tags": {"aws:owner": "x"}}]},
                   expect_failure=True)
    assert "'shop/new'" in too_many["msg"] and "at most 50" in too_many["msg"]
    assert "'shop/other'" in too_many["msg"] and "reserved for AWS" in too_many["msg"]
    assert aws.calls() == []

    run(aws, {"repositories": [{"name": "shop/kms", "encryption": "KMS", "kms_key": kms_key}]})
    assert described(aws)["shop/kms"]["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": kms_key}
    aws.reset_calls()
    assert run(aws, {"repositories": [{"name": "shop/kms", "encryption": "KMS", "kms_key": kms_key}]})["changed"] is False
    assert actions(aws, "mutating") == []
