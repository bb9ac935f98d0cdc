"""Custom resources as the apiextensions-apiserver treats them, through kubectl and the kubernetes client: the
structural schema is enforced (422 naming the field, kube-openapi's wording), unknown fields are pruned, defaults
filled in, additionalPrinterColumns shape `kubectl get`, and the scale subresource follows the CRD's paths."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from kubernetes import dynamic
from kubernetes.dynamic.exceptions import DynamicApiError

GROUP = "crdtest.example.com"
SPEC_SCHEMA = {
    "type": "object",
    "required": ["image"],
    "properties": {
        "image": {"type": "string", "minLength": 3, "maxLength": 40, "pattern": "^[a-z0-9./:-]+$"},
        "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
        "ratio": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "exclusiveMaximum": True, "maximum": 1},
        "mode": {"type": "string", "enum": ["Fast", "Safe"], "default": "Safe"},
        "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3,
                 "x-kubernetes-list-type": "set"},
        "selector": {"type": "string"},
        "settings": {"type": "object", "additionalProperties": {"type": "string"}},
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "closed": {"type": "object"},
        "note": {"type": "string", "nullable": True},
        "rollout": {"type": "object", "default": {}, "properties": {
            "maxSurge": {"type": "integer", "default": 25}}},
    },
}
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{GROUP}"},
    "spec": {"group": GROUP, "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wdg"]},
             "versions": [{
                 "name": "v1", "served": True, "storage": True,
                 "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                          "statusReplicasPath": ".status.replicas",
                                                          "labelSelectorPath": ".spec.selector"}},
                 "additionalPrinterColumns": [
                     {"name": "Image", "type": "string", "jsonPath": ".spec.image"},
                     {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                     {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                     {"name": "Mode", "type": "string", "jsonPath": ".spec.mode", "priority": 1},
                     {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
                 "schema": {"openAPIV3Schema": {
                     "type": "object", "required": ["spec"],
                     "properties": {"spec": SPEC_SCHEMA, "status": {
                         "type": "object", "properties": {"replicas": {"type": "integer"}, "conditions": {
                             "type": "array", "items": {"type": "object", "properties": {
                                 "type": {"type": "string"}, "status": {"type": "string"}}}}}}}}}}]}}
WIDGET = {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": "w"},
          "spec": {"image": "nginx:1.25", "selector": "app=w"}}


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def widgets(eks):
    """The Widget CRD, installed with kubectl apply like any operator's CRD."""
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(CRD)))
    ok(eks.kubectl("wait", "--for=condition=Established", f"crd/widgets.{GROUP}", "--timeout=10s"))
    return dynamic.DynamicClient(eks.api_client()).resources.get(api_version=f"{GROUP}/v1", kind="Widget")


def widget(**spec) -> dict:
    obj = copy.deepcopy(WIDGET)
    obj["spec"].update(spec)
    return obj


INVALID = [  # (case, spec changes, field, reason, message)
    ("below minimum", {"replicas": 0}, "spec.replicas", "FieldValueInvalid",
     "Invalid value: 0: spec.replicas in body should be greater than or equal to 1"),
    ("above maximum", {"replicas": 11}, "spec.replicas", "FieldValueInvalid",
     "Invalid value: 11: spec.replicas in body should be less than or equal to 10"),
    ("exclusive minimum", {"ratio": 0}, "spec.ratio", "FieldValueInvalid",
     "Invalid value: 0: spec.ratio in body should be greater than 0"),
    ("exclusive maximum", {"ratio": 1}, "spec.ratio", "FieldValueInvalid",
     "Invalid value: 1: spec.ratio in body should be less than 1"),
    ("wrong type", {"replicas": "three"}, "spec.replicas", "FieldValueTypeInvalid",
     'Invalid value: "string": spec.replicas in body must be of type integer: "string"'),
    ("object for a string", {"image": {"name": "nginx"}}, "spec.image", "FieldValueTypeInvalid",
     'Invalid value: "object": spec.image in body must be of type string: "object"'),
    ("int-or-string given a boolean", {"port": True}, "spec.port", "FieldValueTypeInvalid",
     'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'),
    ("enum", {"mode": "Reckless"}, "spec.mode", "FieldValueNotSupported",
     'Unsupported value: "Reckless": supported values: "Fast", "Safe"'),
    ("pattern", {"image": "NGINX!"}, "spec.image", "FieldValueInvalid",
     """Invalid value: "NGINX!": spec.image in body should match '^[a-z0-9./:-]+$'"""),
    ("too short", {"image": "ng"}, "spec.image", "FieldValueInvalid",
     'Invalid value: "ng": spec.image in body should be at least 3 chars long'),
    ("too long", {"image": "a" * 41}, "spec.image", "FieldValueTooLong", "Too long: may not be more than 40 bytes"),
    ("too few items", {"tags": []}, "spec.tags", "FieldValueInvalid",
     "Invalid value: 0: spec.tags in body should have at least 1 items"),
    ("too many items", {"tags": ["a", "b", "c", "d"]}, "spec.tags", "FieldValueTooMany",
     "Too many: 4: must have at most 3 items"),
    ("duplicate in a set", {"tags": ["a", "a"]}, "spec.tags[1]", "FieldValueDuplicate", 'Duplicate value: "a"'),
    ("map value type", {"settings": {"debug": 1}}, "spec.settings.debug", "FieldValueTypeInvalid",
     'Invalid value: "integer": spec.settings.debug in body must be of type string: "integer"'),
]


