"""Integration tests of eksforge.platform.ecr_repository_tags: real ansible runs against the AWS sandbox,
checked with boto3 and with the API calls the sandbox counted."""

from __future__ import annotations

import pytest

from tests.integration.support.runs import run_module

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ecr_repository_tags"
NAME = "shop/front"


def run(aws, args, **options):
    return run_module(aws, MODULE, dict({"name": NAME}, **args), **options)


def tags(aws, arn: str) -> dict[str, str]:
    listed = aws.boto3_client("ecr").list_tags_for_resource(resourceArn=arn)["tags"]
    return {tag["Key"]: tag["Value"] for tag in listed}


def mutating_actions(aws) -> list[str]:
    return [call["action"] for call in aws.mutating_calls()]


def test_set_noop_change_purge_and_check_mode(aws):
    arn = aws.boto3_client("ecr").create_repository(
        repositoryName=NAME, tags=[{"Key": "old", "Value": "x"}])["repository"]["repositoryArn"]
    wanted = {"eksforge:platform": "demo", "team": "a", "build": 7}

    aws.reset_calls()
    planned = run(aws, {"tags": wanted}, check=True, diff=True)
    assert planned["changed"] is True
    assert planned["repository_arn"] == arn
    assert planned["tags"] == {"eksforge:platform": "demo", "team": "a", "build": "7"}
    assert planned["diff"] == {"before": {"tags": {"old": "x"}}, "after": {"tags": planned["tags"]}}
    assert mutating_actions(aws) == []
    assert tags(aws, arn) == {"old": "x"}

    aws.reset_calls()
    applied = run(aws, {"tags": wanted}, diff=True)
    assert applied["changed"] is True
    assert applied["tags"] == planned["tags"] == tags(aws, arn)
    assert sorted(mutating_actions(aws)) == ["TagResource", "UntagResource"]

    aws.reset_calls()
    again = run(aws, {"tags": wanted}, diff=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]
    assert mutating_actions(aws) == []
    assert run(aws, {"tags": wanted}, check=True)["changed"] is False

    # A changed value is set in place; purge_tags=false keeps tags that are not listed.
    aws.reset_calls()
    kept = run(aws, {"tags": {"team": "b", "extra": "1"}, "purge_tags": False})
    assert kept["changed"] is True
    assert tags(aws, arn) == {"eksforge:platform": "demo", "team": "b", "build": "7", "extra": "1"}
    assert mutating_actions(aws) == ["TagResource"]

    # purge (the default) removes what is not listed; only UntagResource is needed.
    aws.reset_calls()
    purged = run(aws, {"tags": {"eksforge:platform": "demo", "team": "b"}})
    assert purged["changed"] is True and purged["tags"] == {"eksforge:platform": "demo", "team": "b"}
    assert mutating_actions(aws) == ["UntagResource"]

    aws.reset_calls()
    emptied_check = run(aws, {"tags": {}}, check=True)
    assert emptied_check["changed"] is True and emptied_check["tags"] == {}
    assert mutating_actions(aws) == []
    assert run(aws, {"tags": {}})["tags"] == {} == tags(aws, arn)


def test_registry_id_and_alias(aws):
    repository = aws.boto3_client("ecr").create_repository(repositoryName=NAME)["repository"]
    result = run_module(aws, MODULE, {"repository_name": NAME, "registry_id": repository["registryId"],
                                      "resource_tags": {"a": "1"}})
    assert result["changed"] is True and tags(aws, repository["repositoryArn"]) == {"a": "1"}


def test_missing_repository_fails_clearly_but_check_mode_plans_the_tags(aws):
    aws.reset_calls()
    planned = run(aws, {"tags": {"eksforge:platform": "demo"}}, check=True, diff=True)
    assert planned["changed"] is True
    assert planned["repository_arn"] == f"arn:aws:ecr:us-east-1:123456789012:repository/{NAME}"
    assert planned["diff"] == {"before": {"tags": {}}, "after": {"tags": {"eksforge:platform": "demo"}}}
    assert mutating_actions(aws) == []
    assert run(aws, {"tags": {}}, check=True)["changed"] is False

    failed = run(aws, {"tags": {"eksforge:platform": "demo"}}, expect_failure=True)
    assert f"ECR repository '{NAME}' does not exist" in failed["msg"]
    assert mutating_actions(aws) == []


def test_tags_ecr_would_refuse_fail_before_any_mutating_call(aws):
    arn = aws.boto3_client("ecr").create_repository(repositoryName=NAME)["repository"]["repositoryArn"]
    aws.reset_calls()
    too_long = run(aws, {"tags": {"k" * 129: "v", "aws:owner": "me"}}, check=True, expect_failure=True)
    assert "1 to 128 characters" in too_long["msg"] and "reserved for AWS" in too_long["msg"]
    assert aws.calls() == []

    run(aws, {"tags": {f"k{index}": "v" for index in range(40)}})
    aws.reset_calls()
    too_many = run(aws, {"tags": {f"n{index}": "v" for index in range(11)}, "purge_tags": False},
                   expect_failure=True)
    assert "51 tags" in too_many["msg"]
    assert mutating_actions(aws) == []
    assert len(tags(aws, arn)) == 40
