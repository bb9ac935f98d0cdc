"""Endpoints and EndpointSlices follow Services and their ready pods (selector, resolved target ports, ready
conditions), change when pods come and go or the Service changes, and go with the Service; read with kubectl and
the Python client."""

from __future__ import annotations

import json

import yaml

from sandbox.tests.k8s.k8s_helpers import wait_until


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def app(name: str, replicas: int) -> str:
    return yaml.safe_dump_all([
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                      {"name": "web", "image": "nginx:1.25", "ports": [{"name": "http", "containerPort": 8080}]}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"tier": "front"}},
         "spec": {"selector": {"app": name}, "ports": [{"name": "web", "port": 80, "targetPort": "http"},
                                                       {"name": "metrics", "port": 9090}]}}])


def slices_of(eks, namespace, service):
    from kubernetes import client

    found = client.DiscoveryV1Api(eks.api_client()).list_namespaced_endpoint_slice(
        namespace, label_selector=f"kubernetes.io/service-name={service}")
    return found.items


def addresses(eks, namespace, service) -> list[str]:
    return sorted(a for s in slices_of(eks, namespace, service) for e in s.endpoints or [] for a in e.addresses
                  if e.conditions.ready)


def test_endpoints_follow_ready_pods_and_the_service(eks, namespace):
    ok(eks.kubectl("apply", "-f", "-", input=app("shop", 2), namespace=namespace))
    wait_until(lambda: len(addresses(eks, namespace, "shop")) == 2)
    pods = json.loads(ok(eks.kubectl("get", "pods", "-l", "app=shop", "-o", "json", namespace=namespace)))["items"]
    pod_ips = sorted(p["status"]["podIP"] for p in pods)

    [slice_] = slices_of(eks, namespace, "shop")
    assert slice_.address_type == "IPv4" and slice_.metadata.labels["tier"] == "front"
    assert slice_.metadata.labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    assert slice_.metadata.owner_references[0].kind == "Service"
    assert sorted((p.name, p.port, p.protocol) for p in slice_.ports) == [("metrics", 9090, "TCP"),
                                                                          ("web", 8080, "TCP")]
    endpoint = slice_.endpoints[0]
    assert endpoint.target_ref.kind == "Pod" and endpoint.node_name and endpoint.zone
    assert (endpoint.conditions.ready, endpoint.conditions.serving, endpoint.conditions.terminating) == (
        True, True, False)

    shown = eks.kubectl("get", "endpoints", "shop", "-o", "json", namespace=namespace)
    # the test cluster runs Kubernetes 1.33, where the apiserver warns on every use of v1 Endpoints
    assert "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice" in shown.stderr
    [subset] = json.loads(ok(shown))["subsets"]
    assert sorted(a["ip"] for a in subset["addresses"]) == pod_ips
    assert sorted((p["name"], p["port"]) for p in subset["ports"]) == [("metrics", 9090), ("web", 8080)]
    table = ok(eks.kubectl("get", "endpointslices", namespace=namespace))
    assert table.split()[:5] == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"] and pod_ips[0] in table

    ok(eks.kubectl("scale", "deployment", "shop", "--replicas=3", namespace=namespace))
    wait_until(lambda: len(addresses(eks, namespace, "shop")) == 3)
    ok(eks.kubectl("delete", "pod", pods[0]["metadata"]["name"], "--wait=false", namespace=namespace))
    wait_until(lambda: pods[0]["status"]["podIP"] not in addresses(eks, namespace, "shop"))

    one_port = [{"op": "replace", "path": "/spec/ports", "value": [{"name": "web", "port": 81, "targetPort": 81}]}]
    ok(eks.kubectl("patch", "service", "shop", "--type=json", "-p", json.dumps(one_port), namespace=namespace))
    wait_until(lambda: [(p.name, p.port) for s in slices_of(eks, namespace, "shop") for p in s.ports or []] ==
               [("web", 81)])
    ok(eks.kubectl("delete", "service", "shop", namespace=namespace))
    wait_until(lambda: not slices_of(eks, namespace, "shop"))
    # The Endpoints object goes too (its own controller, as in Kubernetes: not necessarily in the same instant).
    wait_until(lambda: eks.kubectl("get", "endpoints", "shop", namespace=namespace).returncode != 0)
    gone = eks.kubectl("get", "endpoints", "shop", namespace=namespace)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


def test_pods_not_ready_are_listed_as_not_ready(eks, namespace):
    ok(eks.kubectl("apply", "-f", "-", input=app("lone", 1), namespace=namespace))
    wait_until(lambda: len(addresses(eks, namespace, "lone")) == 1)
    [pod] = json.loads(ok(eks.kubectl("get", "pods", "-l", "app=lone", "-o", "json", namespace=namespace)))["items"]
    conditions = [dict(c, status="False") if c["type"] == "Ready" else c for c in pod["status"]["conditions"]]
    ok(eks.kubectl("patch", "pod", pod["metadata"]["name"], "--subresource=status", "--type=merge", "-p",
                   json.dumps({"status": {"conditions": conditions}}), namespace=namespace))
    wait_until(lambda: not addresses(eks, namespace, "lone"))
    [slice_] = slices_of(eks, namespace, "lone")
    assert [(e.addresses, e.conditions.ready) for e in slice_.endpoints] == [([pod["status"]["podIP"]], False)]
    endpoints = json.loads(ok(eks.kubectl("get", "endpoints", "lone", "-o", "json", namespace=namespace)))
    assert [a["ip"] for a in endpoints["subsets"][0]["notReadyAddresses"]] == [pod["status"]["podIP"]]
    assert "addresses" not in endpoints["subsets"][0]
