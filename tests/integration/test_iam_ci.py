"""The iam role's CI part: GitHub's OIDC provider and the CI role, trusted only by the named repositories and
refs, allowed to push only to the platform's ECR repositories (roles/iam/tasks/ci_present.yml, ci_absent.yml)."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from tests.integration.support.asserts import assert_ran
from tests.integration.support.runs import role_play

pytestmark = pytest.mark.slow

PLATFORM = "citest"
CI_ROLE = f"{PLATFORM}-ci"
REPOSITORIES = [{"repository": "example-org/shop-cart", "refs": ["refs/heads/main", "refs/tags/v*"]},
                {"repository": "example-org/shop-front", "refs": ["refs/heads/main"]}]
CI_VARS = {"platform_name": PLATFORM, "aws_region": "us-east-1", "iam_ci_github_repositories": REPOSITORIES}


def _document(value) -> dict:
    return json.loads(urllib.parse.unquote(value)) if isinstance(value, str) else value


def test_ci_role_trusts_named_refs_and_pushes_to_platform_repositories_only(clean_sandbox, run_playbook, tmp_path):
    iam = clean_sandbox.boto3_client("iam")
    play = role_play(tmp_path, "iam", save="iam_outputs")

    created = run_playbook(play, extra_vars=CI_VARS)
    assert_ran(created)
    account = clean_sandbox.boto3_client("sts").get_caller_identity()["Account"]
    provider_arn = f"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    tags = {t["Key"]: t["Value"] for t in provider["Tags"]}
    assert (tags["eksforge:platform"], tags["eksforge:ci"]) == (PLATFORM, "github")

    role = iam.get_role(RoleName=CI_ROLE)["Role"]
    assert json.loads((tmp_path / "outputs.json").read_text())["ci_role_arn"] == role["Arn"]
    [statement] = _document(role["AssumeRolePolicyDocument"])["Statement"]
    assert statement["Principal"] == {"Federated": provider_arn}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": [
            "repo:example-org/shop-cart:ref:refs/heads/main", "repo:example-org/shop-cart:ref:refs/tags/v*",
            "repo:example-org/shop-front:ref:refs/heads/main"]}}
    policy = _document(iam.get_role_policy(RoleName=CI_ROLE, PolicyName="ecr-push")["PolicyDocument"])
    login, push = policy["Statement"]
    assert (login["Action"], login["Resource"]) == ("ecr:GetAuthorizationToken", "*")
    assert "ecr:PutImage" in push["Action"] and "ecr:CreateRepository" not in push["Action"]
    assert push["Resource"] == [f"arn:aws:ecr:us-east-1:{account}:repository/{PLATFORM}/*"]

    again = run_playbook(play, extra_vars=CI_VARS)
    assert_ran(again)
    assert again.changed == 0 and again.mutating_calls == []

    # A workflow ref outside the list is refused before any call, naming the variable.
    bad = run_playbook(play, extra_vars={**CI_VARS, "iam_ci_github_repositories": [{"repository": "no-owner"}]})
    assert bad.rc != 0
    assert "iam_ci_github_repositories[0] must be {repository: owner/name" in bad.output
    assert bad.mutating_calls == []

    destroyed = run_playbook(play, extra_vars={**CI_VARS, "iam_state": "absent"})
    assert_ran(destroyed)
    assert CI_ROLE not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
