"""Fixtures: a real sandbox (`python -m sandbox up`: AWS + the Kubernetes emulator) with one EKS cluster, its
nodegroup and access entries for a few IAM roles."""

from __future__ import annotations

import os
import sys
import uuid

import pytest

from sandbox.config import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SandboxConfig
from sandbox.harness import EksCluster, create_cluster
from sandbox.tests.k8s.k8s_helpers import BIN, run, set_clock


@pytest.fixture(scope="session")
def eks(tmp_path_factory) -> EksCluster:
    state_dir = tmp_path_factory.mktemp("k8s-sandbox")
    # Port 0: any free port (two pytest workers picking from one small range would race for the same ports).
    env = dict(os.environ, EKSFORGE_SANDBOX_DIR=str(state_dir), EKSFORGE_SANDBOX_AWS_PORT="0",
               EKSFORGE_SANDBOX_K8S_PORT="0", EKSFORGE_SANDBOX_GIT_PORT="0", EKSFORGE_SANDBOX_CHARTS_PORT="0",
               PATH=f"{BIN}:{os.environ['PATH']}")
    started = run([sys.executable, "-m", "sandbox", "up"], env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    cluster = EksCluster(SandboxConfig.from_env(env), env, tmp_path_factory.mktemp("k8s-clients"))
    cluster.credentials["admin"] = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
    try:
        roles = create_cluster(cluster)
        sts = cluster.boto3("sts")
        for name in ("viewer", "team-editor", "outsider"):
            creds = sts.assume_role(RoleArn=roles[name], RoleSessionName=f"{name}-session")["Credentials"]
            cluster.credentials[name] = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        yield cluster
    finally:
        stopped = run([sys.executable, "-m", "sandbox", "down"], env=env)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@pytest.fixture
def namespace(eks: EksCluster) -> str:
    """A fresh namespace per test, so tests sharing the cluster never see each other's objects."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    created = eks.kubectl("create", "namespace", name)
    assert created.returncode == 0, created.stderr
    return name


@pytest.fixture
def moved_clock(eks):
    """Moves the emulator's clock; puts it back afterwards (other tests of this worker share the emulator)."""
    yield lambda offset: set_clock(eks, offset)
    set_clock(eks, 0)
