"""roles/helm_release: one pinned chart from the sandbox's chart mirror into an EKS cluster, the way every
platform role installs charts, read back with the real helm client."""

from __future__ import annotations

import json
import subprocess

import pytest

from sandbox import harness
from tests.integration.support.asserts import assert_idempotent, assert_ran, wait_for
from tests.integration.support.constants import REGION
from tests.integration.support.cluster import client, make_cluster

PLAYBOOK = "tests/integration/playbooks/helm_release.yml"
CLUSTER = "charts"
RELEASE = {"helm_release_chart": "metrics-server", "helm_release_name": "metrics-server",
           "helm_release_namespace": "metrics"}


@pytest.fixture(scope="module")
def cluster(private_sandbox, tmp_path_factory):
    """An EKS cluster with two nodes made with boto3; yields (sandbox, eks_outputs, helm environment)."""
    outputs, env = make_cluster(private_sandbox, CLUSTER, "10.61", tmp_path_factory.mktemp("helm-home"))
    yield private_sandbox, outputs, env


def run(cluster, check: bool = False, **variables):
    sandbox, outputs, _ = cluster
    return harness.run_playbook(sandbox, PLAYBOOK, check=check, diff=check,
                                extra_vars={"eks_outputs": outputs, "aws_region": REGION, **RELEASE, **variables})


def helm(cluster, *args: str) -> subprocess.CompletedProcess:
    return client(cluster[2], "helm", *args)


def releases(cluster) -> list[dict]:
    listed = helm(cluster, "list", "--all-namespaces", "--all", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def test_install_upgrade_and_uninstall_from_the_mirror(cluster):
    planned = run(cluster, check=True)
    assert_ran(planned, changed=1)
    assert releases(cluster) == []  # --check installed nothing, and needed no earlier run

    installed = run(cluster)
    assert_ran(installed, changed=1)
    [release] = releases(cluster)
    assert (release["name"], release["namespace"], release["chart"], release["status"]) == (
        "metrics-server", "metrics", "metrics-server-3.13.1", "deployed")
    status = json.loads(helm(cluster, "status", "metrics-server", "-n", "metrics", "-o", "json").stdout)
    assert status["info"]["status"] == "deployed"

    assert_idempotent(run(cluster))

    upgraded = run(cluster, helm_release_values={"replicas": 2})
    assert_ran(upgraded, changed=1)
    [release] = releases(cluster)
    assert release["revision"] == "2"
    values = json.loads(helm(cluster, "get", "values", "metrics-server", "-n", "metrics", "-o", "json").stdout)
    assert values == {"replicas": 2}
    assert_idempotent(run(cluster, helm_release_values={"replicas": 2}))

    assert_ran(run(cluster, helm_release_state="absent"), changed=1)
    assert wait_for(lambda: releases(cluster), lambda found: found == [], timeout=30) == []
    assert_idempotent(run(cluster, helm_release_state="absent"))


@pytest.mark.parametrize(("variables", "message"), [
    ({"helm_release_chart": "argo"},
     "helm_release_chart 'argo' is not in the pin table (roles/helm_release/vars/main.yml); use one of amazon-cloudwatch-observability, argo-cd,"),
    ({"helm_chart_repositories": {"argo": "https://example.invalid/argo"}},
     "helm_chart_repositories has no URL for the repository alias 'metrics-server' (chart metrics-server): add "
     "`metrics-server: <https:// or oci:// URL>` to helm_chart_repositories in the inventory"),
    ({"helm_release_name": "Metrics_Server"}, "helm_release_name must be a DNS-1123 label of at most 53 characters"),
    ({"helm_release_version": "latest"},
     "helm_release_version must be empty (the pinned version) or a semantic version such as 1.2.3, got 'latest'"),
])
def test_bad_input_is_refused_before_the_cluster_is_called(cluster, variables, message):
    refused = run(cluster, **variables)
    assert refused.rc != 0 and refused.failed == 1, refused.output[-3000:]
    assert message in " ".join(refused.output.split()), refused.output[-3000:]
    assert "TASK [eksforge.platform.helm_release : Release of the pinned chart" not in refused.output
