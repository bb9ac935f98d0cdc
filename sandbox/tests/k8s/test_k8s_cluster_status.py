"""What the simulated controllers report about the cluster: nodes and pods addressed from the nodegroup's
subnets (`get nodes -o wide`), cordoned nodes, HPA and PDB status, and the columns `kubectl get` prints for
Ingress, HPA, PDB, ConfigMap, Secret, ServiceAccount and PersistentVolume."""

from __future__ import annotations

import ipaddress
import json
import time

import pytest
import yaml

from sandbox.harness import CLUSTER
from sandbox.tests.k8s.k8s_helpers import wait_until

VERSIONS = ["1.32", "1.34", ""]  # "" is the default kubectl, 1.37
IDS = ["kubectl-1.32", "kubectl-1.34", "kubectl-1.37"]


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def get(eks, what: str, namespace: str = "default") -> dict:
    return json.loads(ok(eks.kubectl("get", what, "-o", "json", namespace=namespace)))


def deployment(name: str, replicas: int) -> str:
    return yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": {
        "replicas": replicas, "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
                     "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}}}})


def running_pods(eks, namespace: str, count: int) -> list[dict]:
    return wait_until(lambda: len(pods := [p for p in get(eks, "pods", namespace)["items"]
                                           if p["status"].get("phase") == "Running"]) == count and pods)


def nodegroup_subnets(eks) -> dict[str, str]:
    """CIDR -> availability zone of the subnets of the nodegroup `workers`, as EC2 has them."""
    ids = eks.boto3("eks").describe_nodegroup(clusterName=CLUSTER, nodegroupName="workers")["nodegroup"]["subnets"]
    return {s["CidrBlock"]: s["AvailabilityZone"] for s in eks.boto3("ec2").describe_subnets(SubnetIds=ids)["Subnets"]}


def subnet_of(address: str, subnets) -> str | None:
    return next((c for c in subnets if ipaddress.ip_address(address) in ipaddress.ip_network(c)), None)


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_nodes_are_addressed_in_the_nodegroup_subnets(eks, version):
    subnets = nodegroup_subnets(eks)
    wide = ok(eks.kubectl("get", "nodes", "-o", "wide", version=version)).splitlines()
    assert wide[0].split()[:7] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP"]
    rows = [line.split() for line in wide[1:]]
    assert len(rows) == 2
    zones = set()
    for name, status, _, _, _, internal_ip, external_ip, *_ in rows:
        cidr = subnet_of(internal_ip, subnets)
        assert cidr and status == "Ready" and external_ip == "<none>", rows
        assert name == f"ip-{internal_ip.replace('.', '-')}.{eks.boto3('eks').meta.region_name}.compute.internal"
        node = get(eks, f"node/{name}")
        assert node["metadata"]["labels"]["topology.kubernetes.io/zone"] == subnets[cidr]
        zones.add(subnets[cidr])
    assert len(zones) == 2  # spread over the nodegroup's subnets in turn


def test_pods_get_addresses_from_their_node_subnet(eks, namespace):
    subnets = nodegroup_subnets(eks)
    ok(eks.kubectl("apply", "-f", "-", input=deployment("web", 4), namespace=namespace))
    nodes = {n["metadata"]["name"]: n["status"]["addresses"][0]["address"] for n in get(eks, "nodes")["items"]}
    addresses = set()
    for pod in running_pods(eks, namespace, 4):
        status = pod["status"]
        assert status["hostIP"] == nodes[pod["spec"]["nodeName"]]
        assert subnet_of(status["podIP"], subnets) == subnet_of(status["hostIP"], subnets) is not None
        assert status["podIPs"] == [{"ip": status["podIP"]}]
        addresses.add(status["podIP"])
    assert len(addresses) == 4 and not addresses & set(nodes.values())


