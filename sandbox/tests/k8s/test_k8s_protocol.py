"""The wire protocol seen by raw HTTPS: discovery documents, OpenAPI, watch semantics, error Status objects,
content negotiation, and a bounded fuzz run that must never produce a 500."""

from __future__ import annotations

import http.client
import json
import ssl
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.tests.k8s.k8s_helpers import wait_until

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


def watch_events(response) -> list[dict]:
    return [json.loads(line) for line in response.body.splitlines() if line.strip()]


def test_version_matches_the_eks_cluster_version(eks):
    version = eks.request("GET", "/version").json()
    assert version["gitVersion"].startswith("v1.33.0-eks") and (version["major"], version["minor"]) == ("1", "33")


def test_aggregated_discovery(eks):
    answer = eks.request("GET", "/apis", headers={"Accept": AGGREGATED})
    assert answer.headers["Content-Type"].startswith("application/json;g=apidiscovery.k8s.io;v=v2")
    groups = {g["metadata"]["name"]: g for g in answer.json()["items"]}
    apps = {r["resource"]: r for r in groups["apps"]["versions"][0]["resources"]}
    deployments = apps["deployments"]
    assert deployments["scope"] == "Namespaced" and deployments["shortNames"] == ["deploy"]
    assert "all" in deployments["categories"]
    assert {s["subresource"]: s["responseKind"]["kind"] for s in deployments["subresources"]} == {
        "status": "Deployment", "scale": "Scale"}
    core = eks.request("GET", "/api", headers={"Accept": AGGREGATED}).json()["items"][0]
    assert {r["resource"] for r in core["versions"][0]["resources"]} >= {"pods", "services", "namespaces", "nodes"}


def test_legacy_discovery(eks):
    resources = {r["name"]: r for r in eks.request("GET", "/api/v1").json()["resources"]}
    assert resources["pods"]["kind"] == "Pod" and resources["pods"]["namespaced"] is True
    assert resources["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert resources["nodes"]["namespaced"] is False and resources["nodes"]["shortNames"] == ["no"]
    groups = {g["name"] for g in eks.request("GET", "/apis").json()["groups"]}
    assert {"apps", "batch", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "policy"} <= groups
    scale = {r["name"]: r for r in eks.request("GET", "/apis/apps/v1").json()["resources"]}["deployments/scale"]
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")


def test_crd_is_served_as_soon_as_it_is_created(eks):
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "sprockets.parts.example.com"},
           "spec": {"group": "parts.example.com", "scope": "Cluster",
                    "names": {"plural": "sprockets", "kind": "Sprocket"},
                    "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": {"type": "object",
                                                                 "x-kubernetes-preserve-unknown-fields": True}}}]}}
    created = eks.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    assert created.status == 201
    conditions = {c["type"]: c["status"] for c in created.json()["status"]["conditions"]}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    listing = eks.request("GET", "/apis/parts.example.com/v1alpha1").json()
    assert [r["name"] for r in listing["resources"]] == ["sprockets"]
    made = eks.request("POST", "/apis/parts.example.com/v1alpha1/sprockets",
                       {"apiVersion": "parts.example.com/v1alpha1", "kind": "Sprocket", "metadata": {"name": "s"},
                        "teeth": 12})
    assert made.status == 201 and made.json()["teeth"] == 12


