"""Scheduling against requests, the cluster autoscaler, the resource metrics API and the HPA, in an EKS cluster of
its own (one t3.medium node, 1 to 3): with the real metrics-server and cluster-autoscaler charts from the mirror
installed by helm, pending pods grow the nodegroup (seen through boto3), `kubectl top` shows the simulated usage,
an HPA scales on it, and an idle node goes after the autoscaler's --scale-down-unneeded-time; before the charts
are installed and ready none of that happens. Tests run in file order on the one cluster; the delays are the
autoscaler's flags and the HPA's default window, passed by moving the emulator's clock."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from sandbox.config import DEFAULT_REGION
from sandbox.harness import EksCluster
from sandbox.k8s.instance_types import shape
from sandbox.tests.k8s.k8s_helpers import BIN, run, wait_until

NAME = "scaling"
MIRROR_CHARTS = ("autoscaler/cluster-autoscaler-9.59.0.tgz", "metrics-server/metrics-server-3.13.1.tgz")


def ok(done) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def deployment(name: str, replicas: int, cpu: str, annotations: dict | None = None) -> str:
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                              "spec": {"containers": [{"name": "main", "image": "nginx:1.27",
                                                       "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]}}}})


@pytest.fixture(scope="module")
def cluster(eks, tmp_path_factory):
    """EKS cluster `scaling` beside the session's `demo` (same roles and subnets), nodegroup `small`: 1 to 3
    t3.medium nodes, 1 to start with."""
    made = EksCluster(eks.config, eks.env, tmp_path_factory.mktemp("scaling"), dict(eks.credentials), name=NAME)
    aws = made.boto3("eks")
    demo = aws.describe_cluster(name=eks.name)["cluster"]
    demo_group = aws.describe_nodegroup(clusterName=eks.name, nodegroupName="workers")["nodegroup"]
    subnets = demo["resourcesVpcConfig"]["subnetIds"]
    aws.create_cluster(name=NAME, version="1.33", roleArn=demo["roleArn"], resourcesVpcConfig={"subnetIds": subnets},
                       accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True})
    aws.get_waiter("cluster_active").wait(name=NAME, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    aws.create_nodegroup(clusterName=NAME, nodegroupName="small", nodeRole=demo_group["nodeRole"], subnets=subnets,
                         instanceTypes=["t3.medium"], scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 1})
    aws.get_waiter("nodegroup_active").wait(clusterName=NAME, nodegroupName="small",
                                            WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    wait_until(lambda: len(nodes(made)) == 1, timeout=30)
    try:
        yield made
    finally:
        aws.delete_nodegroup(clusterName=NAME, nodegroupName="small")
        aws.get_waiter("nodegroup_deleted").wait(clusterName=NAME, nodegroupName="small",
                                                 WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        aws.delete_cluster(name=NAME)


def nodes(cluster) -> list[dict]:
    return json.loads(ok(cluster.kubectl("get", "nodes", "-o", "json")))["items"]


def pods(cluster, selector: str, namespace: str = "default") -> list[dict]:
    return json.loads(ok(cluster.kubectl("get", "pods", "-l", selector, "-o", "json", namespace=namespace)))["items"]


def desired_size(cluster) -> int:
    group = cluster.boto3("eks").describe_nodegroup(clusterName=NAME, nodegroupName="small")["nodegroup"]
    return group["scalingConfig"]["desiredSize"]


def hpa_events(cluster, name: str = "web") -> list[tuple[str, str]]:
    """(reason, message) of the HPA controller's events about HPA `name`."""
    events = json.loads(ok(cluster.kubectl("get", "events", "-o", "json")))["items"]
    return [(e["reason"], e["message"]) for e in events if e["involvedObject"]["kind"] == "HorizontalPodAutoscaler"
            and e["involvedObject"]["name"] == name and e["source"]["component"] == "horizontal-pod-autoscaler"]


def helm(cluster, *args) -> str:
    env = {**cluster.env, "KUBECONFIG": str(cluster.kubeconfig()), "HOME": str(cluster.tmp)}
    return ok(run([BIN / "helm", *args], env=env, timeout=300))


AUTOSCALER_VALUES = ("--set", f"autoDiscovery.clusterName={NAME}", "--set", f"awsRegion={DEFAULT_REGION}",
                     "--set-string", "extraArgs.scan-interval=1s",
                     "--set-string", "extraArgs.scale-down-unneeded-time=5m",
                     "--set-string", "extraArgs.scale-down-delay-after-add=5m")