def test_cordoned_node_shows_scheduling_disabled_and_gets_no_new_pods(eks, namespace):
    node = sorted(n["metadata"]["name"] for n in get(eks, "nodes")["items"])[0]
    ok(eks.kubectl("cordon", node))
    try:
        wait_until(lambda: any(t["key"] == "node.kubernetes.io/unschedulable"
                               for t in get(eks, f"node/{node}")["spec"].get("taints", [])))
        table = ok(eks.kubectl("get", "node", node)).splitlines()
        assert table[1].split()[1] == "Ready,SchedulingDisabled"
        ok(eks.kubectl("apply", "-f", "-", input=deployment("web", 4), namespace=namespace))
        assert {p["spec"]["nodeName"] for p in running_pods(eks, namespace, 4)} == {
            n["metadata"]["name"] for n in get(eks, "nodes")["items"]} - {node}
    finally:
        ok(eks.kubectl("uncordon", node))
    wait_until(lambda: not get(eks, f"node/{node}")["spec"].get("taints"))
    assert ok(eks.kubectl("get", "node", node)).splitlines()[1].split()[1] == "Ready"


NO_METRICS_API = ("failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
                  "resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)")


def hpa_events(eks, namespace: str, name: str) -> list[tuple[str, str, str]]:
    return [(e["type"], e["reason"], e["message"]) for e in get(eks, "events", namespace)["items"]
            if e["involvedObject"]["kind"] == "HorizontalPodAutoscaler" and e["involvedObject"]["name"] == name
            and e["source"]["component"] == "horizontal-pod-autoscaler"]


def test_hpa_keeps_replicas_within_bounds_and_reports_them(eks, namespace):
    """Without metrics-server (none in this cluster) the HPA controller brings the target within its bounds and
    reports the metrics it cannot read, in its words: the conditions and events `kubectl describe hpa` shows."""
    ok(eks.kubectl("apply", "-f", "-", input=deployment("web", 1), namespace=namespace))
    ok(eks.kubectl("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80", namespace=namespace))
    status = wait_until(lambda: (s := get(eks, "hpa/web", namespace).get("status", {})).get("currentReplicas") == 2
                        and s)  # the deployment had 1 replica: it was scaled up to minReplicas
    assert status["desiredReplicas"] == 2 and "lastScaleTime" in status
    assert get(eks, "deployment/web", namespace)["spec"]["replicas"] == 2
    failed = ("Warning", "FailedGetResourceMetric", NO_METRICS_API)
    wait_until(lambda: failed in hpa_events(eks, namespace, "web"))
    conditions = {c["type"]: c for c in get(eks, "hpa/web", namespace)["status"]["conditions"]}
    assert (conditions["AbleToScale"]["status"], conditions["AbleToScale"]["reason"]) == ("True", "SucceededGetScale")
    assert (conditions["ScalingActive"]["status"], conditions["ScalingActive"]["reason"]) == (
        "False", "FailedGetResourceMetric")
    assert conditions["ScalingActive"]["message"] == \
        f"the HPA was unable to compute the replica count: {NO_METRICS_API}"
    time.sleep(1.5)  # more controller passes (at least one a second): a warning is written once, not per pass
    not_computed = ("Warning", "FailedComputeMetricsReplicas",
                    f"invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: "
                    f"{NO_METRICS_API}")
    assert sorted(hpa_events(eks, namespace, "web")) == sorted([
        ("Normal", "SuccessfulRescale", "New size: 2; reason: Current number of replicas below Spec.MinReplicas"),
        failed, not_computed])
    described = ok(eks.kubectl("describe", "hpa", "web", namespace=namespace))
    assert "SuccessfulRescale" in described and "New size: 2; reason: Current number of replicas below" in described
    table = ok(eks.kubectl("get", "hpa", namespace=namespace)).splitlines()
    assert table[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    assert table[1].split()[:7] == ["web", "Deployment/web", "cpu:", "<unknown>/80%", "2", "5", "2"]
    # Above maxReplicas: brought down to it, with the controller's reason.
    ok(eks.kubectl("patch", "hpa", "web", "-p", '{"spec":{"minReplicas":1,"maxReplicas":1}}', namespace=namespace))
    wait_until(lambda: ("Normal", "SuccessfulRescale", "New size: 1; reason: Current number of replicas above "
                                                      "Spec.MaxReplicas") in hpa_events(eks, namespace, "web"))


def test_hpa_without_its_target_reports_failed_get_scale(eks, namespace):
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "lost"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ghost"},
                    "minReplicas": 1, "maxReplicas": 3}}
    ok(eks.kubectl("apply", "-f", "-", input=json.dumps(hpa), namespace=namespace))
    problem = 'deployments/scale.apps "ghost" not found'
    wait_until(lambda: ("Warning", "FailedGetScale", problem) in hpa_events(eks, namespace, "lost"))
    status = get(eks, "hpa/lost", namespace)["status"]
    assert status["conditions"] == [{
        "type": "AbleToScale", "status": "False", "reason": "FailedGetScale",
        "message": f"the HPA controller was unable to get the target's current scale: {problem}",
        "lastTransitionTime": status["conditions"][0]["lastTransitionTime"]}]
    assert status["desiredReplicas"] == 0 and "currentReplicas" not in status  # as the apiserver made it


