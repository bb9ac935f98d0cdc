"""Validation the real API server does on built-in kinds and on list/watch parameters, through real clients.

A write the apiserver refuses gets 422 with a Status whose details.causes name the field (a quantity that does
not parse is a decoding error: 400); nothing refused is stored, so it can never break others' reads. Messages
follow the apiserver's, e.g. `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
"""

from __future__ import annotations

import copy
import json
import urllib.parse

import pytest
from kubernetes import client, dynamic
from kubernetes.dynamic.exceptions import DynamicApiError

CONTAINER = {"name": "app", "image": "nginx:1.25"}
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "web"}},
       "spec": {"containers": [CONTAINER]}}
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [CONTAINER]}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]}}
JOB_TEMPLATE = {"spec": {"containers": [CONTAINER], "restartPolicy": "Never"}}
JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": JOB_TEMPLATE}}
CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
           "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": JOB_TEMPLATE}}}}
STATEFULSET = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "st"},
               "spec": {"serviceName": "s", "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE}}


def changed(base: dict, path: str, value) -> dict:
    """A copy of `base` with the value at a dotted path (list indexes as numbers) set."""
    obj = copy.deepcopy(base)
    parts = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = obj
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = value
    return obj


def resources(**amounts) -> dict:
    return {kind: {"cpu": value} for kind, value in amounts.items()}


INVALID = [  # (case, object, field, message fragment)
    ("negative replicas", changed(DEPLOYMENT, "spec.replicas", -1),
     "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"),
    ("negative statefulset replicas", changed(STATEFULSET, "spec.replicas", -2),
     "spec.replicas", "must be greater than or equal to 0"),
    ("negative cpu request", changed(POD, "spec.containers.0.resources", resources(requests="-1")),
     "spec.containers[0].resources.requests[cpu]", 'Invalid value: "-1": must be greater than or equal to 0'),
    ("request above limit", changed(POD, "spec.containers.0.resources", resources(requests="2", limits="1")),
     "spec.containers[0].resources.requests", "must be less than or equal to cpu limit of 1"),
    ("container port above 65535", changed(POD, "spec.containers.0.ports", [{"containerPort": 70000}]),
     "spec.containers[0].ports[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive"),
    ("service port 0", changed(SERVICE, "spec.ports.0.port", 0),
     "spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"),
    ("node port out of range", changed(SERVICE, "spec", {"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]}),
     "spec.ports[0].nodePort", "The range of valid ports is 30000-32767"),
    ("service type", changed(SERVICE, "spec.type", "Public"),
     "spec.type", 'Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", "LoadBalancer", '
                  '"NodePort"'),
    ("pod restartPolicy", changed(POD, "spec.restartPolicy", "Sometimes"),
     "spec.restartPolicy", 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    ("deployment pods must restart Always", changed(DEPLOYMENT, "spec.template.spec.restartPolicy", "Never"),
     "spec.template.spec.restartPolicy", 'Unsupported value: "Never": supported values: "Always"'),
    ("job pods default to Always, which jobs refuse",
     changed(JOB, "spec.template", {"spec": {"containers": [CONTAINER]}}),
     "spec.template.spec.restartPolicy", 'Unsupported value: "Always": supported values: "OnFailure", "Never"'),
    ("protocol", changed(POD, "spec.containers.0.ports", [{"containerPort": 80, "protocol": "tcp"}]),
     "spec.containers[0].ports[0].protocol", 'Unsupported value: "tcp"'),
    ("deployment strategy", changed(DEPLOYMENT, "spec.strategy", {"type": "BlueGreen"}),
     "spec.strategy.type", 'supported values: "Recreate", "RollingUpdate"'),
    ("cron schedule with 3 fields", changed(CRONJOB, "spec.schedule", "* * *"),
     "spec.schedule", 'Invalid value: "* * *": expected exactly 5 fields, found 3'),
    ("cron minute 61", changed(CRONJOB, "spec.schedule", "61 * * * *"),
     "spec.schedule", "end of range (61) above maximum (59)"),
    ("cron word", changed(CRONJOB, "spec.schedule", "every minute"),
     "spec.schedule", "expected exactly 5 fields"),
    ("cronjob pods must not restart Always",
     changed(CRONJOB, "spec.jobTemplate.spec.template.spec.restartPolicy", "Always"),
     "spec.jobTemplate.spec.template.spec.restartPolicy", 'Unsupported value: "Always"'),
    ("duplicate container names", changed(POD, "spec.containers", [CONTAINER, CONTAINER]),
     "spec.containers[1].name", 'Duplicate value: "app"'),
    ("init container named like a container", changed(POD, "spec.initContainers", [CONTAINER]),
     "spec.containers[0].name", 'Duplicate value: "app"'),
    ("duplicate container port names", changed(POD, "spec.containers.0.ports", [
        {"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81}]),
     "spec.containers[0].ports[1].name", 'Duplicate value: "http"'),
    ("duplicate service port names", changed(SERVICE, "spec.ports", [{"name": "web", "port": 80},
                                                                      {"name": "web", "port": 81}]),
     "spec.ports[1].name", 'Duplicate value: "web"'),
    ("unnamed port among several", changed(SERVICE, "spec.ports", [{"name": "web", "port": 80}, {"port": 81}]),
     "spec.ports[1].name", "Required value"),
    ("container name", changed(POD, "spec.containers.0.name", "App_1"),
     "spec.containers[0].name", "a lowercase RFC 1123 label must consist of"),
    ("label key", changed(POD, "metadata.labels", {"bad key!": "x"}),
     "metadata.labels", 'Invalid value: "bad key!": name part must consist of'),
    ("label value", changed(POD, "metadata.labels", {"app": "not ok"}),
     "metadata.labels", 'Invalid value: "not ok": a valid label must be an empty string'),
    ("label key prefix", changed(POD, "metadata.labels", {"Example.com/app": "x"}),
     "metadata.labels", "prefix part a lowercase RFC 1123 subdomain"),
    ("template label", changed(DEPLOYMENT, "spec.template.metadata.labels", {"app": "web", "tier": "a b"}),
     "spec.template.metadata.labels", 'Invalid value: "a b"'),
    ("selector label value", changed(DEPLOYMENT, "spec.selector", {"matchLabels": {"app": "web!"}}),
     "spec.selector.matchLabels", 'Invalid value: "web!"'),
    ("selector operator", changed(DEPLOYMENT, "spec.selector", {
        "matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Equals", "values": ["a"]}]}),
     "spec.selector.matchExpressions[0].operator", 'Invalid value: "Equals": not a valid selector operator'),
    ("selector In without values", changed(DEPLOYMENT, "spec.selector", {
        "matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In"}]}),
     "spec.selector.matchExpressions[0].values", "must be specified when `operator` is 'In' or 'NotIn'"),
    ("null container", changed(POD, "spec.containers", [CONTAINER, None]),
     "spec.containers[1].name", "Required value"),
    ("null service port", changed(SERVICE, "spec.ports", [None]),
     "spec.ports[0].port", "must be between 1 and 65535, inclusive"),
    ("null container port", changed(POD, "spec.containers.0.ports", [None]),
     "spec.containers[0].ports[0].containerPort", "Required value"),
    ("negative job parallelism", changed(JOB, "spec.parallelism", -1),
     "spec.parallelism", "Invalid value: -1: must be greater than or equal to 0"),
]


@pytest.fixture
def dyn(eks):
    return dynamic.DynamicClient(eks.api_client())


@pytest.mark.parametrize(("obj", "field", "message"), [case[1:] for case in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_built_in_objects_are_422_naming_the_field(dyn, namespace, obj, field, message):
    api = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    with pytest.raises(DynamicApiError) as refused:
        api.create(body=obj, namespace=namespace)
    status = json.loads(refused.value.body)
    assert (refused.value.status, status["kind"], status["reason"]) == (422, "Status", "Invalid"), status
    causes = {(c["field"], c["message"]) for c in status["details"]["causes"]}
    assert any(f == field and message in m for f, m in causes), causes
    assert f"{field}: " in status["message"] and status["details"]["kind"] == obj["kind"]
    with pytest.raises(DynamicApiError) as absent:  # nothing was stored
        api.get(name=obj["metadata"]["name"], namespace=namespace)
    assert absent.value.status == 404


VALID = [
    ("quantities in every notation", changed(POD, "spec.containers.0.resources", {
        "requests": {"cpu": "250m", "memory": "64Mi", "ephemeral-storage": "1e3"},
        "limits": {"cpu": 1, "memory": "128974848", "ephemeral-storage": "2k"}})),
    ("cron descriptors, names and steps", changed(CRONJOB, "spec.schedule", "0 9-17/2 * JAN-jun MON,fri")),
    ("cron @hourly", changed(CRONJOB, "spec.schedule", "@hourly")),
    ("statefulset of zero", changed(STATEFULSET, "spec.replicas", 0)),
    ("named target port and prefixed label", changed(SERVICE, "spec", {
        "selector": {"app.kubernetes.io/name": "web"}, "ports": [{"port": 80, "targetPort": "http"}]})),
]


@pytest.mark.parametrize("obj", [case[1] for case in VALID], ids=[c[0] for c in VALID])
def test_valid_objects_pass(dyn, namespace, obj):
    api = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    assert api.create(body=obj, namespace=namespace).metadata.uid


@pytest.mark.parametrize("quantity", ["abc", "1Gb", "", "1.2.3"])
def test_a_quantity_that_does_not_parse_is_400_and_breaks_no_reader(eks, namespace, quantity):
    """A bad quantity on a pod used to be stored and then break `kubectl describe node` (and any typed client
    listing pods) for everyone; like the apiserver's decoder, the write is refused instead."""
    pod = changed(POD, "spec.containers.0.resources", {"requests": {"memory": quantity}})
    created = eks.kubectl("create", "-f", "-", input=json.dumps(pod), namespace=namespace)
    assert created.returncode != 0
    assert "Error from server (BadRequest)" in created.stderr and 'Pod in version "v1" cannot be handled as a Pod' \
        in created.stderr, created.stderr
    assert "quantities must match the regular expression" in created.stderr or "suffix" in created.stderr
    deployment = changed(DEPLOYMENT, "spec.template.spec.containers.0.resources", {"limits": {"cpu": quantity}})
    refused = eks.kubectl("apply", "-f", "-", input=json.dumps(deployment), namespace=namespace)
    assert refused.returncode != 0 and "cannot be handled as a Deployment" in refused.stderr, refused.stderr
    good = changed(POD, "spec.containers.0.resources", {"requests": {"memory": "64Mi", "cpu": "100m"}})
    assert eks.kubectl("create", "-f", "-", input=json.dumps(good), namespace=namespace).returncode == 0
    nodes = eks.kubectl("get", "nodes", "-o", "name")
    assert nodes.returncode == 0 and nodes.stdout.strip(), nodes.stderr
    described = eks.kubectl("describe", nodes.stdout.split()[0])
    assert described.returncode == 0 and "Allocated resources" in described.stdout, described.stderr
    listed = client.CoreV1Api(eks.api_client()).list_pod_for_all_namespaces()  # typed decoding of every pod
    assert any(p.metadata.name == "p" for p in listed.items)


def test_updates_are_validated_too(eks, namespace):
    assert eks.kubectl("create", "-f", "-", input=json.dumps(DEPLOYMENT), namespace=namespace).returncode == 0
    patched = eks.kubectl("patch", "deployment", "d", "--type=merge", "-p", '{"spec": {"replicas": -1}}',
                          namespace=namespace)
    assert patched.returncode != 0
    assert 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' in patched.stderr, patched.stderr
    schedule = eks.kubectl("apply", "-f", "-", input=json.dumps(changed(CRONJOB, "spec.schedule", "0 25 * * *")),
                           namespace=namespace)
    assert schedule.returncode != 0 and "spec.schedule: Invalid value" in schedule.stderr, schedule.stderr


BAD_QUERIES = [  # (case, path under the namespace, message fragment)
    ("unclosed set", "configmaps?labelSelector=" + urllib.parse.quote("app in (a"), "unable to parse requirement"),
    ("empty set", "configmaps?labelSelector=" + urllib.parse.quote("app in ()"), "values set can't be empty"),
    ("space in value", "configmaps?labelSelector=" + urllib.parse.quote("app=a b"), "unable to parse requirement"),
    ("bad key", "configmaps?labelSelector=" + urllib.parse.quote("bad key!=x"), "unable to parse requirement"),
    ("bad value", "configmaps?labelSelector=" + urllib.parse.quote("app=-web"), "a valid label must be"),
    ("no key", "configmaps?labelSelector=" + urllib.parse.quote("=x"), "unable to parse requirement"),
    ("unknown field", "configmaps?fieldSelector=spec.foo%3Dbar", "field label not supported: spec.foo"),
    ("pod-only field on secrets", "secrets?fieldSelector=spec.nodeName%3Dn", "field label not supported"),
    ("malformed field selector", "pods?fieldSelector=status.phase", "invalid field selector"),
    ("limit", "configmaps?limit=ten", '"ten"'),
    ("timeoutSeconds on watch", "configmaps?watch=true&timeoutSeconds=soon", '"soon"'),
    ("bad selector on watch", "configmaps?watch=true&labelSelector=" + urllib.parse.quote("a in ("),
     "unable to parse requirement"),
]


@pytest.mark.parametrize(("path", "message"), [c[1:] for c in BAD_QUERIES], ids=[c[0] for c in BAD_QUERIES])
def test_bad_list_and_watch_parameters_are_400(eks, namespace, path, message):
    answer = eks.request("GET", f"/api/v1/namespaces/{namespace}/{path}")
    status = answer.json()
    assert (answer.status, status["kind"], status["reason"]) == (400, "Status", "BadRequest"), status
    assert message in status["message"], status


def test_kubectl_reports_bad_selectors(eks, namespace):
    field = eks.kubectl("get", "configmaps", "--field-selector", "spec.foo=bar", namespace=namespace)
    assert field.returncode != 0 and "field label not supported: spec.foo" in field.stderr, field.stderr
    label = eks.kubectl("get", "configmaps", "-l", "app in (a", namespace=namespace)
    assert label.returncode != 0, label.stderr
    events = eks.kubectl("get", "events", "--field-selector", "involvedObject.kind=Pod,type!=Normal",
                         namespace=namespace)
    assert events.returncode == 0, events.stderr


@pytest.mark.parametrize("selector", ["app=web,tier!=db", "app in (web, api),!canary", "app", "rank>2,rank<9",
                                      "app.kubernetes.io/name==web"])
def test_python_client_selectors_that_parse(eks, namespace, selector):
    core = client.CoreV1Api(eks.api_client())
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "m", "labels": {
        "app": "web", "rank": "5", "app.kubernetes.io/name": "web"}}})
    assert [m.metadata.name for m in core.list_namespaced_config_map(namespace, label_selector=selector).items] \
        == ["m"]


def test_quantities_sent_as_numbers_come_back_as_the_apiservers_strings(eks, namespace):
    pod = changed(POD, "spec.containers.0.resources", {"requests": {"cpu": 0.5, "memory": 2000},
                                                        "limits": {"cpu": 1, "memory": "4k"}})
    assert eks.kubectl("create", "-f", "-", input=json.dumps(pod), namespace=namespace).returncode == 0
    read = eks.kubectl("get", "pod", "p", "-o", "jsonpath={.spec.containers[0].resources}", namespace=namespace)
    assert json.loads(read.stdout) == {"requests": {"cpu": "500m", "memory": "2k"},
                                       "limits": {"cpu": "1", "memory": "4k"}}, read.stderr
