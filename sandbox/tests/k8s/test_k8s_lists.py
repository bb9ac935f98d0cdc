"""LIST answers: joined from the encodings the store keeps per resourceVersion, they must say exactly what
encoding the listed objects would say, in every format and for every selection; and the store's objects stay
as written whatever a caller does to the copies it is handed."""

from __future__ import annotations

import json

import pytest
import yaml
from kubernetes import client

from sandbox.k8s import kinds
from sandbox.k8s.objects import ClusterObjects, WriteOptions
from sandbox.k8s.storage import Store, encode

CLUSTER = "us-east-1/lists"
CONFIGMAPS = kinds.builtin("", "v1", "configmaps")
CONFIGMAPS_KEY = (CLUSTER, "", "configmaps")  # where the store keeps them
NAMESPACES = kinds.builtin("", "v1", "namespaces")
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
PARTIAL = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"


def configmap(namespace: str, name: str, tier: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": {"tier": tier}},
            "data": {"greeting": "grüße, 世界", "quote": 'say "hi"\n'}}


@pytest.fixture
def objects() -> ClusterObjects:
    """Two namespaces of ConfigMaps in an in-memory store, and one stored without apiVersion and kind (as a
    write through another served version leaves it), which a list must still present as v1 ConfigMap."""
    cluster = ClusterObjects(Store(None), CLUSTER)
    for namespace in ("alpha", "beta"):
        cluster.create(NAMESPACES, "", {"metadata": {"name": namespace}}, WriteOptions())
        for number in range(4):
            cluster.create(CONFIGMAPS, namespace, configmap(namespace, f"cm-{number}", ("web", "db")[number % 2]),
                           WriteOptions())
    cluster.store.put(CONFIGMAPS_KEY, {"metadata": {"name": "bare", "namespace": "alpha",
                                                              "labels": {"tier": "web"}}, "data": {}})
    return cluster


QUERIES = [  # namespace, labelSelector, fieldSelector, limit
    (None, None, None, 0), ("alpha", None, None, 0), ("beta", None, None, 0), ("gamma", None, None, 0),
    (None, "tier=web", None, 0), ("alpha", "tier!=web", None, 0), (None, None, "metadata.name=cm-1", 0),
    (None, None, "metadata.namespace=beta", 0), (None, None, None, 3), ("alpha", "tier=web", None, 1),
]


@pytest.mark.parametrize("namespace, labels, fields, limit", QUERIES)
def test_encoded_list_is_the_copied_list_encoded(objects, namespace, labels, fields, limit):
    query = (CONFIGMAPS, namespace, labels, fields, limit)
    pages = 0
    while True:
        copied = objects.list(*query)
        assert objects.list_encoded(*query) == encode(copied)
        assert objects.list(*query, shared=True) == copied
        pages += 1
        if "continue" not in copied["metadata"]:
            break
        query = (*query[:5], copied["metadata"]["continue"])
    assert pages > 1 or not limit or labels


def test_the_bare_object_is_presented_in_place(objects):
    listed = json.loads(objects.list_encoded(CONFIGMAPS, "alpha", None, "metadata.name=bare"))
    assert [list(item) for item in listed["items"]] == [["metadata", "data", "apiVersion", "kind"]]
    assert listed["items"][0]["apiVersion"] == "v1" and listed["items"][0]["kind"] == "ConfigMap"


def test_changing_handed_out_copies_leaves_the_store_as_written(objects):
    store, key = objects.store, CONFIGMAPS_KEY
    before = objects.list_encoded(CONFIGMAPS)
    written = store.put(key, configmap("beta", "cm-9", "web"))
    read = store.get(key, "beta", "cm-9")
    listed, _ = store.list(key, "beta")
    removed = store.remove(key, "alpha", "cm-0")
    for copy in (written, read, listed[-1], removed):
        copy["data"]["greeting"] = "changed"
        copy["metadata"]["labels"]["tier"] = "changed"
    events = store.events_after(0)
    assert [e.object["data"]["greeting"] for e in events[-2:]] == ["grüße, 世界"] * 2
    assert store.get(key, "beta", "cm-9")["metadata"]["labels"] == {"tier": "web"}
    after = json.loads(objects.list_encoded(CONFIGMAPS))

    def names(listing: dict) -> set:
        return {(item["metadata"]["namespace"], item["metadata"]["name"]) for item in listing["items"]}
    assert names(after) == names(json.loads(before)) - {("alpha", "cm-0")} | {("beta", "cm-9")}
    assert all(item["data"].get("greeting") in (None, "grüße, 世界") for item in after["items"])


def test_list_formats_agree_over_https(eks, namespace):
    for number in range(5):
        made = eks.request("POST", f"/api/v1/namespaces/{namespace}/configmaps",
                           configmap(namespace, f"cm-{number}", ("web", "db")[number % 2]))
        assert made.status == 201, made.body
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    listed = eks.request("GET", path, headers={"Accept": "application/json"})
    assert listed.status == 200 and listed.headers["Content-Type"] == "application/json"
    as_json = json.loads(listed.body)
    assert as_json["kind"] == "ConfigMapList" and as_json["apiVersion"] == "v1"
    assert int(as_json["metadata"]["resourceVersion"]) >= max(
        int(item["metadata"]["resourceVersion"]) for item in as_json["items"])
    items = as_json["items"]
    assert [item["metadata"]["name"] for item in items] == [f"cm-{number}" for number in range(5)]
    for item in items:
        assert item == eks.request("GET", f"{path}/{item['metadata']['name']}").json()
        assert item["data"]["greeting"] == "grüße, 世界"
    as_yaml = eks.request("GET", path, headers={"Accept": "application/yaml"})
    assert yaml.safe_load(as_yaml.body)["items"] == items
    partial = eks.request("GET", path, headers={"Accept": PARTIAL}).json()
    assert partial["kind"] == "PartialObjectMetadataList"
    assert [entry["metadata"] for entry in partial["items"]] == [item["metadata"] for item in items]
    table = eks.request("GET", f"{path}?labelSelector=tier%3Dweb&includeObject=Object",
                        headers={"Accept": TABLE}).json()
    assert [row["cells"][0] for row in table["rows"]] == ["cm-0", "cm-2", "cm-4"]
    assert [row["object"] for row in table["rows"]] == items[0::2]
    typed = client.CoreV1Api(eks.api_client()).list_namespaced_config_map(namespace, label_selector="tier=db")
    assert [(cm.metadata.name, cm.data["quote"]) for cm in typed.items] == [("cm-1", 'say "hi"\n'),
                                                                            ("cm-3", 'say "hi"\n')]