def test_pdb_status_counts_healthy_and_allowed_disruptions(eks, namespace):
    ok(eks.kubectl("apply", "-f", "-", input=deployment("web", 3), namespace=namespace))
    running_pods(eks, namespace, 3)
    budgets = [{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
                "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec}}
               for name, spec in (("min-two", {"minAvailable": 2}), ("half", {"maxUnavailable": "50%"}))]
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(budgets), namespace=namespace))

    def status(name):
        return get(eks, f"pdb/{name}", namespace).get("status", {})
    wait_until(lambda: "expectedPods" in status("min-two") and "expectedPods" in status("half"))
    first, second = status("min-two"), status("half")
    assert (first["expectedPods"], first["currentHealthy"], first["desiredHealthy"], first["disruptionsAllowed"]) \
        == (3, 3, 2, 1)
    assert (second["expectedPods"], second["desiredHealthy"], second["disruptionsAllowed"]) == (3, 1, 2)
    assert first["conditions"][0]["type"] == "DisruptionAllowed" and first["conditions"][0]["status"] == "True"
    table = ok(eks.kubectl("get", "pdb", namespace=namespace)).splitlines()
    assert table[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]
    rows = {line.split()[0]: line.split()[1:4] for line in table[1:]}
    assert rows == {"half": ["N/A", "50%", "2"], "min-two": ["2", "N/A", "1"]}


