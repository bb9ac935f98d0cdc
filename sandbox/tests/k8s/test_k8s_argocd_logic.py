"""Pure logic of the simulated Argo CD: repository credentials, source types, health checks, the comparison."""

from __future__ import annotations

import base64

from sandbox.k8s.controllers.operators import argocd_health
from sandbox.k8s.controllers.operators.argocd import _contains, _normalized, _sync_order
from sandbox.k8s.controllers.operators.argocd_repository import credentials, source_type


def encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(kind: str, url: str, username: str, password: str) -> dict:
    return {"metadata": {"labels": {"argocd.argoproj.io/secret-type": kind}},
            "data": {"url": encode(url), "username": encode(username), "password": encode(password)}}


def test_repository_secrets_match_by_url_then_the_longest_credential_template():
    secrets = [secret("repo-creds", "https://git.example.com/", "all", "a"),
               secret("repo-creds", "https://git.example.com/team/", "team", "t"),
               secret("repository", "https://git.example.com/team/app.git", "app", "p")]
    assert credentials(secrets, "https://git.example.com/team/app") == {"username": "app", "password": "p"}
    assert credentials(secrets, "https://git.example.com/team/other.git") == {"username": "team", "password": "t"}
    assert credentials(secrets, "https://git.example.com/x.git") == {"username": "all", "password": "a"}
    assert credentials(secrets, "https://elsewhere.example.com/x.git") == {}


def test_source_type_follows_explicit_fields_then_the_files(tmp_path):
    assert source_type({"chart": "redis"}, None) == "Helm"
    assert source_type({"kustomize": {"namePrefix": "a-"}}, tmp_path) == "Kustomize"
    assert source_type({}, tmp_path) == "Directory"
    (tmp_path / "Chart.yaml").write_text("name: x\n")
    assert source_type({}, tmp_path) == "Helm"
    (tmp_path / "kustomization.yaml").write_text("resources: []\n")
    assert source_type({}, tmp_path) == "Kustomize"


def deployment(**status) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cart", "generation": 2},
            "spec": {"replicas": 2}, "status": {"observedGeneration": 2, **status}}


def test_deployment_health_as_gitops_engine_reads_it():
    assert argocd_health.health(deployment(replicas=2, updatedReplicas=2, availableReplicas=2)) == {
        "status": "Healthy"}
    assert argocd_health.health(deployment(replicas=2, updatedReplicas=2, availableReplicas=1))["status"] == \
        "Progressing"
    exceeded = deployment(conditions=[{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}])
    assert argocd_health.health(exceeded) == {"status": "Degraded",
                                              "message": 'Deployment "cart" exceeded its progress deadline'}
    stale = deployment(replicas=2, updatedReplicas=2, availableReplicas=2, observedGeneration=1)
    assert argocd_health.health(stale)["status"] == "Progressing"


def test_pods_services_and_applications():
    pulling = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Pending",
               "containerStatuses": [{"state": {"waiting": {"reason": "ImagePullBackOff", "message": "not found"}}}]}}
    assert argocd_health.health(pulling) == {"status": "Degraded", "message": "not found"}
    balancer = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "LoadBalancer"}}
    assert argocd_health.health(balancer) == {"status": "Progressing"}
    assert argocd_health.health({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}) is None
    child = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"},
             "status": {"health": {"status": "Degraded"}}}
    assert argocd_health.health(child) is None  # no health for Applications unless argocd-cm customizes it
    assert argocd_health.health(child, {argocd_health.APPLICATION_HEALTH_KEY: "..."})["status"] == "Degraded"
    assert argocd_health.worst(["Healthy", "Missing", "Progressing"]) == "Missing"
    assert argocd_health.worst([]) == "Healthy"


def test_comparison_ignores_defaulted_fields_and_orders_the_sync():
    live = {"spec": {"replicas": 3, "strategy": {"type": "RollingUpdate"}, "ports": [{"port": 80, "protocol": "TCP"}]}}
    assert _contains(live, {"spec": {"ports": [{"port": 80}]}})
    assert not _contains(live, {"spec": {"replicas": 1}})
    assert not _contains(live, {"spec": {"ports": [{"port": 80}, {"port": 81}]}})
    assert _normalized({"apiVersion": "v1", "kind": "Secret", "stringData": {"a": "b"}}) == {
        "apiVersion": "v1", "kind": "Secret", "data": {"a": "Yg=="}}
    objects = [{"kind": "Deployment", "metadata": {"name": "d"}}, {"kind": "Namespace", "metadata": {"name": "n"}},
               {"kind": "ConfigMap", "metadata": {"name": "late", "annotations": {"argocd.argoproj.io/sync-wave": "1"}}},
               {"kind": "Widget", "metadata": {"name": "w"}}, {"kind": "Service", "metadata": {"name": "s"}}]
    assert [o["metadata"]["name"] for o in sorted(objects, key=_sync_order)] == ["n", "s", "d", "w", "late"]
