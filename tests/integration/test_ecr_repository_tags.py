"""Integration tests of eksforge.platform.ecr_repository_tags: real ansible runs against the AWS sandbox,
checked with boto3 and with the API calls the sandbox logged during each run (a lifecycle's steps run as the tasks of
one playbook: tests/integration/support/runs.py)."""

from __future__ import annotations

import pytest

from tests.integration.support.runs import ModuleStep, run_module, run_module_steps

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ecr_repository_tags"
NAME = "shop/front"


def run(aws, args, **options):
    return run_module(aws, MODULE, dict({"name": NAME}, **args), **options)


def run_steps(aws, *steps: ModuleStep) -> list[dict]:
    """The steps in one playbook (one Ansible start), each result with the calls made while it ran."""
    return run_module_steps(aws, *steps, diff=True)


def step(args: dict, check: bool = False, fails: bool = False) -> ModuleStep:
    return ModuleStep(MODULE, dict({"name": NAME}, **args), check=check, fails=fails)


def tags(aws, arn: str) -> dict[str, str]:
    listed = aws.boto3_client("ecr").list_tags_for_resource(resourceArn=arn)["tags"]
    return {tag["Key"]: tag["Value"] for tag in listed}


def mutating_actions(result: dict) -> list[str]:
    return sorted(call.split(":", 1)[1] for call in result["mutating_calls"])


def test_set_noop_change_purge_and_check_mode(aws):
    arn = aws.boto3_client("ecr").create_repository(
        repositoryName=NAME, tags=[{"Key": "old", "Value": "x"}])["repository"]["repositoryArn"]
    wanted = {"eksforge:platform": "demo", "team": "a", "build": 7}
    planned, applied, again, again_checked = run_steps(
        aws, step({"tags": wanted}, check=True), step({"tags": wanted}), step({"tags": wanted}),
        step({"tags": wanted}, check=True))
    assert planned["changed"] is True
    assert planned["repository_arn"] == arn
    assert planned["tags"] == {"eksforge:platform": "demo", "team": "a", "build": "7"}
    assert planned["diff"] == {"before": {"tags": {"old": "x"}}, "after": {"tags": planned["tags"]}}
    assert mutating_actions(planned) == []
    assert applied["diff"]["before"] == {"tags": {"old": "x"}}  # as the check left it

    assert applied["changed"] is True
    assert applied["tags"] == planned["tags"] == tags(aws, arn)
    assert mutating_actions(applied) == ["TagResource", "UntagResource"]

    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]
    assert mutating_actions(again) == []
    assert again_checked["changed"] is False

    # A changed value is set in place; purge_tags=false keeps tags that are not listed. Then purge (the default)
    # removes what is not listed; only UntagResource is needed.
    kept, purged, emptied_check, emptied = run_steps(
        aws, step({"tags": {"team": "b", "extra": "1"}, "purge_tags": False}),
        step({"tags": {"eksforge:platform": "demo", "team": "b"}}), step({"tags": {}}, check=True), step({"tags": {}}))
    assert kept["changed"] is True
    # what the next step read from ECR
    assert purged["diff"]["before"] == {"tags": {"eksforge:platform": "demo", "team": "b", "build": "7", "extra": "1"}}
    assert mutating_actions(kept) == ["TagResource"]
    assert purged["changed"] is True and purged["tags"] == {"eksforge:platform": "demo", "team": "b"}
    assert mutating_actions(purged) == ["UntagResource"]
    assert emptied_check["changed"] is True and emptied_check["tags"] == {}
    assert mutating_actions(emptied_check) == []
    assert emptied["diff"]["before"] == {"tags": {"eksforge:platform": "demo", "team": "b"}}
    assert emptied["tags"] == {} == tags(aws, arn)


def test_registry_id_and_alias(aws):
    repository = aws.boto3_client("ecr").create_repository(repositoryName=NAME)["repository"]
    result = run_module(aws, MODULE, {"repository_name": NAME, "registry_id": repository["registryId"],
                                      "resource_tags": {"a": "1"}})
    assert result["changed"] is True and tags(aws, repository["repositoryArn"]) == {"a": "1"}


def test_missing_repository_fails_clearly_but_check_mode_plans_the_tags(aws):
    planned, nothing, failed = run_steps(
        aws, step({"tags": {"eksforge:platform": "demo"}}, check=True), step({"tags": {}}, check=True),
        step({"tags": {"eksforge:platform": "demo"}}, fails=True))
    assert planned["changed"] is True
    assert planned["repository_arn"] == f"arn:aws:ecr:us-east-1:123456789012:repository/{NAME}"
    assert planned["diff"] == {"before": {"tags": {}}, "after": {"tags": {"eksforge:platform": "demo"}}}
    assert nothing["changed"] is False
    assert f"ECR repository '{NAME}' does not exist" in failed["msg"]
    assert [result["mutating_calls"] for result in (planned, nothing, failed)] == [[], [], []]


def test_tags_ecr_would_refuse_fail_before_any_mutating_call(aws):
    arn = aws.boto3_client("ecr").create_repository(repositoryName=NAME)["repository"]["repositoryArn"]
    too_long, forty, too_many = run_steps(
        aws, step({"tags": {"k" * 129: "v", "aws:owner": "me"}}, check=True, fails=True),
        step({"tags": {f"k{index}": "v" for index in range(40)}}),
        step({"tags": {f"n{index}": "v" for index in range(11)}, "purge_tags": False}, fails=True))
    assert "1 to 128 characters" in too_long["msg"] and "reserved for AWS" in too_long["msg"]
    assert too_long["mutating_calls"] == [] and too_long["read_calls"] == []
    assert forty["changed"] is True
    assert "51 tags" in too_many["msg"]
    assert mutating_actions(too_many) == []
    assert len(tags(aws, arn)) == 40
