"""ECK (Elastic Cloud on Kubernetes, chart elastic/eck-operator): Elasticsearch and Kibana resources.

While the chart's `elastic-operator` StatefulSet is ready, an Elasticsearch gets what ECK makes for it, under
ECK's names and labels: per nodeSet a StatefulSet `<name>-es-<nodeSet>` (with its volumeClaimTemplates, default
`elasticsearch-data` 1Gi) and its headless Service; the `<name>-es-http` (9200) and headless
`<name>-es-transport` (9300) Services; the Secrets `<name>-es-elastic-user` (key `elastic`: the superuser's
password) and `<name>-es-http-certs-public` (`ca.crt`, `tls.crt`). Its volume claims are owned by it
(ECK's default volumeClaimDeletePolicy DeleteOnScaledownAndClusterDeletion), so deleting it removes them too.
The status reports `health: green`, `phase: Ready` once every pod of every nodeSet is ready at the current
spec. A Kibana gets the Deployment `<name>-kb`, the Service `<name>-kb-http` (5601) and `health: green` once its
pods are ready.

Simplifications: the passwords and certificates are stable placeholders derived from the resource's uid (no
Elasticsearch runs to use them); a spec change rolls the StatefulSet through its RollingUpdate strategy, where
ECK uses OnDelete and deletes the pods itself one by one.
"""

from __future__ import annotations

import base64
import json

from ..context import short_hash
from ..stages import Gate, Stage

GATE = Gate("StatefulSet", {"app.kubernetes.io/name": "elastic-operator"})
ES_API = "elasticsearch.k8s.elastic.co/v1"
KB_API = "kibana.k8s.elastic.co/v1"
CLUSTER_LABEL = "elasticsearch.k8s.elastic.co/cluster-name"
STATEFUL_SET_LABEL = "elasticsearch.k8s.elastic.co/statefulset-name"
TYPE_LABEL = "common.k8s.elastic.co/type"
KIBANA_LABEL = "kibana.k8s.elastic.co/name"
CONFIG_HASH = "elasticsearch.k8s.elastic.co/config-hash"
DEFAULT_CLAIM = {"metadata": {"name": "elasticsearch-data"},
                 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _placeholder_pem(obj: dict, purpose: str) -> str:
    body = _b64(f"eck simulated {purpose} for {obj['metadata']['uid']}" * 4)
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + \
        "\n-----END CERTIFICATE-----\n"


def _meta(name: str, labels: dict) -> dict:
    return {"name": name, "labels": labels}


def _service(name: str, labels: dict, selector: dict, port: int, port_name: str, headless: bool = False) -> dict:
    spec = {"selector": selector, "ports": [{"name": port_name, "port": port, "protocol": "TCP",
                                             "targetPort": port}]}
    if headless:
        spec["clusterIP"] = "None"
        spec["publishNotReadyAddresses"] = True
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name, labels), "spec": spec}


def _secret(name: str, labels: dict, data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(name, labels), "type": "Opaque",
            "data": {k: _b64(v) for k, v in data.items()}}


def _main_container(template: dict, name: str, image: str, ports: list[dict]) -> dict:
    """The pod template with the product's container (the user's podTemplate container of that name merged in)."""
    template = json.loads(json.dumps(template or {}))
    spec = template.setdefault("spec", {})
    containers = spec.setdefault("containers", [])
    main = next((c for c in containers if c.get("name") == name), None)
    if main is None:
        main = {"name": name}
        containers.insert(0, main)
    main.setdefault("image", image)
    main.setdefault("ports", ports)
    return template


# --- Elasticsearch --------------------------------------------------------------------------------------------

def _es_children(es: dict) -> list[dict]:
    name, spec = es["metadata"]["name"], es.get("spec") or {}
    cluster = {TYPE_LABEL: "elasticsearch", CLUSTER_LABEL: name}
    version = spec.get("version", "")
    children = [
        _service(f"{name}-es-http", cluster, cluster, 9200, "https"),
        _service(f"{name}-es-transport", cluster, cluster, 9300, "tls-transport", headless=True),
        _secret(f"{name}-es-elastic-user", cluster, {"elastic": short_hash([es["metadata"]["uid"], "elastic"], 24)}),
        _secret(f"{name}-es-http-certs-public", cluster,
                {"ca.crt": _placeholder_pem(es, "http CA"), "tls.crt": _placeholder_pem(es, "http certificate")}),
    ]
    for node_set in spec.get("nodeSets") or []:
        sts_name = f"{name}-es-{node_set['name']}"
        labels = {**cluster, STATEFUL_SET_LABEL: sts_name}
        children.append(_service(sts_name, labels, labels, 9200, "https", headless=True))
        children.append(_stateful_set(es, node_set, sts_name, labels, version))
    return children


