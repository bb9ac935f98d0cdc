"""Integration tests of eksforge.platform.ecr_repositories: real ansible runs against the AWS sandbox (each lifecycle's
steps as the tasks of one playbook, tests/integration/support/runs.py), checked with boto3 and with the API calls the
sandbox logged during each step."""

from __future__ import annotations

import json

import pytest

from tests.integration.support.runs import ModuleStep, run_module_steps

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ecr_repositories"
OWNER = {"eksforge:platform": "demo"}


def run_steps(aws, *steps: ModuleStep) -> list[dict]:
    """The steps in one playbook (one Ansible start), each result with the calls made while it ran."""
    return run_module_steps(aws, *steps, region="us-east-1", diff=True)


def step(args: dict, check: bool = False, fails: bool = False) -> ModuleStep:
    return ModuleStep(MODULE, args, check=check, fails=fails)


def actions(result: dict, kind: str = "mutating") -> list[str]:
    """The actions of the `kind` calls ("mutating" or "read") a step made, sorted."""
    return sorted(call.split(":", 1)[1] for call in result[f"{kind}_calls"])


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
    planned, created, again = run_steps(aws, step({"repositories": repositories}, check=True),
                                        step({"repositories": repositories}), step({"repositories": repositories}))

    assert planned["changed"] is True and planned["created"] == ["shop/front", "shop/cart"]
    assert actions(planned) == []
    assert planned["diff"]["before"] == {} and set(planned["diff"]["after"]) == {"shop/front", "shop/cart"}

    repos = described(aws)
    assert created["changed"] is True
    assert actions(created) == ["CreateRepository"] * 2 + ["PutLifecyclePolicy"] * 2
    assert created["repositories"] == [
        {"name": name, "arn": repos[name]["repositoryArn"], "uri": repos[name]["repositoryUri"]}
        for name in ("shop/front", "shop/cart")]
    assert created["registry_id"] == repos["shop/front"]["registryId"]
    assert created["repositories"] == planned["repositories"]  # check mode predicted them
    assert tags(aws, repos["shop/front"]["repositoryArn"]) == dict(OWNER, team="a")
    assert repos["shop/front"]["imageScanningConfiguration"] == {"scanOnPush": True}

    assert again["changed"] is False and actions(again) == []
    assert again["diff"]["before"] == again["diff"]["after"]
    # All repositories exist: one DescribeRepositories for the whole list.
    assert actions(again, "read").count("DescribeRepositories") == 1

    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": "*",
                                                       "Action": ["ecr:BatchGetImage"]}]}
    changed = [dict(repositories[0], image_tag_mutability="IMMUTABLE", scan_on_push=False, keep_last=5,
                    tags=OWNER),
               dict(repositories[1], policy=policy)]
    plan, applied, unchanged = run_steps(aws, step({"repositories": changed}, check=True),
                                         step({"repositories": changed}), step({"repositories": changed}))
    assert plan["changed"] is True and plan["updated"] == ["shop/front", "shop/cart"] and plan["created"] == []
    assert actions(plan) == []
    assert plan["diff"]["before"]["shop/front"]["tags"] == dict(OWNER, team="a")
    assert plan["diff"]["after"]["shop/front"]["tags"] == OWNER

    assert applied["changed"] is True
    assert actions(applied) == ["PutImageScanningConfiguration", "PutImageTagMutability",
                                "PutLifecyclePolicy", "SetRepositoryPolicy", "UntagResource"]
    front = described(aws)["shop/front"]
    assert front["imageTagMutability"] == "IMMUTABLE" and front["imageScanningConfiguration"] == {"scanOnPush": False}
    assert json.loads(ecr.get_lifecycle_policy(repositoryName="shop/front")["lifecyclePolicyText"]
                      )["rules"][0]["selection"]["countNumber"] == 5
    assert json.loads(ecr.get_repository_policy(repositoryName="shop/cart")["policyText"]) == policy
    assert tags(aws, front["repositoryArn"]) == OWNER
    assert unchanged["changed"] is False and actions(unchanged) == []

    # Destroy: shop/cart is no longer listed but carries the ownership tag; someone/else is not ours.
    destroy = {"repositories": [{"name": "shop/front"}], "delete_tagged": OWNER, "state": "absent",
               "force_delete": True}
    planned_destroy, destroyed, gone = run_steps(aws, step(destroy, check=True), step(destroy), step(destroy))
    assert planned_destroy["changed"] is True and planned_destroy["deleted"] == ["shop/cart", "shop/front"]
    assert actions(planned_destroy) == []
    assert destroyed["deleted"] == ["shop/cart", "shop/front"]
    assert actions(destroyed) == ["DeleteRepository"] * 2
    assert set(described(aws)) == {"someone/else"}
    assert gone["changed"] is False and actions(gone) == []


def test_refusals_come_before_any_change(clean_sandbox):
    aws, ecr = clean_sandbox, clean_sandbox.boto3_client("ecr")
    kms_key = aws.boto3_client("kms").create_key(Description="ecr")["KeyMetadata"]["Arn"]
    ecr.create_repository(repositoryName="shop/front")
    encrypted = {"repositories": [{"name": "shop/kms", "encryption": "KMS", "kms_key": kms_key}]}
    flipped, too_many, made, again = run_steps(
        aws, step({"repositories": [{"name": "shop/new"}, {"name": "shop/front", "encryption": "KMS", "kms_key": kms_key}]},
                  fails=True),
        step({"repositories": [{"name": "shop/new", "tags": {f"k{n}": "v" for n in range(51)}},
                               {"name": "shop/other", "tags": {"aws:owner": "x"}}]}, fails=True),
        step(encrypted), step(encrypted))

    assert "repository 'shop/front': encryption cannot change after creation (AES256 exists" in flipped["msg"]
    assert actions(flipped) == []  # shop/new, listed first, was not created either

    assert "'shop/new'" in too_many["msg"] and "at most 50" in too_many["msg"]
    assert "'shop/other'" in too_many["msg"] and "reserved for AWS" in too_many["msg"]
    assert too_many["mutating_calls"] == [] and too_many["read_calls"] == []

    assert made["changed"] is True
    assert described(aws)["shop/kms"]["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": kms_key}
    assert again["changed"] is False and actions(again) == []