def test_openapi_v3_advertises_field_validation(eks):
    index = eks.request("GET", "/openapi/v3").json()["paths"]
    url = index["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/clusters/us-east-1/demo/openapi/v3/apis/apps/v1?hash=")
    document = eks.request("GET", url.removeprefix("/clusters/us-east-1/demo")).json()
    patch = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    schema = document["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert schema["properties"]["spec"]["$ref"] == "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"


def test_watch_from_a_resource_version(eks, namespace):
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    start = eks.request("GET", base).json()["metadata"]["resourceVersion"]
    eks.request("POST", base, {"metadata": {"name": "a"}, "data": {"x": "1"}})
    eks.request("PATCH", f"{base}/a", {"data": {"x": "2"}}, headers={"Content-Type": "application/merge-patch+json"})
    events = watch_events(eks.request("GET", f"{base}?watch=1&resourceVersion={start}&timeoutSeconds=1"))
    assert [(e["type"], e["object"]["data"]["x"]) for e in events] == [("ADDED", "1"), ("MODIFIED", "2")]


def test_watch_list_sends_initial_events_then_a_bookmark(eks, namespace):
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    eks.request("POST", base, {"metadata": {"name": "first"}})
    events = watch_events(eks.request(
        "GET", f"{base}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
               "&timeoutSeconds=1"))
    assert [e["type"] for e in events[:2]] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    by_path = watch_events(eks.request("GET", f"/api/v1/watch/namespaces/{namespace}/configmaps/first?timeoutSeconds=1"))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in by_path] == [("ADDED", "first")]
    # Like the apiserver, sendInitialEvents needs resourceVersionMatch=NotOlderThan.
    invalid = eks.request("GET", f"{base}?watch=1&sendInitialEvents=true")
    assert (invalid.status, invalid.json()["reason"]) == (422, "Invalid")
    assert invalid.json()["details"]["causes"][0]["field"] == "resourceVersionMatch"


def test_error_statuses(eks, namespace):
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    missing = eks.request("GET", f"{base}/nope").json()
    assert (missing["kind"], missing["code"], missing["reason"]) == ("Status", 404, "NotFound")
    assert missing["details"] == {"name": "nope", "group": "", "kind": "configmaps"}
    malformed = eks.request("POST", base, b'{"metadata": {"name": ')
    assert (malformed.status, malformed.json()["reason"]) == (400, "BadRequest")
    bad_yaml = eks.request("POST", base, b"metadata: [unclosed", headers={"Content-Type": "application/yaml"})
    assert bad_yaml.status == 400
    from_yaml = eks.request("POST", base, b"metadata: {name: from-yaml}\ndata: {a: b}\n",
                            headers={"Content-Type": "application/yaml"})
    assert from_yaml.status == 201 and from_yaml.json()["data"] == {"a": "b"}
    invalid = eks.request("POST", base, {"metadata": {"name": "UPPER"}}).json()
    assert invalid["code"] == 422 and invalid["details"]["causes"][0]["field"] == "metadata.name"
    too_big = eks.request("POST", base, {"metadata": {"name": "big"}, "data": {"x": "y" * (4 * 1024 * 1024)}})
    assert too_big.status == 413
    protobuf = eks.request("POST", "/apis/apps/v1/namespaces/default/deployments", b"k8s\x00\x0a\x00",
                           headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert protobuf.status == 415 and protobuf.json()["reason"] == "UnsupportedMediaType"
    unknown_type = eks.request("POST", base, b"<xml/>", headers={"Content-Type": "application/xml"})
    assert unknown_type.status == 415
    not_allowed = eks.request("POST", f"{base}/a-name", {"metadata": {"name": "a-name"}})
    assert not_allowed.status == 405
    apply_without_manager = eks.request("PATCH", f"{base}/x", b"metadata: {name: x}",
                                        headers={"Content-Type": "application/apply-patch+yaml"})
    assert apply_without_manager.status == 400 and "fieldManager" in apply_without_manager.json()["message"]
    strict = eks.request("POST", f"{base}?fieldValidation=Strict", b'{"metadata": {"name": "d"}, "data": {}, "data": {}}')
    assert strict.status == 400 and 'duplicate field "data"' in strict.json()["message"]
    warned = eks.request("POST", base, {"metadata": {"name": "w"}, "extra": 1})
    assert warned.status == 201 and 'unknown field \\"extra\\"' in warned.headers["Warning"]
    no_namespace = eks.request("POST", "/api/v1/namespaces/does-not-exist/configmaps", {"metadata": {"name": "x"}})
    assert no_namespace.status == 404


PATHS = st.sampled_from([
    "/api", "/apis", "/api/v1", "/apis/apps/v1", "/version", "/openapi/v3", "/openapi/v3/apis/apps/v1",
    "/api/v1/namespaces", "/api/v1/namespaces/default/configmaps", "/api/v1/namespaces/default/configmaps/fuzz",
    "/apis/apps/v1/namespaces/default/deployments/fuzz/scale", "/api/v1/namespaces/default/pods/fuzz/status",
    "/api/v1/watch/namespaces/default/configmaps?timeoutSeconds=0", "/apis/nope/v9/things", "/api/v1/namespaces/x/y/z/w",
    "/apis/apps/v1/deployments?labelSelector=a%20in%20(", "/api/v1/configmaps?limit=-3&continue=zzz",
    "/api/v1/namespaces/default/configmaps?fieldValidation=Bogus&dryRun=Some",
])
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                           lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=10), children, max_size=4), max_leaves=12)
BODIES = st.one_of(
    st.binary(max_size=64),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"metadata": st.fixed_dictionaries({"name": st.text(max_size=12)}),
                           "spec": JSON_VALUES, "data": JSON_VALUES}).map(lambda v: json.dumps(v).encode()),
)
CONTENT_TYPES = st.sampled_from(["application/json", "application/yaml", "application/merge-patch+json",
                                 "application/json-patch+json", "application/strategic-merge-patch+json",
                                 "application/apply-patch+yaml", "application/vnd.kubernetes.protobuf", "text/plain"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]), path=PATHS, body=BODIES,
       content_type=CONTENT_TYPES)
