"""The simulated ECK operator (sandbox/k8s/controllers/operators/eck.py) behind the real eck-operator chart 3.5.0,
installed with helm from the chart mirror: nothing happens before its StatefulSet is ready; then an Elasticsearch
gets ECK's StatefulSets, volume claims, Services and Secrets and turns green, a Kibana its Deployment and
Service; a spec change rolls the StatefulSet; deleting the resources removes what was made for them."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest
from kubernetes import client

from sandbox.config import REPO_ROOT
from sandbox.tests.k8s.k8s_helpers import BIN, run, wait_until

MIRROR = Path(os.environ.get("EKSFORGE_CHART_MIRROR") or REPO_ROOT.parent / "shared" / "charts")
CHART = MIRROR / "elastic" / "eck-operator-3.5.0.tgz"
NAMESPACE = "logging"
ES, KB = ("elasticsearch.k8s.elastic.co", "v1", "elasticsearches"), ("kibana.k8s.elastic.co", "v1", "kibanas")


def _elasticsearch(memory: str) -> dict:
    claim = {"metadata": {"name": "elasticsearch-data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}
    pod = {"spec": {"containers": [{"name": "elasticsearch", "resources": {"limits": {"memory": memory}}}]}}
    return {"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch", "metadata": {"name": "logs"},
            "spec": {"version": "9.2.0", "nodeSets": [
                {"name": "master", "count": 3, "config": {"node.roles": ["master"]}, "podTemplate": pod,
                 "volumeClaimTemplates": [claim], "zoneAwareness": {}},
                {"name": "data", "count": 1, "config": {"node.roles": ["data"]}}]}}


@pytest.fixture(scope="module")
def eck(eks):
    """The cluster with the Elasticsearch `logs` created before the chart is installed (so the gate is seen shut)."""
    api = eks.api_client()
    custom = client.CustomObjectsApi(api)
    installed = run([BIN / "helm", "install", "eck", CHART, "--namespace", "elastic-system",
                     "--create-namespace", "--set", "replicaCount=0", "--kubeconfig", eks.kubeconfig()],
                    env=eks.env)
    assert installed.returncode == 0, installed.stderr
    client.CoreV1Api(api).create_namespace({"metadata": {"name": NAMESPACE}})
    custom.create_namespaced_custom_object(*ES[:2], NAMESPACE, ES[2], _elasticsearch("2Gi"))
    yield eks, api
    run([BIN / "helm", "uninstall", "eck", "--namespace", "elastic-system", "--kubeconfig", eks.kubeconfig()],
        env=eks.env)


def _get(custom, kind, name):
    return custom.get_namespaced_custom_object(*kind[:2], NAMESPACE, kind[2], name)


def test_elasticsearch_and_kibana_once_the_operator_is_ready(eck):
    eks, api = eck
    apps, core, custom = client.AppsV1Api(api), client.CoreV1Api(api), client.CustomObjectsApi(api)
    time.sleep(1.0)  # several controller passes: the operator's StatefulSet has 0 replicas, the gate is shut
    assert not apps.list_namespaced_stateful_set(NAMESPACE).items
    assert "status" not in _get(custom, ES, "logs")

    upgraded = run([BIN / "helm", "upgrade", "eck", CHART, "--namespace", "elastic-system", "--wait",
                    "--set", "replicaCount=1",
                    "--kubeconfig", eks.kubeconfig()], env=eks.env)
    assert upgraded.returncode == 0, upgraded.stderr
    status = wait_until(lambda: (_get(custom, ES, "logs").get("status") or {}).get("phase") == "Ready"
                        and _get(custom, ES, "logs")["status"], timeout=60)
    assert (status["health"], status["availableNodes"], status["version"]) == ("green", 4, "9.2.0")

    master = apps.read_namespaced_stateful_set("logs-es-master", NAMESPACE)
    assert master.spec.replicas == 3 and master.spec.service_name == "logs-es-master"
    assert master.spec.template.spec.topology_spread_constraints[0].topology_key == "topology.kubernetes.io/zone"
    container = master.spec.template.spec.containers[0]
    assert (container.image, container.resources.limits["memory"]) == \
        ("docker.elastic.co/elasticsearch/elasticsearch:9.2.0", "2Gi")
    assert apps.read_namespaced_stateful_set("logs-es-data", NAMESPACE).spec.replicas == 1
    claims = {c.metadata.name: c for c in core.list_namespaced_persistent_volume_claim(NAMESPACE).items}
    assert sorted(claims) == ["elasticsearch-data-logs-es-data-0", *(f"elasticsearch-data-logs-es-master-{i}"
                                                                     for i in range(3))]
    assert claims["elasticsearch-data-logs-es-master-0"].spec.resources.requests["storage"] == "5Gi"
    assert all(c.metadata.owner_references[-1].kind == "Elasticsearch" for c in claims.values())

    services = {s.metadata.name: s for s in core.list_namespaced_service(NAMESPACE).items}
    assert services["logs-es-http"].spec.ports[0].port == 9200
    assert services["logs-es-transport"].spec.cluster_ip == "None"
    assert services["logs-es-transport"].spec.ports[0].port == 9300
    user = core.read_namespaced_secret("logs-es-elastic-user", NAMESPACE)
    assert len(base64.b64decode(user.data["elastic"])) == 24
    certs = core.read_namespaced_secret("logs-es-http-certs-public", NAMESPACE)
    assert base64.b64decode(certs.data["ca.crt"]).startswith(b"-----BEGIN CERTIFICATE-----")
    assert set(certs.data) == {"ca.crt", "tls.crt"}

    # A spec change rolls the StatefulSet: new pods at the new template, then green again.
    before = master.status.update_revision
    version = _get(custom, ES, "logs")["metadata"]["resourceVersion"]
    custom.replace_namespaced_custom_object(*ES[:2], NAMESPACE, ES[2], "logs", {
        **_elasticsearch("3Gi"), "metadata": {"name": "logs", "resourceVersion": version}})
    wait_until(lambda: apps.read_namespaced_stateful_set("logs-es-master", NAMESPACE).status.update_revision != before)
    wait_until(lambda: _get(custom, ES, "logs")["status"]["observedGeneration"] == 2
               and _get(custom, ES, "logs")["status"]["health"] == "green", timeout=60)
    pods = core.list_namespaced_pod(NAMESPACE, label_selector="elasticsearch.k8s.elastic.co/statefulset-name="
                                                              "logs-es-master").items
    assert {p.spec.containers[0].resources.limits["memory"] for p in pods} == {"3Gi"}

    custom.create_namespaced_custom_object(*KB[:2], NAMESPACE, KB[2], {
        "apiVersion": "kibana.k8s.elastic.co/v1", "kind": "Kibana", "metadata": {"name": "logs"},
        "spec": {"version": "9.2.0", "count": 1, "elasticsearchRef": {"name": "logs"}}})
    kibana = wait_until(lambda: (_get(custom, KB, "logs").get("status") or {}).get("health") == "green"
                        and _get(custom, KB, "logs")["status"], timeout=60)
    assert (kibana["availableNodes"], kibana["associationStatus"]) == (1, "Established")
    assert apps.read_namespaced_deployment("logs-kb", NAMESPACE).spec.template.spec.containers[0].image == \
        "docker.elastic.co/kibana/kibana:9.2.0"
    assert core.read_namespaced_service("logs-kb-http", NAMESPACE).spec.ports[0].port == 5601

    # Deleting the resources removes what was made for them, volume claims and their volumes included.
    volumes = {c.spec.volume_name for c in core.list_namespaced_persistent_volume_claim(NAMESPACE).items}
    custom.delete_namespaced_custom_object(*ES[:2], NAMESPACE, ES[2], "logs")
    custom.delete_namespaced_custom_object(*KB[:2], NAMESPACE, KB[2], "logs")

    def leftovers():
        return [o.metadata.name for listing in (apps.list_namespaced_stateful_set, apps.list_namespaced_deployment,
                                                core.list_namespaced_persistent_volume_claim, core.list_namespaced_pod)
                for o in listing(NAMESPACE).items] + \
            [s.metadata.name for s in core.list_namespaced_service(NAMESPACE).items] + \
            [s.metadata.name for s in core.list_namespaced_secret(NAMESPACE).items
             if s.metadata.name.startswith("logs")] + \
            [v.metadata.name for v in core.list_persistent_volume().items if v.metadata.name in volumes]
    wait_until(lambda: not leftovers(), timeout=30)
