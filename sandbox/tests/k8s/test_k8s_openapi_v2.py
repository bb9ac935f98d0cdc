"""/openapi/v2 as client-go's OpenAPISchema() reads it (protobuf, gnostic openapi.v2.Document) and as JSON: every
served kind's definition (CRDs' too) with its group-version-kind, and paths whose PATCH operations list
fieldValidation; kubectl reads it when a file holds a CRD and its custom resource, and kubectl explain and helm
install's validation work. (No Go client is at hand to decode the protobuf, so the test reads the wire format.)"""

from __future__ import annotations

import json

import yaml

PROTOBUF_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"  # what client-go asks for
CRD = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
       "metadata": {"name": "gizmos.openapi.example.com"},
       "spec": {"group": "openapi.example.com", "scope": "Namespaced",
                "names": {"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo"},
                "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                    "type": "object", "properties": {"spec": {"type": "object", "properties": {
                        "size": {"type": "integer", "description": "how big the gizmo is"}}}}}}}]}}
GIZMO = {"apiVersion": "openapi.example.com/v1", "kind": "Gizmo", "metadata": {"name": "g1"}, "spec": {"size": 3}}


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fields(data: bytes):
    """(field number, value) of one protobuf message: varints as ints, length-delimited values as bytes."""
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        if key & 7 == 0:
            value, pos = varint(data, pos)
        elif key & 7 == 2:
            size, pos = varint(data, pos)
            value, pos = data[pos:pos + size], pos + size
        elif key & 7 == 1:
            value, pos = data[pos:pos + 8], pos + 8
        else:
            raise AssertionError(f"unexpected wire type {key & 7}")
        yield key >> 3, value


def varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        result, pos, shift = result | (byte & 0x7F) << shift, pos + 1, shift + 7
        if not byte & 0x80:
            return result, pos


def named(message: bytes, field: int) -> dict[str, bytes]:
    """A gnostic map (repeated {1: name, 2: value}) held in `field` of `message`."""
    found = {}
    for number, entry in fields(message):
        if number == field:
            parts = dict(fields(entry))
            found[parts[1].decode()] = parts.get(2, b"")
    return found


def test_protobuf_document_holds_definitions_and_paths(eks):
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(CRD)))
    answer = eks.request("GET", "/openapi/v2", headers={"Accept": PROTOBUF_ACCEPT})
    assert answer.status == 200 and answer.headers["Content-Type"] == "application/octet-stream"
    document = dict(fields(answer.body))
    assert document[1] == b"2.0"
    definitions = named(document[9], 1)
    deployment = definitions["io.k8s.api.apps.v1.Deployment"]
    extensions = {name: yaml.safe_load(dict(fields(value))[2]) for name, value in named(deployment, 31).items()}
    assert extensions["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert {"apiVersion", "kind", "metadata", "spec", "status"} <= set(named(dict(fields(deployment))[25], 1))
    gizmo = named(dict(fields(definitions["com.example.openapi.v1.Gizmo"]))[25], 1)
    size = named(dict(fields(gizmo["spec"]))[25], 1)["size"]
    assert dict(fields(dict(fields(size))[22]))[1] == b"integer"
    paths = named(document[8], 2)
    assert "/apis/openapi.example.com/v1/namespaces/{namespace}/gizmos/{name}" in paths
    assert b"fieldValidation" in dict(fields(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]))[8]

    again = eks.request("GET", "/openapi/v2", headers={"Accept": PROTOBUF_ACCEPT,
                                                       "If-None-Match": answer.headers["ETag"]})
    assert again.status == 304


def test_json_document_is_swagger_2(eks):
    answer = eks.request("GET", "/openapi/v2", headers={"Accept": "application/json"})
    assert answer.status == 200
    document = answer.json()
    assert document["swagger"] == "2.0"
    deployment = document["definitions"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["properties"]["spec"]["$ref"] == "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"
    assert document["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    patch = document["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "version": "v1", "kind": "ConfigMap"}
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    assert "application/strategic-merge-patch+json" in patch["consumes"]


def test_kubectl_reads_it_for_a_crd_and_its_resource_in_one_file(eks, namespace):
    manifest = yaml.safe_dump_all([{**CRD, "metadata": {"name": "doohickeys.openapi.example.com"},
                                    "spec": {**CRD["spec"], "names": {"plural": "doohickeys", "singular": "doohickey",
                                                                      "kind": "Doohickey"}}},
                                   {**GIZMO, "kind": "Doohickey"}])
    for version in ("1.32", "1.34", ""):
        # kubectl 1.32 looks the new kind up in /openapi/v2 and then reports it unknown (its CRD was just created),
        # later ones find it; none fails on reading the document.
        applied = eks.kubectl("apply", "-f", "-", "-v6", input=manifest, namespace=namespace, version=version)
        fetched = [line for line in applied.stderr.splitlines() if "/openapi/v2" in line]
        assert all("200 OK" in line for line in fetched) and (fetched or version != "1.32"), applied.stderr
        assert "unmarshal" not in applied.stderr and "proto:" not in applied.stderr, applied.stderr
        assert "customresourcedefinition.apiextensions.k8s.io/doohickeys.openapi.example.com" in applied.stdout
    ok(eks.kubectl("apply", "-f", "-", input=manifest, namespace=namespace))
    assert json.loads(ok(eks.kubectl("get", "doohickey", "g1", "-o", "json", namespace=namespace)))["spec"] == {
        "size": 3}


def test_explain_and_helm_validation_work(eks, namespace, tmp_path):
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(CRD)))
    for version in ("1.32", ""):
        assert "how big the gizmo is" in ok(eks.kubectl("explain", "gizmo.spec.size", version=version))
        assert "replicas" in ok(eks.kubectl("explain", "deployment.spec", version=version))
    chart = tmp_path / "gizmo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(yaml.safe_dump({"apiVersion": "v2", "name": "gizmo", "version": "0.1.0"}))
    (chart / "templates" / "gizmo.yaml").write_text(yaml.safe_dump(GIZMO))
    kubeconfig = eks.kubeconfig(namespace=namespace)
    env = {**eks.env, "KUBECONFIG": str(kubeconfig), "HOME": str(tmp_path)}
    from sandbox.tests.k8s.k8s_helpers import BIN, run

    installed = run([BIN / "helm", "install", "gizmo", str(chart), "-n", namespace], env=env)
    assert installed.returncode == 0, installed.stderr
    bad = tmp_path / "bad"
    (bad / "templates").mkdir(parents=True)
    (bad / "Chart.yaml").write_text(yaml.safe_dump({"apiVersion": "v2", "name": "bad", "version": "0.1.0"}))
    (bad / "templates" / "cm.yaml").write_text(yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bad"}, "data": {"a": "b"}, "bogus": 1}))
    # helm finds field validation on the server (in the OpenAPI documents), so it validates nothing itself and the
    # server warns about the unknown field, as a real one does.
    warned = run([BIN / "helm", "install", "bad", str(bad), "-n", namespace], env=env)
    assert warned.returncode == 0 and 'unknown field "bogus"' in warned.stderr, warned.stderr