@pytest.mark.parametrize("version", VERSIONS, ids=IDS)
def test_table_columns_of_common_kinds(eks, namespace, version):
    manifests = [
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "shop"}, "spec": {
            "ingressClassName": "alb", "tls": [{"hosts": ["shop.example.com"]}],
            "rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                "service": {"name": "web", "port": {"number": 80}}}}]}}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1", "b": "2"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token"}, "type": "Opaque",
         "stringData": {"key": "value"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "user"}, "spec": {  # gp2 binds on first use
            "containers": [{"name": "app", "image": "busybox"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}},
    ]
    ok(eks.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(manifests), namespace=namespace))
    expected = {
        "ingress": (["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], ["shop", "alb", "shop.example.com", "80,"]),
        "configmap/settings": (["NAME", "DATA", "AGE"], ["settings", "2"]),
        "secret/token": (["NAME", "TYPE", "DATA", "AGE"], ["token", "Opaque", "1"]),
        "serviceaccount/robot": (["NAME", "SECRETS", "AGE"], ["robot", "0"]),
    }
    for what, (header, cells) in expected.items():
        table = ok(eks.kubectl("get", what, version=version, namespace=namespace)).splitlines()
        assert table[0].split() == header, what
        assert table[1].split()[:len(cells)] == cells, (what, table)
    volume = wait_until(lambda: get(eks, "pvc/data", namespace)["spec"].get("volumeName"))
    table = ok(eks.kubectl("get", "pv", volume, version=version)).splitlines()
    assert table[0].split() == ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM",
                                "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
    assert table[1].split()[:8] == [volume, "1Gi", "RWO", "Delete", "Bound", f"{namespace}/data", "gp2", "<unset>"]


def test_python_client_and_describe_read_the_reported_status(eks, namespace):
    from kubernetes import client

    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"}, "spec": {
        "schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "job", "image": "busybox"}]}}}}}}
    budget = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}, "maxUnavailable": 1}}
    ok(eks.kubectl("apply", "-f", "-", input=deployment("web", 2) + "---\n" + yaml.safe_dump(cron),
                   namespace=namespace))
    ok(eks.kubectl("autoscale", "deployment", "web", "--min=1", "--max=3", "--cpu-percent=70", namespace=namespace))
    api = eks.api_client()
    # The apiserver answers the create with the empty status (counts at 0); the disruption controller fills it.
    created = client.PolicyV1Api(api).create_namespaced_pod_disruption_budget(namespace, budget)
    assert (created.status.expected_pods, created.status.current_healthy, created.status.desired_healthy,
            created.status.disruptions_allowed) == (0, 0, 0, 0)
    # So it does for an HPA: in autoscaling/v2 JSON desiredReplicas 0 and a null currentMetrics (currentReplicas is
    # omitempty), in autoscaling/v1 both counts at 0; the strict client reads both.
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3}
    made = eks.request("POST", f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers", {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "raw"}, "spec": spec})
    assert made.status == 201 and made.json()["status"] == {"desiredReplicas": 0, "currentMetrics": None}
    typed = client.AutoscalingV2Api(api).create_namespaced_horizontal_pod_autoscaler(namespace, {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "typed"},
        "spec": spec, "status": {"desiredReplicas": 7, "currentReplicas": 7}})  # a status in the body is dropped
    assert (typed.status.desired_replicas, typed.status.current_replicas, typed.status.current_metrics) == \
        (0, None, None)
    first = client.AutoscalingV1Api(api).create_namespaced_horizontal_pod_autoscaler(namespace, {
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "first"},
        "spec": {**spec, "targetCPUUtilizationPercentage": 60}})
    assert (first.status.current_replicas, first.status.desired_replicas,
            first.status.current_cpu_utilization_percentage) == (0, 0, None)
    hpa = wait_until(lambda: (h := client.AutoscalingV2Api(api).read_namespaced_horizontal_pod_autoscaler(
        "web", namespace)).status.current_replicas == 2 and h)
    # No metrics-server here: the desired count is never computed (it stays the empty status's 0, as on a real
    # cluster), and the metric read shows as an empty entry.
    assert hpa.status.desired_replicas == 0 and {c.type for c in hpa.status.conditions} == {
        "AbleToScale", "ScalingActive"}
    assert [m.type for m in hpa.status.current_metrics] == [""]
    pdb = wait_until(lambda: (p := client.PolicyV1Api(api).read_namespaced_pod_disruption_budget(
        "web", namespace)).status.current_healthy == 2 and p)
    assert (pdb.status.expected_pods, pdb.status.desired_healthy, pdb.status.disruptions_allowed) == (2, 1, 1)
    assert client.BatchV1Api(api).read_namespaced_cron_job("nightly", namespace).spec.successful_jobs_history_limit \
        == 3
    node = client.CoreV1Api(api).list_node().items[0]
    assert node.status.addresses[0].type == "InternalIP"
    for what in ("hpa/web", "pdb/web", "cronjob/nightly", "deployment/web"):
        shown = ok(eks.kubectl("describe", what, namespace=namespace))
        assert "Name:" in shown, what
    described = ok(eks.kubectl("describe", "node", node.metadata.name))
    assert ["InternalIP:", node.status.addresses[0].address] in [line.split() for line in described.splitlines()]