def install_charts(cluster, chart_mirror, *options: str) -> None:
    """metrics-server and cluster-autoscaler (auto-discovery of this cluster's groups; scans every second; idle
    nodes go after 5 minutes unneeded and 5 minutes after a scale-up)."""
    helm(cluster, "upgrade", "--install", "metrics-server", chart_mirror / MIRROR_CHARTS[1], "-n", "kube-system",
         "--reset-values", *options)
    helm(cluster, "upgrade", "--install", "autoscaler", chart_mirror / MIRROR_CHARTS[0], "-n", "kube-system",
         "--reset-values", *AUTOSCALER_VALUES, *options)


@pytest.fixture(scope="module")
def charts(cluster, chart_mirror):
    """Both charts installed and ready."""
    install_charts(cluster, chart_mirror, "--wait")


@pytest.fixture(scope="module")
def chart_mirror():
    from bench.charts import mirror

    found = mirror()
    assert all((found / chart).is_file() for chart in MIRROR_CHARTS), f"the chart mirror {found} lacks {MIRROR_CHARTS}"
    return found


def test_without_the_charts_ready_pods_stay_pending_and_no_metrics_are_served(cluster, chart_mirror):
    allocatable = shape("t3.medium").allocatable()
    node = nodes(cluster)[0]
    assert node["status"]["allocatable"] == allocatable and node["status"]["capacity"]["cpu"] == "2"
    assert node["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] == "small"
    # 3 x 800m on a node with 1930m: two fit, the third is Pending for want of CPU.
    ok(cluster.kubectl("apply", "-f", "-", input=deployment("hog", 3, "800m")))
    pending = wait_until(lambda: [p for p in pods(cluster, "app=hog") if p["status"].get("conditions") and
                                  not p["spec"].get("nodeName")], timeout=30)
    scheduled = next(c for c in pending[0]["status"]["conditions"] if c["type"] == "PodScheduled")
    assert scheduled["reason"] == "Unschedulable" and scheduled["message"].startswith(
        "0/1 nodes are available: 1 Insufficient cpu. preemption:")
    events = ok(cluster.kubectl("get", "events", "--field-selector", "reason=FailedScheduling"))
    assert "Insufficient cpu" in events
    # The two that fit were bound to the node; its kubelet starts them on its own time, as a real one does.
    wait_until(lambda: len([p for p in pods(cluster, "app=hog") if p["status"]["phase"] == "Running"]) == 2, timeout=30)
    top = cluster.kubectl("top", "pods")
    assert top.returncode != 0 and "Metrics API not available" in top.stderr
    assert cluster.request("GET", "/apis/metrics.k8s.io/v1beta1/nodes").status == 404  # no APIService
    # Installed but never ready (their pods fit no node): still nothing.
    install_charts(cluster, chart_mirror, "--set", "nodeSelector.pool=none")
    api_service = wait_until(lambda: (lambda found: found if found.get("status") else None)(json.loads(ok(
        cluster.kubectl("get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json")))), timeout=30)
    assert api_service["status"]["conditions"][0]["reason"] == "MissingEndpoints"
    assert cluster.request("GET", "/apis/metrics.k8s.io/v1beta1/nodes").status == 503
    time.sleep(3)  # what the autoscaler would need to act, were it ready (it scans every second in this file)
    assert desired_size(cluster) == 1 and len(nodes(cluster)) == 1


def test_pending_pods_grow_the_nodegroup_and_then_run(cluster, charts):
    wait_until(lambda: desired_size(cluster) == 2, timeout=30)
    wait_until(lambda: len(nodes(cluster)) == 2, timeout=30)
    running = wait_until(lambda: (lambda found: found if all(p["status"]["phase"] == "Running" for p in found)
                                  else None)(pods(cluster, "app=hog")), timeout=30)
    assert len({p["spec"]["nodeName"] for p in running}) == 2
    events = ok(cluster.kubectl("get", "events", "--field-selector", "reason=TriggeredScaleUp", "-o", "json"))
    messages = [e["message"] for e in json.loads(events)["items"]]
    assert messages and all("pod triggered scale-up: [{eks-small-" in m and " 1->2 (max: 3)}]" in m
                            for m in messages)
    assert desired_size(cluster) == 2  # the pods fit now: no further growth


def test_kubectl_top_shows_the_simulated_usage(cluster, charts):
    api_service = json.loads(ok(cluster.kubectl("get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "json")))
    assert next(c for c in api_service["status"]["conditions"] if c["type"] == "Available")["status"] == "True"
    rows = [line.split() for line in ok(cluster.kubectl("top", "pods", "-l", "app=hog")).splitlines()]
    assert rows[0] == ["NAME", "CPU(cores)", "MEMORY(bytes)"] and len(rows) == 4
    assert {(r[1], r[2]) for r in rows[1:]} == {("80m", "8Mi")}  # 10% of the requests (memory: the 8Mi floor)
    busy = rows[1][0]
    ok(cluster.kubectl("annotate", "pod", busy, "sandbox.eksforge.io/cpu-usage=750m",
                       "sandbox.eksforge.io/memory-usage=48Mi"))
    assert ok(cluster.kubectl("top", "pod", busy)).splitlines()[1].split()[1:] == ["750m", "48Mi"]
    top_nodes = [line.split() for line in ok(cluster.kubectl("top", "nodes")).splitlines()]
    assert top_nodes[0][:3] == ["NAME", "CPU(cores)", "CPU(%)"] and len(top_nodes) == 3
    assert all(int(row[1].rstrip("m")) >= 70 for row in top_nodes[1:])  # at least what EKS reserves (70m)


def test_hpa_scales_up_under_load_and_back_down_after_the_window(cluster, charts, moved_clock):
    loaded = deployment("web", 1, "100m", {"sandbox.eksforge.io/cpu-usage": "300m"})
    ok(cluster.kubectl("apply", "-f", "-", input=loaded))
    ok(cluster.kubectl("autoscale", "deployment", "web", "--min=1", "--max=4", "--cpu-percent=50"))

    def hpa():
        return json.loads(ok(cluster.kubectl("get", "hpa", "web", "-o", "json")))

    # 300% of the request against a 50% target: 6 replicas wanted, 4 allowed.
    status = wait_until(lambda: (s := hpa().get("status", {})).get("desiredReplicas") == 4 and s, timeout=30)
    assert status["currentMetrics"][0]["resource"]["name"] == "cpu"
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["ScalingActive"]["reason"] == "ValidMetricFound"
    assert conditions["ScalingLimited"]["reason"] == "TooManyReplicas"
    wait_until(lambda: len([p for p in pods(cluster, "app=web") if p["status"]["phase"] == "Running"]) == 4,
               timeout=30)
    table = ok(cluster.kubectl("get", "hpa", "web")).splitlines()[1].split()
    assert table[2:4] == ["cpu:", "300%/50%"]
    assert ("SuccessfulRescale", "New size: 4; reason: cpu resource utilization (percentage of request) above "
                                 "target") in hpa_events(cluster)
    # The load goes (new pods, 10% of their request): the recommendation drops to 1, held for the 300 s window.
    ok(cluster.kubectl("patch", "deployment", "web", "--type=json", "-p",
                       '[{"op": "remove", "path": "/spec/template/metadata/annotations"}]'))
    held = wait_until(lambda: (s := hpa().get("status", {})).get("currentMetrics", [{}])[0].get("resource", {})
                      .get("current", {}).get("averageUtilization") == 10 and s, timeout=30)
    conditions = {c["type"]: c for c in held["conditions"]}
    assert held["desiredReplicas"] == 4 and conditions["AbleToScale"]["reason"] == "ScaleDownStabilized"
    moved_clock(301)
    wait_until(lambda: hpa().get("status", {}).get("desiredReplicas") == 1, timeout=30)
    assert ("SuccessfulRescale", "New size: 1; reason: All metrics below target") in hpa_events(cluster)
    wait_until(lambda: len(pods(cluster, "app=web")) == 1, timeout=30)


def test_an_idle_node_goes_after_the_unneeded_time_never_below_min(cluster, charts, moved_clock):
    ok(cluster.kubectl("scale", "deployment", "hog", "web", "--replicas=0"))
    candidate = wait_until(lambda: [n for n in nodes(cluster) if any(
        t["key"] == "DeletionCandidateOfClusterAutoscaler" for t in n["spec"].get("taints", []))], timeout=30)
    assert len(candidate) == 1 and desired_size(cluster) == 2  # unneeded, not yet for 5 minutes
    moved_clock(301)
    wait_until(lambda: desired_size(cluster) == 1, timeout=30)
    remaining = wait_until(lambda: (lambda found: found if len(found) == 1 else None)(nodes(cluster)), timeout=30)
    assert remaining[0]["metadata"]["name"] != candidate[0]["metadata"]["name"]
    # The node left holds the charts' kube-system pods: the autoscaler keeps it, and min is 1 anyway.
    assert all(p["status"]["phase"] == "Running" for p in pods(cluster, "app.kubernetes.io/instance", "kube-system"))
    time.sleep(2)
    assert desired_size(cluster) == 1