def test_fuzzed_requests_never_fail_with_a_server_error(eks, method, path, body, content_type):
    separator = "&" if "?" in path else "?"
    answer = eks.request(method, path + (f"{separator}fieldManager=fuzz" if method == "PATCH" else ""),
                         body if method not in ("GET", "OPTIONS") else None, headers={"Content-Type": content_type},
                         token=FUZZ_TOKEN.get("token") or FUZZ_TOKEN.setdefault("token", eks.token()))
    assert answer.status < 500, answer.body[:500]
    if answer.status >= 400:
        assert answer.json()["kind"] == "Status"
    assert eks.request("GET", "/healthz", identity=None).status == 200


FUZZ_TOKEN: dict = {}  # one token for the whole fuzz run: signing one per example costs more than the request


def test_strategic_merge_patch_directives(eks, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    smp = {"Content-Type": "application/strategic-merge-patch+json"}
    pod_spec = {"containers": [{"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}],
                                "args": ["--one", "--two"]},
                               {"name": "b", "image": "b:1"}],
                "tolerations": [{"key": "k1", "operator": "Exists"}]}
    eks.request("POST", base, {"metadata": {"name": "smp"}, "spec": {
        "selector": {"matchLabels": {"app": "smp"}}, "strategy": {"type": "RollingUpdate"},
        "template": {"metadata": {"labels": {"app": "smp"}}, "spec": pod_spec}}})

    def patch(body):
        answer = eks.request("PATCH", f"{base}/smp", {"spec": {"template": {"spec": body}}}, headers=smp)
        assert answer.status == 200, answer.body
        return answer.json()["spec"]["template"]["spec"]

    merged = patch({"containers": [{"name": "a", "env": [{"name": "Y", "value": "2"}]}]})
    assert [e["name"] for e in merged["containers"][0]["env"]] == ["X", "Y"]  # env merges by name
    assert merged["containers"][0]["args"] == ["--one", "--two"]  # untouched siblings stay
    ordered = patch({"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                     "containers": [{"name": "b", "image": "b:2"}]})
    assert [(c["name"], c["image"]) for c in ordered["containers"]] == [("b", "b:2"), ("a", "a:1")]
    deleted = patch({"containers": [{"name": "b", "$patch": "delete"}]})
    assert [c["name"] for c in deleted["containers"]] == ["a"]
    replaced = patch({"tolerations": [{"key": "k2", "operator": "Exists"}]})  # atomic list: replaced
    assert [t["key"] for t in replaced["tolerations"]] == ["k2"]
    pruned = patch({"containers": [{"name": "a", "$deleteFromPrimitiveList/args": ["--one"]}]})
    assert pruned["containers"][0]["args"] == ["--two"]
    strategy = eks.request("PATCH", f"{base}/smp", {"spec": {"strategy": {
        "$retainKeys": ["type"], "type": "Recreate"}}}, headers=smp).json()["spec"]["strategy"]
    assert strategy == {"type": "Recreate"}


def test_status_and_scale_subresources(eks, namespace):
    base = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    template = {"metadata": {"labels": {"app": "sub"}}, "spec": {"containers": [{"name": "c", "image": "c"}]}}
    created = eks.request("POST", base, {"metadata": {"name": "sub"}, "status": {"replicas": 99}, "spec": {
        "replicas": 1, "selector": {"matchLabels": {"app": "sub"}}, "template": template}}).json()
    assert "replicas" not in (created.get("status") or {})  # status is not writable through the main resource
    merge = {"Content-Type": "application/merge-patch+json"}
    via_status = eks.request("PATCH", f"{base}/sub/status", {"spec": {"replicas": 7},
                                                             "status": {"observedGeneration": 42}}, headers=merge)
    assert via_status.json()["spec"]["replicas"] == 1  # spec is not writable through /status
    scale = eks.request("GET", f"{base}/sub/scale").json()
    assert (scale["kind"], scale["apiVersion"], scale["spec"]["replicas"]) == ("Scale", "autoscaling/v1", 1)
    assert scale["status"]["selector"] == "app=sub"
    scaled = eks.request("PATCH", f"{base}/sub/scale", {"spec": {"replicas": 3}}, headers=merge)
    assert scaled.json()["spec"]["replicas"] == 3
    deployment = eks.request("GET", f"{base}/sub").json()
    assert deployment["spec"]["replicas"] == 3 and deployment["metadata"]["generation"] == 2
    stale = eks.request("PUT", f"{base}/sub/scale", {**scale, "spec": {"replicas": 4}})
    assert stale.status == 409 and stale.json()["reason"] == "Conflict"


def test_connections_are_kept_alive(eks, namespace):
    context = ssl.create_default_context(cafile=str(eks.ca))
    host, port = eks.config.k8s_base_url.removeprefix("https://").split(":")
    base = f"{eks.endpoint.split(port, 1)[1]}/api/v1/namespaces/{namespace}/configmaps"
    headers = {"Authorization": f"Bearer {eks.token()}", "Content-Type": "application/json"}
    connection = http.client.HTTPSConnection(host, int(port), context=context)

    def send(method: str, path: str, body: dict | None = None, **extra):
        connection.request(method, path, json.dumps(body) if body else None, {**headers, **extra})
        response = connection.getresponse()
        return response.status, response.read(), response.will_close

    # An unauthorized POST's body is never read by the API, yet must not be taken for the next request.
    assert send("POST", base, {"metadata": {"name": "kept"}}, Authorization="Bearer nope")[0] == 401
    sock = connection.sock
    assert send("POST", base, {"metadata": {"name": "kept"}})[0] == 201
    status, body, will_close = send("GET", f"{base}/kept")
    assert (status, json.loads(body)["metadata"]["name"], will_close) == (200, "kept", False)
    # A (chunked) watch ends cleanly and leaves the connection usable.
    status, body, _ = send("GET", f"{base}?watch=1&timeoutSeconds=1")
    assert status == 200 and [json.loads(line)["type"] for line in body.splitlines()] == ["ADDED"]
    assert send("GET", f"{base}/kept")[0] == 200
    assert connection.sock is sock  # every answer came on the first connection
    connection.close()


def test_watches_end_when_their_clients_disconnect(eks, namespace):
    pid = int(eks.config.path("k8s.pid").read_text())

    def threads() -> int:
        status = open(f"/proc/{pid}/status").read()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))

    context = ssl.create_default_context(cafile=str(eks.ca))
    host, port = eks.config.k8s_base_url.removeprefix("https://").split(":")
    watches = []
    for _ in range(5):
        connection = http.client.HTTPSConnection(host, int(port), context=context)
        connection.request("GET", f"{eks.endpoint.split(port, 1)[1]}/api/v1/namespaces/{namespace}/configmaps"
                                  "?watch=1&timeoutSeconds=600", headers={"Authorization": f"Bearer {eks.token()}"})
        response = connection.getresponse()
        assert response.status == 200  # headers come at once, before any event
        watches.append((connection, response))
    while_open = threads()  # each open watch holds a server thread
    for connection, response in watches:
        response.close()
        connection.close()
    wait_until(lambda: threads() <= while_open - 5, timeout=10)
