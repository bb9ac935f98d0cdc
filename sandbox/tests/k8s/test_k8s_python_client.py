"""The kubernetes Python client (DynamicClient and typed APIs): CRUD, selectors, paging, dry run, watch,
server-side apply, finalizers and garbage collection."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from kubernetes import client, dynamic, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import ConflictError, DynamicApiError, NotFoundError

from sandbox.tests.k8s.k8s_helpers import wait_until


@pytest.fixture
def dyn(eks):
    return dynamic.DynamicClient(eks.api_client())


def configmap(name: str, labels: dict | None = None, **meta) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": labels or {}, **meta}, "data": {"k": "v"}}


def test_create_get_replace_delete(dyn, namespace):
    api = dyn.resources.get(api_version="v1", kind="ConfigMap")
    created = api.create(body=configmap("one"), namespace=namespace)
    assert created.metadata.uid and created.metadata.resourceVersion
    with pytest.raises(ConflictError) as exists:
        api.create(body=configmap("one"), namespace=namespace)
    assert exists.value.status == 409 and "AlreadyExists" in exists.value.body
    current = api.get(name="one", namespace=namespace).to_dict()
    current["data"] = {"k": "changed"}
    replaced = api.replace(body=current, namespace=namespace)
    assert int(replaced.metadata.resourceVersion) > int(created.metadata.resourceVersion)
    with pytest.raises(ConflictError):  # the old resourceVersion no longer matches
        api.replace(body={**current, "metadata": {**current["metadata"],
                                                  "resourceVersion": created.metadata.resourceVersion}},
                    namespace=namespace)
    api.delete(name="one", namespace=namespace)
    with pytest.raises(NotFoundError):
        api.get(name="one", namespace=namespace)


def test_label_and_field_selectors_and_paging(dyn, namespace):
    api = dyn.resources.get(api_version="v1", kind="ConfigMap")
    for index, tier in enumerate(["web", "web", "db", "cache"]):
        api.create(body=configmap(f"cm-{index}", {"tier": tier, **({"canary": "yes"} if index == 0 else {})}),
                   namespace=namespace)

    def names(**selectors):
        return sorted(i.metadata.name for i in api.get(namespace=namespace, **selectors).items)

    assert names(label_selector="tier=web") == ["cm-0", "cm-1"]
    assert names(label_selector="tier==db") == ["cm-2"]
    assert names(label_selector="tier!=web,tier") == ["cm-2", "cm-3"]
    assert names(label_selector="tier in (db, cache)") == ["cm-2", "cm-3"]
    assert names(label_selector="tier notin (web),tier") == ["cm-2", "cm-3"]
    assert names(label_selector="canary") == ["cm-0"]
    assert names(label_selector="!canary,tier=web") == ["cm-1"]
    assert names(field_selector="metadata.name=cm-3") == ["cm-3"]
    assert names(field_selector="metadata.name!=cm-3,metadata.namespace=" + namespace) == ["cm-0", "cm-1", "cm-2"]
    first = api.get(namespace=namespace, limit=3)
    assert len(first.items) == 3 and first.metadata["continue"] and first.metadata.remainingItemCount == 1
    rest = api.get(namespace=namespace, limit=3, _continue=first.metadata["continue"])
    assert [i.metadata.name for i in rest.items] == ["cm-3"] and not rest.metadata["continue"]


def test_dry_run_does_not_persist(dyn, namespace):
    api = dyn.resources.get(api_version="v1", kind="ConfigMap")
    answer = api.create(body=configmap("dry"), namespace=namespace, query_params=[("dryRun", "All")])
    assert answer.metadata.name == "dry"
    with pytest.raises(NotFoundError):
        api.get(name="dry", namespace=namespace)


def test_invalid_name_is_422_naming_the_field(dyn, namespace):
    api = dyn.resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(DynamicApiError) as invalid:
        api.create(body=configmap("Not_Valid"), namespace=namespace)
    assert invalid.value.status == 422
    assert '"field":"metadata.name"' in invalid.value.body.replace(" ", "")


def test_server_side_apply(dyn, namespace):
    api = dyn.resources.get(api_version="v1", kind="ConfigMap")
    applied = api.server_side_apply(body=configmap("applied"), namespace=namespace, field_manager="pytest")
    assert [(e.manager, e.operation) for e in applied.metadata.managedFields] == [("pytest", "Apply")]
    unchanged = api.server_side_apply(body=configmap("applied"), namespace=namespace, field_manager="pytest")
    assert unchanged.metadata.resourceVersion == applied.metadata.resourceVersion  # a no-op apply writes nothing
    body = configmap("applied")
    body["data"] = {"other": "x"}
    again = api.server_side_apply(body=body, namespace=namespace, field_manager="pytest")
    assert dict(again.data) == {"other": "x"}  # "k" was only applied by pytest, so it is removed


def test_watch_streams_added_modified_deleted(eks, namespace):
    core = client.CoreV1Api(eks.api_client())
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    events = []

    def collect():
        for event in watch.Watch().stream(core.list_namespaced_config_map, namespace, resource_version=start,
                                          timeout_seconds=10):
            events.append((event["type"], event["object"].metadata.name))
            if event["type"] == "DELETED":
                return

    reader = threading.Thread(target=collect)
    reader.start()
    core.create_namespaced_config_map(namespace, configmap("watched"))
    core.patch_namespaced_config_map("watched", namespace, {"data": {"k": "2"}})
    core.delete_namespaced_config_map("watched", namespace)
    reader.join(timeout=15)
    assert [e for e in events if e[1] == "watched"] == [("ADDED", "watched"), ("MODIFIED", "watched"),
                                                        ("DELETED", "watched")]



def test_watch_bookmarks_carry_only_the_resource_version(eks, namespace):
    core = client.CoreV1Api(eks.api_client())
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    # A change the watch filters out: the bookmark still moves the client past it.
    skipped = core.create_namespaced_config_map(namespace, configmap("unlabelled"))

    def watch_for_3s(allow_bookmarks: bool) -> tuple[watch.Watch, list[dict]]:
        # The server bookmarks 2 s before timeoutSeconds (as the apiserver does), so after about 1 s here.
        watcher = watch.Watch()
        events = list(watcher.stream(core.list_namespaced_config_map, namespace, label_selector="app=marked",
                                     resource_version=start, allow_watch_bookmarks=allow_bookmarks,
                                     timeout_seconds=3))
        return watcher, events

    with ThreadPoolExecutor(2) as pool:
        (watcher, events), (_, unasked) = pool.map(watch_for_3s, (True, False))
    assert [event["type"] for event in events] == ["BOOKMARK"] and unasked == []
    bookmark = events[0]["raw_object"]
    assert bookmark == {"kind": "ConfigMap", "apiVersion": "v1",
                        "metadata": {"resourceVersion": bookmark["metadata"]["resourceVersion"]}}
    assert int(bookmark["metadata"]["resourceVersion"]) >= int(skipped.metadata.resource_version)
    assert watcher.resource_version == bookmark["metadata"]["resourceVersion"]  # the client resumes from there


def test_watch_list_ends_its_initial_events_with_an_annotated_bookmark(eks, namespace):
    core = client.CoreV1Api(eks.api_client())
    for name in ("a", "b"):
        core.create_namespaced_config_map(namespace, configmap(name))
    listed = core.list_namespaced_config_map(namespace).metadata.resource_version
    events = list(watch.Watch().stream(core.list_namespaced_config_map, namespace, send_initial_events=True,
                                       resource_version_match="NotOlderThan", allow_watch_bookmarks=True,
                                       timeout_seconds=1))
    assert [(event["type"], event["raw_object"]["metadata"].get("name")) for event in events] == [
        ("ADDED", "a"), ("ADDED", "b"), ("BOOKMARK", None)]
    end = events[2]["raw_object"]["metadata"]
    assert end == {"resourceVersion": end["resourceVersion"], "annotations": {"k8s.io/initial-events-end": "true"}}
    assert int(end["resourceVersion"]) >= int(listed)  # controllers may write in between

def test_finalizers_hold_deletion_until_removed(eks, namespace):
    core = client.CoreV1Api(eks.api_client())
    core.create_namespaced_config_map(namespace, configmap("held", finalizers=["example.com/hold"]))
    core.delete_namespaced_config_map("held", namespace)
    held = core.read_namespaced_config_map("held", namespace)
    assert held.metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map("held", namespace, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("held", namespace)
    assert gone.value.status == 404


@pytest.mark.parametrize("policy,survives", [("Background", False), ("Foreground", False), ("Orphan", True)])
def test_garbage_collection_follows_owner_references(eks, namespace, policy, survives):
    core = client.CoreV1Api(eks.api_client())
    owner = core.create_namespaced_config_map(namespace, configmap("owner"))
    core.create_namespaced_config_map(namespace, configmap("child", ownerReferences=[{
        "apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}]))
    core.delete_namespaced_config_map("owner", namespace, propagation_policy=policy)

    def child_exists():
        try:
            core.read_namespaced_config_map("child", namespace)
            return True
        except ApiException as error:
            assert error.status == 404
            return False

    if survives:
        wait_until(lambda: not core.list_namespaced_config_map(namespace, field_selector="metadata.name=owner").items)
        assert child_exists()
        assert not core.read_namespaced_config_map("child", namespace).metadata.owner_references
    else:
        wait_until(lambda: not child_exists())


def test_statefulset_job_daemonset_and_volumes(eks, namespace):
    apps, batch, core = client.AppsV1Api(eks.api_client()), client.BatchV1Api(eks.api_client()), \
        client.CoreV1Api(eks.api_client())
    template = {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    apps.create_namespaced_stateful_set(namespace, {
        "metadata": {"name": "db"}, "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                                             "template": template, "volumeClaimTemplates": [{
                                                 "metadata": {"name": "data"}, "spec": {
                                                     "accessModes": ["ReadWriteOnce"],
                                                     "resources": {"requests": {"storage": "1Gi"}}}}]}})
    apps.create_namespaced_daemon_set(namespace, {
        "metadata": {"name": "agent"}, "spec": {"selector": {"matchLabels": {"app": "agent"}},
                                                "template": {**template, "metadata": {"labels": {"app": "agent"}}}}})
    batch.create_namespaced_job(namespace, {"metadata": {"name": "once"}, "spec": {"template": {
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}})
    # Status stays empty until the simulated controllers first report (a short, configurable delay).
    wait_until(lambda: getattr(apps.read_namespaced_stateful_set("db", namespace).status, "ready_replicas", 0) == 2)
    wait_until(lambda: getattr(apps.read_namespaced_daemon_set("agent", namespace).status, "number_ready", 0) == 2)
    job = wait_until(lambda: (j := batch.read_namespaced_job("once", namespace)).status and j.status.succeeded == 1
                     and j)
    assert any(c.type == "Complete" and c.status == "True" for c in job.status.conditions)
    claims = core.list_namespaced_persistent_volume_claim(namespace).items
    assert sorted(c.metadata.name for c in claims) == ["data-db-0", "data-db-1"]
    assert all(c.status.phase == "Bound" and c.spec.storage_class_name == "gp2" for c in claims)
    volume = core.read_persistent_volume(claims[0].spec.volume_name)
    assert volume.spec.claim_ref.name == claims[0].metadata.name


def test_load_balancer_service_gets_a_hostname(eks, namespace):
    core = client.CoreV1Api(eks.api_client())
    created = core.create_namespaced_service(namespace, {
        "metadata": {"name": "public", "annotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}},
        "spec": {"type": "LoadBalancer", "selector": {"app": "x"}, "ports": [{"port": 443, "targetPort": 8443}]}})
    assert created.spec.cluster_ip.startswith("10.100.") and 30000 <= created.spec.ports[0].node_port <= 32767
    service = wait_until(lambda: (s := core.read_namespaced_service("public", namespace)).status.load_balancer.ingress
                         and s)
    # EKS's cloud provider makes an internal Classic Load Balancer: "a" + the uid without dashes (32 characters).
    name = ("a" + created.metadata.uid.replace("-", ""))[:32]
    hostname = service.status.load_balancer.ingress[0].hostname
    assert re.fullmatch(rf"internal-{name}-\d+\.us-east-1\.elb\.amazonaws\.com", hostname)
