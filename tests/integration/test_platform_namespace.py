"""roles/platform_namespace against a sandbox EKS cluster (tests/integration/playbooks/platform_role.yml, the
platform plays' connection contract): bad input refused before any call, --check writes nothing, create, a second
run changes nothing, destroy and destroy again, and a namespace of that name made by someone else is neither taken
over nor deleted (nor the argocd and shop roles' namespaces). The whole platform layer on the built platform is in
test_site_infra.py."""

from __future__ import annotations

import pytest

from tests.integration.support.asserts import assert_host_failed_with, assert_ran
from tests.integration.support.cluster import client, kubectl_json, make_cluster, run_role, run_role_per_case
from tests.integration.support.constants import LOCAL_PLATFORM
from tests.integration.support.kubernetes import OWNER_LABEL, PLATFORM_NAMESPACE

pytestmark = pytest.mark.slow

BASE = {"platform_role": "platform_namespace"}


@pytest.fixture(scope="module")
def cluster(private_sandbox, tmp_path_factory):
    outputs, env = make_cluster(private_sandbox, "names", "10.63", tmp_path_factory.mktemp("namespace-home"))
    return private_sandbox, outputs, env


def run(cluster, check: bool = False, **variables):
    return run_role(cluster, {**BASE, **variables}, check=check)


def labels(cluster, namespace: str = PLATFORM_NAMESPACE) -> dict | None:
    """The namespace's labels as kubectl sees them, None when it does not exist."""
    found = {item["metadata"]["name"]: item["metadata"].get("labels", {})
             for item in kubectl_json(cluster, "get", "namespaces")["items"]}
    return found.get(namespace)


def test_bad_label_is_refused_before_the_cluster_is_called(cluster):
    bad = run(cluster, platform_namespace_labels={"team": "a b"})
    assert bad.rc != 0 and "platform_namespace_labels entry 'team: a b' is not a Kubernetes label" in bad.output
    assert bad.k8s_writes == [] and labels(cluster) is None


def test_check_create_idempotence_destroy(cluster):
    planned = run(cluster, check=True)
    assert_ran(planned, changed=1)
    assert planned.k8s_writes == [] or all(write["dry_run"] for write in planned.k8s_writes)
    assert labels(cluster) is None

    assert_ran(run(cluster), changed=1)
    made = labels(cluster)
    assert made[OWNER_LABEL] == LOCAL_PLATFORM and made["app.kubernetes.io/managed-by"] == "eksforge.platform"
    assert made["kubernetes.io/metadata.name"] == PLATFORM_NAMESPACE  # set by the API server, not by the role
    assert_ran(run(cluster), changed=0)

    assert_ran(run(cluster, platform_role_tasks="destroy"), changed=1)
    assert labels(cluster) is None
    assert_ran(run(cluster, platform_role_tasks="destroy"), changed=0)


def test_a_namespace_made_by_someone_else_is_neither_taken_over_nor_deleted(cluster):
    made = client(cluster[2], "kubectl", "create", "namespace", PLATFORM_NAMESPACE)
    assert made.returncode == 0, made.stderr
    try:
        taken = run(cluster)
        assert taken.rc != 0
        assert (f"Namespace {PLATFORM_NAMESPACE} exists without the label eksforge.io/platform={LOCAL_PLATFORM}"
                in taken.output)
        kept = run(cluster, platform_role_tasks="destroy")
        assert_ran(kept, changed=0)
        assert OWNER_LABEL not in labels(cluster)
    finally:
        client(cluster[2], "kubectl", "delete", "namespace", PLATFORM_NAMESPACE, "--ignore-not-found")


def test_the_argocd_and_shop_roles_leave_a_namespace_made_by_someone_else_alone(cluster, tmp_path):
    """The same refusal in the roles that own a namespace of their own, checked before they change anything."""
    for namespace in ("argocd", "shop"):
        made = client(cluster[2], "kubectl", "create", "namespace", namespace)
        assert made.returncode == 0, made.stderr
    try:
        run = run_role_per_case(cluster, tmp_path, {"argocd": {"platform_role": "argocd"},
                                                    "shop": {"platform_role": "shop"}})
        for role in ("argocd", "shop"):
            assert_host_failed_with(run, role,
                                    f"Namespace {role} exists without the label {OWNER_LABEL}={LOCAL_PLATFORM}")
        assert run.k8s_writes == [] and run.mutating_calls == []
        assert OWNER_LABEL not in labels(cluster, "argocd") and OWNER_LABEL not in labels(cluster, "shop")
    finally:
        client(cluster[2], "kubectl", "delete", "namespace", "argocd", "shop", "--ignore-not-found")
