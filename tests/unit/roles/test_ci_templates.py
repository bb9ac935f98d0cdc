"""The CI files the shop role installs into each service's app repository template (roles/shop/templates/ci/),
rendered by the role's `ci_templates` entry point and checked offline by the linters CI would run:
actionlint for the GitHub Actions workflow, npm-groovy-lint (CodeNarc on Java 17) for the Jenkinsfile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The cart service's CI files, rendered by ansible-playbook from the role (no AWS call: the account is given)."""
    folder = tmp_path_factory.mktemp("cart-app")
    play = folder.parent / "ci_templates.yml"
    play.write_text(yaml.safe_dump([{
        "name": "CI files of one service", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "CI templates", "ansible.builtin.include_role": {
            "name": "eksforge.platform.shop", "tasks_from": "ci_templates"}}]}]))
    variables = {"platform_name": "eksforge-dev", "platform_environment": "dev", "aws_region": "eu-west-1",
                 "gitops_repository_url": "https://github.com/example-org/platform-gitops.git",
                 "shop_account_id": ACCOUNT, "shop_ci_service": "cart", "shop_ci_dest": str(folder),
                 "ansible_python_interpreter": sys.executable}
    command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(play),
               "-e", json.dumps(variables)]
    made = subprocess.run(command, cwd=REPO_ROOT, check=False, capture_output=True, text=True,
                          env=dict(os.environ, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg")))
    assert made.returncode == 0, made.stdout + made.stderr
    return folder


def test_workflow_assumes_the_ci_role_pushes_to_ecr_and_bumps_the_overlay(rendered):
    workflow = yaml.safe_load((rendered / ".github/workflows/release.yml").read_text())
    assert workflow["permissions"] == {"id-token": "write", "contents": "read"}
    assert workflow["env"]["IMAGE"] == f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/eksforge-dev/cart"
    assert workflow["env"]["OVERLAY"] == "shop/overlays/dev/cart/kustomization.yaml"
    steps = {step["name"]: step for step in workflow["jobs"]["release"]["steps"]}
    assume = steps["Assume the platform's CI role (OIDC)"]["with"]
    assert assume["role-to-assume"] == f"arn:aws:iam::{ACCOUNT}:role/eksforge-dev-ci"
    # GitHub's own expressions survive the role's templating.
    assert assume["aws-region"] == "${{ env.AWS_REGION }}"
    assert "yq -i" in steps["Bump the image tag in the GitOps repository"]["run"]


def test_actionlint_accepts_the_workflow(rendered):
    linted = subprocess.run([str(VENV_BIN / "actionlint"), "-no-color", ".github/workflows/release.yml"],
                            cwd=rendered, capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_npm_groovy_lint_accepts_the_jenkinsfile(rendered):
    jenkinsfile = (rendered / "Jenkinsfile").read_text()
    # the jenkins role's build agent (rootless BuildKit) and its `git` credentials
    assert "agent { label 'build' }" in jenkinsfile and "buildctl-daemonless.sh build" in jenkinsfile
    assert "credentials('git')" in jenkinsfile
    assert f"'{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/eksforge-dev/cart'" in jenkinsfile
    linted = subprocess.run([str(VENV_BIN / "npm-groovy-lint"), "--noserver", "--failon", "warning", "--output", "txt",
                             "Jenkinsfile"], cwd=rendered, capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "1 linted files" in linted.stdout.replace("\x1b[1m", "").replace("\x1b[22m", "")
