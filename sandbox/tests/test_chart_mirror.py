"""The chart mirror process: the mirror folder served as Helm repositories that the real helm client uses."""

from __future__ import annotations

import subprocess

import pytest
import requests

from sandbox.config import SandboxConfig
from sandbox.harness import VENV_BIN
from sandbox.tests.conftest import run_cli, sandbox_env


@pytest.fixture
def env(tmp_path):
    environment = sandbox_env(tmp_path / "state")
    yield environment
    run_cli(environment, "down")


def test_up_serves_the_mirror_folders_as_helm_repositories(env, tmp_path):
    config = SandboxConfig.from_env(env)
    assert run_cli(env, "up").returncode == 0
    url = SandboxConfig.from_env(env).chart_mirror_url
    assert url.endswith(f":{config.running_port('charts')}")
    assert f"export EKSFORGE_CHART_MIRROR_URL={url}" in run_cli(env, "env").stdout
    assert f"charts: running (pid {int(config.path('charts.pid').read_text())}) at {url}" in run_cli(env, "status").stdout

    # What `helm repo add` + `helm pull` do with an upstream repository, against the mirror's `eks` folder.
    helm_env = dict(env, HELM_REPOSITORY_CONFIG=str(tmp_path / "repositories.yaml"),
                    HELM_REPOSITORY_CACHE=str(tmp_path / "cache"), HELM_CACHE_HOME=str(tmp_path / "cache"))
    helm = str(VENV_BIN / "helm")
    subprocess.run([helm, "repo", "add", "eks", f"{url}/eks"], env=helm_env, check=True, capture_output=True)
    pulled = subprocess.run([helm, "pull", "eks/aws-load-balancer-controller", "--version", "3.5.0",
                             "-d", str(tmp_path)], env=helm_env, capture_output=True, text=True)
    assert pulled.returncode == 0, pulled.stderr
    assert (tmp_path / "aws-load-balancer-controller-3.5.0.tgz").read_bytes() == \
        (config.chart_mirror / "eks" / "aws-load-balancer-controller-3.5.0.tgz").read_bytes()

    # Read-only, and nothing outside the folder.
    assert requests.get(f"{url}/eks/missing-1.0.0.tgz", timeout=5).status_code == 404
    assert requests.get(f"{url}/%2e%2e/%2e%2e/etc/passwd", timeout=5).status_code == 404
    assert requests.put(f"{url}/eks/index.yaml", data=b"x", timeout=5).status_code == 405
    assert "charts reset" in run_cli(env, "reset").stdout


def test_up_refuses_a_missing_mirror_folder_by_name(env, tmp_path):
    missing = tmp_path / "no-charts"
    started = run_cli(dict(env, EKSFORGE_CHART_MIRROR=str(missing)), "up")
    assert started.returncode == 1
    assert f"chart mirror folder {missing} does not exist: set EKSFORGE_CHART_MIRROR" in started.stderr
    # Nothing was started for a sandbox that cannot serve its charts.
    assert not SandboxConfig.from_env(env).path("aws.pid").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    refused = run_cli(dict(env, EKSFORGE_CHART_MIRROR=str(empty)), "up")
    assert refused.returncode == 1 and "holds no Helm repository" in refused.stderr