@pytest.mark.parametrize("case, spec, field, reason, message", INVALID, ids=[c[0] for c in INVALID])
def test_schema_violations_are_refused_with_the_field(eks, widgets, namespace, case, spec, field, reason, message):
    with pytest.raises(DynamicApiError) as refused:
        widgets.create(body=widget(**spec), namespace=namespace)
    status = json.loads(refused.value.body)
    assert status["code"] == 422 and status["reason"] == "Invalid"
    assert {"reason": reason, "field": field, "message": message} in status["details"]["causes"], status
    assert f"{field}: {message}" in status["message"]
    assert widgets.get(namespace=namespace).items == []  # nothing refused is stored


def test_required_fields_are_named(eks, widgets, namespace):
    body = copy.deepcopy(WIDGET)
    del body["spec"]["image"]
    with pytest.raises(DynamicApiError) as refused:
        widgets.create(body=body, namespace=namespace)
    causes = json.loads(refused.value.body)["details"]["causes"]
    assert causes == [{"reason": "FieldValueRequired", "field": "spec.image", "message": "Required value"}]
    without_spec = {k: v for k, v in WIDGET.items() if k != "spec"}
    refused = eks.kubectl("create", "-f", "-", input=yaml.safe_dump(without_spec), namespace=namespace)
    assert refused.returncode != 0 and "spec: Required value" in refused.stderr


def test_kubectl_reports_every_violation_on_apply_and_patch(eks, widgets, namespace):
    bad = widget(replicas=0, mode="Reckless")
    refused = eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(bad), namespace=namespace)
    assert refused.returncode != 0
    assert 'The Widget "w" is invalid' in refused.stderr
    assert "spec.replicas in body should be greater than or equal to 1" in refused.stderr
    assert 'spec.mode: Unsupported value: "Reckless"' in refused.stderr
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(widget()), namespace=namespace))
    for patch_args in (["--type=merge", "-p", '{"spec":{"replicas":20}}'],
                       ["--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":20}]']):
        patched = eks.kubectl("patch", "widget", "w", *patch_args, namespace=namespace)
        assert patched.returncode != 0 and "spec.replicas in body should be less than or equal to 10" in patched.stderr
    applied = eks.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-",
                          input=yaml.safe_dump(widget(replicas=-1)),
                          namespace=namespace)
    assert applied.returncode != 0 and "should be greater than or equal to 1" in applied.stderr
    assert ok(eks.kubectl("get", "widget", "w", "-o", "jsonpath={.spec.replicas}", namespace=namespace)) == "1"


def test_defaults_fill_missing_fields_and_unknown_fields_are_pruned(eks, widgets, namespace):
    body = widget(port="http", settings={"debug": "yes"}, extra={"anything": {"goes": [1, 2]}},
                  closed={"dropped": True}, unknown="dropped", rollout={})
    created = widgets.create(body=body, namespace=namespace).to_dict()
    spec = created["spec"]
    assert spec["replicas"] == 1 and spec["mode"] == "Safe"  # defaults
    assert spec["rollout"] == {"maxSurge": 25}  # a default inside an object given empty
    assert spec["extra"] == {"anything": {"goes": [1, 2]}}  # x-kubernetes-preserve-unknown-fields
    assert spec["closed"] == {} and "unknown" not in spec  # pruned like a structural schema prunes
    assert spec["port"] == "http" and spec["settings"] == {"debug": "yes"}
    no_rollout = widgets.create(body={**widget(), "metadata": {"name": "w2"}}, namespace=namespace).to_dict()
    assert no_rollout["spec"]["rollout"] == {"maxSurge": 25}  # the object's default, then its field's
    warned = eks.kubectl("apply", "--validate=warn", "-f", "-", input=yaml.safe_dump(widget(unknown=1)),
                         namespace=namespace)
    assert 'unknown field "spec.unknown"' in ok(warned) + warned.stderr


def test_printer_columns_in_kubectl_get(eks, widgets, namespace):
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(widget(replicas=3)), namespace=namespace))
    eks.request("PATCH", f"/apis/{GROUP}/v1/namespaces/{namespace}/widgets/w/status",
                {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
                headers={"Content-Type": "application/merge-patch+json"})
    for version in ("1.32", "1.34", ""):
        lines = ok(eks.kubectl("get", "widgets", version=version, namespace=namespace)).splitlines()
        assert lines[0].split() == ["NAME", "IMAGE", "REPLICAS", "READY", "AGE"]
        name, image, replicas, ready, age = lines[1].split()
        assert (name, image, replicas, ready) == ("w", "nginx:1.25", "3", "True") and age.endswith("s")
    wide = ok(eks.kubectl("get", "wdg", "-o", "wide", namespace=namespace)).splitlines()
    assert wide[0].split() == ["NAME", "IMAGE", "REPLICAS", "READY", "MODE", "AGE"] and "Safe" in wide[1]


@pytest.mark.parametrize("version", ["1.32", "1.34", ""])
def test_kubectl_scale_on_a_custom_resource(eks, widgets, namespace, version):
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump(widget(replicas=2)), namespace=namespace))
    assert "scaled" in ok(eks.kubectl("scale", "widget", "w", "--replicas=5", version=version, namespace=namespace))
    assert ok(eks.kubectl("get", "widget", "w", "-o", "jsonpath={.spec.replicas}", namespace=namespace)) == "5"
    scale = eks.request("GET", f"/apis/{GROUP}/v1/namespaces/{namespace}/widgets/w/scale").json()
    assert scale["apiVersion"] == "autoscaling/v1" and scale["kind"] == "Scale"
    assert scale["spec"] == {"replicas": 5} and scale["status"] == {"replicas": 0, "selector": "app=w"}
    refused = eks.kubectl("scale", "widget", "w", "--replicas=50", version=version, namespace=namespace)
    assert refused.returncode != 0 and "spec.replicas in body should be less than or equal to 10" in refused.stderr