def _stateful_set(es: dict, node_set: dict, name: str, labels: dict, version: str) -> dict:
    template = _main_container(node_set.get("podTemplate"), "elasticsearch",
                               f"docker.elastic.co/elasticsearch/elasticsearch:{version}",
                               [{"name": "https", "containerPort": 9200}, {"name": "transport", "containerPort": 9300}])
    meta = template.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), **labels}
    # ECK rolls the nodes when their configuration changes: its hash is part of the pod template.
    config = {"config": node_set.get("config") or {}, "version": version, "http": (es.get("spec") or {}).get("http")}
    meta["annotations"] = {**(meta.get("annotations") or {}), CONFIG_HASH: short_hash(config)}
    zones = node_set.get("zoneAwareness")
    if zones is not None:
        topology_key = zones.get("topologyKey") or "topology.kubernetes.io/zone"
        template["spec"]["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": topology_key, "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": labels}}]
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta(name, labels), "spec": {
        "replicas": node_set.get("count", 1), "serviceName": name, "podManagementPolicy": "Parallel",
        "selector": {"matchLabels": {CLUSTER_LABEL: labels[CLUSTER_LABEL], STATEFUL_SET_LABEL: name}},
        "template": template,
        "volumeClaimTemplates": node_set.get("volumeClaimTemplates") or [DEFAULT_CLAIM]}}


def _es_status(es: dict, owned: list[dict]) -> dict:
    spec = es.get("spec") or {}
    wanted = sum(n.get("count", 1) for n in spec.get("nodeSets") or [])
    sets = [o for o in owned if o["kind"] == "StatefulSet"]
    ready = sum((s.get("status") or {}).get("readyReplicas", 0) for s in sets)
    settled = len(sets) == len(spec.get("nodeSets") or []) and all(_settled(s) for s in sets)
    green = settled and ready == wanted > 0
    health = "green" if green else "yellow" if ready else "unknown"
    return {"availableNodes": ready, "health": health, "phase": "Ready" if green else "ApplyingChanges",
            "version": spec.get("version", ""), "observedGeneration": es["metadata"].get("generation", 1),
            "conditions": [{"type": "ReconciliationComplete", "status": "True" if green else "False"},
                           {"type": "ElasticsearchIsReachable", "status": "True" if ready else "False"}]}


def _settled(workload: dict) -> bool:
    """Whether every replica runs the workload's current spec and is ready."""
    status, wanted = workload.get("status") or {}, (workload.get("spec") or {}).get("replicas", 1)
    ready = status.get("readyReplicas", status.get("availableReplicas", 0))
    return status.get("observedGeneration", 0) >= workload["metadata"].get("generation", 1) and \
        status.get("updatedReplicas", 0) == wanted and ready == wanted and status.get("replicas", 0) == wanted


# --- Kibana -----------------------------------------------------------------------------------------------------

def _kb_children(kb: dict) -> list[dict]:
    name, spec = kb["metadata"]["name"], kb.get("spec") or {}
    labels = {TYPE_LABEL: "kibana", KIBANA_LABEL: name}
    template = _main_container(spec.get("podTemplate"), "kibana",
                               f"docker.elastic.co/kibana/kibana:{spec.get('version', '')}",
                               [{"name": "https", "containerPort": 5601}])
    meta = template.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), **labels}
    meta["annotations"] = {**(meta.get("annotations") or {}),
                           "kibana.k8s.elastic.co/config-hash": short_hash([spec.get("config"), spec.get("version")])}
    return [
        _service(f"{name}-kb-http", labels, labels, 5601, "https"),
        _secret(f"{name}-kb-http-certs-public", labels,
                {"ca.crt": _placeholder_pem(kb, "http CA"), "tls.crt": _placeholder_pem(kb, "http certificate")}),
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(f"{name}-kb", labels), "spec": {
            "replicas": spec.get("count", 1), "selector": {"matchLabels": labels}, "template": template}},
    ]


def _kb_status(kb: dict, owned: list[dict]) -> dict:
    spec = kb.get("spec") or {}
    deployment = next((o for o in owned if o["kind"] == "Deployment"), None)
    available = ((deployment or {}).get("status") or {}).get("availableReplicas", 0)
    green = deployment is not None and _settled(deployment)
    status = {"availableNodes": available, "count": spec.get("count", 1), "health": "green" if green else "red",
              "version": spec.get("version", ""), "observedGeneration": kb["metadata"].get("generation", 1),
              "selector": f"{TYPE_LABEL}=kibana,{KIBANA_LABEL}={kb['metadata']['name']}"}
    if spec.get("elasticsearchRef"):
        status["associationStatus"] = "Established"
    return status


STAGES = (
    Stage("eck-elasticsearch", ES_API, "Elasticsearch", GATE, _es_status, children=_es_children,
          claims=lambda es: {CLUSTER_LABEL: es["metadata"]["name"]}),
    Stage("eck-kibana", KB_API, "Kibana", GATE, _kb_status, children=_kb_children),
)
