"""Integration tests of the eksforge.platform.ecr role (repositories, lifecycle, scan, encryption, policy).

Every test runs the role with ansible-playbook against the session sandbox (tests/integration/support/fixtures.py) and checks
the result with boto3 over HTTP, plus the API calls the sandbox counted during each run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sandbox import harness
from tests.integration.support.asserts import assert_host_failed_with, assert_ran
from tests.integration.support.inventory import host_per_case_inventory
from tests.integration.support.runs import role_play

pytestmark = pytest.mark.slow

PLATFORM = "ecrtest"
SERVICES = ["front", "cart", "user", "product", "rating", "order"]
BASE_VARS = {"platform_name": PLATFORM, "aws_region": "us-east-1", "platform_tags": {"team": "platform"}}
OWNER = {"eksforge:platform": PLATFORM}


def write_play(tmp_path: Path) -> str:
    """The role with the shared module_defaults; its facts are saved to outputs.json."""
    return role_play(tmp_path, "ecr", save="ecr_outputs | default(None)")


def outputs(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "outputs.json").read_text())


def repositories(ecr) -> dict[str, dict]:
    return {repo["repositoryName"]: repo for repo in ecr.describe_repositories()["repositories"]}


def repo_tags(ecr, repository: dict) -> dict[str, str]:
    listed = ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
    return {tag["Key"]: tag["Value"] for tag in listed}


def lifecycle(ecr, name: str) -> dict:
    return json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])


def keep_last_rule(count: int) -> dict:
    return {"rules": [{"rulePriority": 1, "description": f"Keep the last {count} images",
                       "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": count},
                       "action": {"type": "expire"}}]}


def push_image(ecr, repository: str, tag: str) -> None:
    """Put a tiny image manifest into a repository (what a docker push ends with)."""
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config),
                           "digest": "sha256:" + hashlib.sha256(config).hexdigest()},
                "layers": []}
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)


def test_default_repositories_lifecycle(clean_sandbox, run_playbook, tmp_path):
    ecr = clean_sandbox.boto3_client("ecr")
    play = write_play(tmp_path)
    # A repository the role does not manage must survive the destroy path.
    ecr.create_repository(repositoryName="someone/else")

    planned = run_playbook(play, extra_vars=BASE_VARS, check=True, diff=True)
    assert_ran(planned)
    assert planned.changed > 0
    assert planned.mutating_calls == []
    assert set(repositories(ecr)) == {"someone/else"}

    created = run_playbook(play, extra_vars=BASE_VARS, diff=True)
    assert_ran(created)
    assert created.count("CreateRepository") == 6
    # The tags are given to CreateRepository: no separate tagging call.
    assert created.count("TagResource") == 0 and created.count("UntagResource") == 0
    repos = repositories(ecr)
    assert set(repos) == {f"{PLATFORM}/{name}" for name in SERVICES} | {"someone/else"}
    for name in SERVICES:
        repo = repos[f"{PLATFORM}/{name}"]
        assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo["imageTagMutability"] == "MUTABLE"
        assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
        assert lifecycle(ecr, repo["repositoryName"]) == keep_last_rule(30)
        assert repo_tags(ecr, repo) == {"team": "platform", **OWNER}
    assert repo_tags(ecr, repos["someone/else"]) == {}
    facts = outputs(tmp_path)
    assert facts["registry_id"] == repos[f"{PLATFORM}/front"]["registryId"]
    assert facts["registry_uri"] == repos[f"{PLATFORM}/front"]["repositoryUri"].split("/")[0]
    assert set(facts["repositories"]) == set(SERVICES)
    for name in SERVICES:
        repo = repos[f"{PLATFORM}/{name}"]
        assert facts["repositories"][name] == {"name": repo["repositoryName"], "arn": repo["repositoryArn"],
                                               "uri": repo["repositoryUri"]}

    again = run_playbook(play, extra_vars=BASE_VARS)
    assert_ran(again)
    assert again.changed == 0
    assert again.mutating_calls == []

    checked = run_playbook(play, extra_vars=BASE_VARS, check=True)
    assert_ran(checked)
    assert checked.changed == 0 and checked.mutating_calls == []

    # Images in a repository: destroy must delete it anyway (force).
    push_image(ecr, f"{PLATFORM}/cart", "v1")
    destroy_vars = {**BASE_VARS, "ecr_state": "absent"}
    planned_destroy = run_playbook(play, extra_vars=destroy_vars, check=True)
    assert_ran(planned_destroy)
    assert planned_destroy.changed > 0 and planned_destroy.mutating_calls == []
    assert len(repositories(ecr)) == 7

    destroyed = run_playbook(play, extra_vars=destroy_vars)
    assert_ran(destroyed)
    assert destroyed.count("DeleteRepository") == 6
    assert set(repositories(ecr)) == {"someone/else"}
    assert outputs(tmp_path) == {}

    destroyed_again = run_playbook(play, extra_vars=destroy_vars)
    assert_ran(destroyed_again)
    assert destroyed_again.changed == 0 and destroyed_again.mutating_calls == []


def test_changes_are_applied_and_idempotent(clean_sandbox, run_playbook, tmp_path):
    ecr = clean_sandbox.boto3_client("ecr")
    kms_key = clean_sandbox.boto3_client("kms").create_key(Description="ecr")["KeyMetadata"]["Arn"]
    play = write_play(tmp_path)
    base = {**BASE_VARS, "ecr_namespace": "shop", "ecr_repositories": [{"name": "front"}, {"name": "cart"}]}
    assert_ran(run_playbook(play, extra_vars=base))
    assert set(repositories(ecr)) == {"shop/front", "shop/cart"}

    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}
    changed = {**base, "ecr_default_keep_last": 10, "ecr_tags": {"cost-center": "4711"}, "ecr_repositories": [
        {"name": "front", "keep_last": 3, "image_tag_mutability": "IMMUTABLE", "scan_on_push": False,
         "tags": {"team": "storefront", "eksforge:platform": "not-ours"}},
        {"name": "cart", "policy": policy},
        {"name": "payments/api", "encryption": "KMS", "kms_key": kms_key},
    ]}
    planned = run_playbook(play, extra_vars=changed, check=True, diff=True)
    assert_ran(planned)
    assert planned.changed > 0 and planned.mutating_calls == []
    assert lifecycle(ecr, "shop/front") == keep_last_rule(30)
    # The tag diff of shop/front (YAML diff, ansible.cfg).
    assert any(line.startswith("+") and line.strip("+ ") == "team: storefront" for line in planned.output.splitlines())
    assert repo_tags(ecr, repositories(ecr)["shop/front"]) == {"team": "platform", **OWNER}

    updated = run_playbook(play, extra_vars=changed)
    assert_ran(updated)
    repos = repositories(ecr)
    assert set(repos) == {"shop/front", "shop/cart", "shop/payments/api"}
    assert repos["shop/front"]["imageTagMutability"] == "IMMUTABLE"
    assert repos["shop/front"]["imageScanningConfiguration"] == {"scanOnPush": False}
    assert lifecycle(ecr, "shop/front") == keep_last_rule(3)
    assert lifecycle(ecr, "shop/cart") == keep_last_rule(10)
    assert json.loads(ecr.get_repository_policy(repositoryName="shop/cart")["policyText"]) == policy
    assert repos["shop/payments/api"]["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": kms_key}
    assert updated.count("CreateRepository") == 1
    # Item tags win over ecr_tags and platform_tags; the ownership tag wins over everything.
    assert repo_tags(ecr, repos["shop/front"]) == {"team": "storefront", "cost-center": "4711", **OWNER}
    assert repo_tags(ecr, repos["shop/cart"]) == {"team": "platform", "cost-center": "4711", **OWNER}
    assert repo_tags(ecr, repos["shop/payments/api"]) == repo_tags(ecr, repos["shop/cart"])
    assert updated.count("TagResource") == 2  # shop/payments/api got its tags from CreateRepository
    assert outputs(tmp_path)["repositories"]["payments/api"]["uri"] == repos["shop/payments/api"]["repositoryUri"]

    again = run_playbook(play, extra_vars=changed)
    assert_ran(again)
    assert again.changed == 0 and again.mutating_calls == []

    # Dropping the policy from the item removes it from the repository.
    without_policy = {**changed, "ecr_repositories": [dict(item) for item in changed["ecr_repositories"]]}
    del without_policy["ecr_repositories"][1]["policy"]
    # Dropping a tag from the variables removes it from the repositories.
    del without_policy["ecr_tags"]
    purged = run_playbook(play, extra_vars=without_policy)
    assert_ran(purged)
    assert purged.count("DeleteRepositoryPolicy") == 1
    assert purged.count("UntagResource") == 3 and purged.count("TagResource") == 0
    assert all("cost-center" not in repo_tags(ecr, repo) for repo in repositories(ecr).values())
    with pytest.raises(ecr.exceptions.RepositoryPolicyNotFoundException):
        ecr.get_repository_policy(repositoryName="shop/cart")

    # Encryption is fixed at creation: asking for another one fails with a message naming the item.
    flipped = {**without_policy, "ecr_repositories": [{"name": "front", "encryption": "KMS", "kms_key": kms_key}]}
    refused = run_playbook(play, extra_vars=flipped)
    assert refused.rc != 0
    assert "repository 'shop/front': encryption cannot change after creation" in refused.output
    assert refused.mutating_calls == []

    destroyed = run_playbook(play, extra_vars={**without_policy, "ecr_state": "absent"})
    assert_ran(destroyed)
    assert repositories(ecr) == {}


# (the bad variables, the variable the message must name): each a host of one run of the role.
BAD_INPUT = [
    ({"ecr_repositories": [{"name": "Front"}]}, "ecr_repositories"),
    ({"ecr_repositories": [{"name": "front/"}]}, "ecr_repositories"),
    ({"ecr_repositories": [{"name": "front", "image_tag_mutability": "SOMETIMES"}]}, "image_tag_mutability"),
    ({"ecr_repositories": [{"name": "front", "encryption": "KMS"}]}, "kms_key"),
    ({"ecr_repositories": [{"name": "front", "encryption": "DES"}]}, "encryption"),
    ({"ecr_repositories": [{"name": "front", "keep_last": 0}]}, "keep_last"),
    ({"ecr_repositories": [{"name": "front", "keep_lats": 5}]}, "keep_lats"),
    ({"ecr_repositories": [{"name": "front"}, {"name": "front"}]}, "ecr_repositories"),
    ({"ecr_repositories": [{"name": "front", "policy": "allow-all"}]}, "policy"),
    ({"ecr_repositories": [{"name": "front", "tags": ["team"]}]}, "tags"),
    ({"ecr_tags": ["team"]}, "ecr_tags"),
    ({"ecr_default_keep_last": 0}, "ecr_default_keep_last"),
    ({"ecr_default_encryption": "KMS"}, "ecr_default_kms_key"),
    ({"ecr_namespace": "Shop"}, "ecr_namespace"),
    ({"ecr_state": "gone"}, "ecr_state"),
]


@pytest.fixture(scope="module")
def bad_input_run(sandbox, tmp_path_factory):
    """One run of the role with a host per case of BAD_INPUT, named by its index."""
    folder = tmp_path_factory.mktemp("ecr-bad-input")
    inventory = host_per_case_inventory(folder, {f"case{index}": {**BASE_VARS, **bad}
                                                 for index, (bad, _) in enumerate(BAD_INPUT)})
    sandbox.reset()
    return harness.run_playbook(sandbox, write_play(folder), inventory=str(inventory))


def test_bad_input_makes_no_api_call(bad_input_run):
    assert bad_input_run.calls == [], bad_input_run.calls


@pytest.mark.parametrize("index", range(len(BAD_INPUT)), ids=[variable for _, variable in BAD_INPUT])
def test_bad_input_fails_before_any_api_call(bad_input_run, index):
    assert_host_failed_with(bad_input_run, f"case{index}", BAD_INPUT[index][1])
