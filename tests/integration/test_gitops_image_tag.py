"""Integration tests of eksforge.platform.gitops_image_tag: real ansible runs against the sandbox's git server
and ECR, the repository read back with another git client (dulwich's porcelain). Malformed tags and unknown
repositories are refused by module_utils tested on their own (tests/unit/plugins/module_utils/)."""

from __future__ import annotations

import pytest

from sandbox.gitops import credentials, push_files, push_image, read_branch, repository_url
from tests.integration.support.runs import ModuleStep, run_module_steps

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.gitops_image_tag"
OVERLAY = "apps/cart/overlays/local/kustomization.yaml"
ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/cart"
KUSTOMIZATION = f"""\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: cart
    newName: {ECR_IMAGE}
    newTag: v1.3.2
"""


def bumps(sandbox, repo: str, *steps: dict) -> list[dict]:
    """The module's steps in one playbook run (with --diff), each step the tag and its changes to the defaults (plus
    `check` and `fails` when set); each step's result as runs.run_module gives it."""
    defaults = dict(repository_url=repository_url(sandbox, repo), path="apps/cart/overlays/local", image="cart",
                    **credentials(sandbox))
    return run_module_steps(sandbox, *(ModuleStep(MODULE, {**defaults, **{k: v for k, v in step.items()
                                                                          if k not in ("check", "fails")}},
                                                  check=step.get("check", False), fails=step.get("fails", False))
                                       for step in steps), diff=True)


def test_bump_check_mode_idempotence_and_refusals(aws):
    ecr = aws.boto3_client("ecr")
    ecr.create_repository(repositoryName="shop/cart")
    for tag in ("v1.3.2", "v1.4.0"):
        push_image(ecr, "shop/cart", tag)
    seeded = push_files(aws, "shop", {OVERLAY: KUSTOMIZATION})

    planned, done, again, missing, no_image, no_overlay, wrong = bumps(
        aws, "shop", dict(tag="v1.4.0", check=True), dict(tag="v1.4.0"), dict(tag="v1.4.0"),
        dict(tag="v9.9.9", fails=True), dict(tag="v1.4.0", image="rating", fails=True),
        dict(tag="v1.4.0", path="apps/cart/overlays/prod", fails=True),
        dict(tag="v1.3.2", password="not-the-password", fails=True))
    assert planned["changed"] is True and planned["commit"] == seeded
    assert planned["previous_tag"] == "v1.3.2" and planned["push_attempts"] == 0
    assert planned["diff"]["before"] == KUSTOMIZATION
    assert planned["diff"]["after"] == KUSTOMIZATION.replace("newTag: v1.3.2", "newTag: v1.4.0")
    assert planned["mutating_calls"] == [] and "ecr:DescribeImages" in planned["read_calls"]
    assert done["diff"]["before"] == KUSTOMIZATION  # the check-mode step pushed nothing

    # read after the whole batch: the second run and the refusals after it committed nothing
    head, text, commit = read_branch(aws, "shop", OVERLAY)
    assert done["changed"] is True and done["commit"] == head != seeded and done["push_attempts"] == 1
    assert text == planned["diff"]["after"]
    assert commit == {"message": "cart: v1.3.2 -> v1.4.0 in apps/cart/overlays/local\n",
                      "author": "eksforge <eksforge@users.noreply.localhost>"}
    assert again["changed"] is False and again["commit"] == head and again["push_attempts"] == 0

    assert "the tag 'v9.9.9' does not exist in the ECR repository shop/cart" in missing["msg"]
    assert "apps/cart/overlays/local: no entry named 'rating' in its images (cart)" in no_image["msg"]
    assert "no kustomization.yaml / kustomization.yml / Kustomization at this path" in no_overlay["msg"]
    assert "refused the credentials" in wrong["msg"] and "not-the-password" not in str(wrong)

    [other] = bumps(aws, "shop", dict(tag="1.25", image="cart", check_image=False))
    assert other["changed"] is True
    assert 'newTag: "1.25"' in read_branch(aws, "shop", OVERLAY)[1]
