"""Fixtures for the sandbox's own tests: a real sandbox in a temporary folder on free ports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.client import SandboxClient
from sandbox.config import REPO_ROOT, SandboxConfig


def sandbox_env(state_dir: Path) -> dict[str, str]:
    return dict(os.environ, EKSFORGE_SANDBOX_DIR=str(state_dir), EKSFORGE_SANDBOX_AWS_PORT="0",
                EKSFORGE_SANDBOX_K8S_PORT="0", EKSFORGE_SANDBOX_CHARTS_PORT="0")


def run_cli(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    """`python -m sandbox <arguments>` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "sandbox", *arguments], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def running_sandbox(tmp_path_factory) -> SandboxConfig:
    """One sandbox for the whole session, started and stopped through the CLI."""
    env = sandbox_env(tmp_path_factory.mktemp("sandbox"))
    started = run_cli(env, "up")
    assert started.returncode == 0, started.stdout + started.stderr
    yield SandboxConfig.from_env(env)
    stopped = run_cli(env, "down")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@pytest.fixture
def sandbox(running_sandbox: SandboxConfig) -> SandboxClient:
    """The session sandbox with every resource, counter and fault cleared."""
    client = SandboxClient(running_sandbox)
    client.reset()
    return client
