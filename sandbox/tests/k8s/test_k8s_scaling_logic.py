"""Pure logic behind scheduling and autoscaling (no sandbox): the scheduler's filters and messages, EKS's
allocatable per instance type, Go flags and durations, simulated usage and the HPA's replica arithmetic."""

from __future__ import annotations

from collections import Counter

import pytest

from sandbox.k8s import metrics
from sandbox.k8s.controllers import autoscalers
from sandbox.k8s.controllers.cluster_autoscaler import Settings
from sandbox.k8s.controllers.flags import container_flags, duration
from sandbox.k8s.controllers.placement import NodeRoom, choose, pod_requests, unschedulable_message
from sandbox.k8s.instance_types import shape


def pod(cpu="0", memory="0", **spec) -> dict:
    return {"metadata": {"name": "p", "annotations": spec.pop("annotations", {})},
            "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": memory}}}], **spec}}


def node(name="n1", cpu="1930m", memory="3Gi", labels=None, taints=None) -> NodeRoom:
    return NodeRoom.of({"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []},
                        "status": {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110"}}})


@pytest.mark.parametrize(("instance_type", "cpu", "arch"), [
    ("t3.medium", "1930m", "amd64"), ("t3.large", "1930m", "amd64"), ("m5.xlarge", "3920m", "amd64"),
    ("m7g.2xlarge", "7910m", "arm64"), ("c6i.4xlarge", "15890m", "amd64")])
def test_allocatable_cpu_is_what_eks_reserves_from(instance_type, cpu, arch):
    found = shape(instance_type)
    assert found.allocatable()["cpu"] == cpu and found.arch == arch
    assert int(found.allocatable()["memory"][:-2]) < int(found.capacity()["memory"][:-2])


def test_requests_take_the_larger_of_containers_and_init_containers_plus_overhead():
    made = pod("250m", "100Mi", initContainers=[{"name": "i", "resources": {"requests": {"cpu": "1"}}}],
               overhead={"cpu": "10m"})
    assert pod_requests(made) == {"cpu": 1010, "memory": 100 * 1024 ** 2}


def test_scheduler_reasons_and_choice():
    full, small = node("a", cpu="500m"), node("b", cpu="1930m")
    full.add({"cpu": 400, "memory": 0})
    room, reasons = choose([full, small], pod("300m"), {"cpu": 300, "memory": 0})
    assert room.name == "b" and reasons == Counter({"Insufficient cpu": 1})
    tainted = node("c", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    picky = pod("100m", nodeSelector={"pool": "x"})
    assert choose([tainted], pod("100m"), {"cpu": 100, "memory": 0})[1] == Counter(
        {"node(s) had untolerated taint {dedicated: gpu}": 1})
    assert choose([small], picky, {"cpu": 100, "memory": 0})[1] == Counter(
        {"node(s) didn't match Pod's node affinity/selector": 1})
    tolerant = pod("100m", tolerations=[{"key": "dedicated", "operator": "Exists"}])
    assert choose([tainted], tolerant, {"cpu": 100, "memory": 0})[0].name == "c"
    assert unschedulable_message(2, Counter({"Insufficient memory": 1, "Insufficient cpu": 2})) == (
        "0/2 nodes are available: 2 Insufficient cpu, 1 Insufficient memory. preemption: 0/2 nodes are "
        "available: 2 No preemption victims found for incoming pod.")


def test_flags_read_as_go_does():
    container = {"command": ["./cluster-autoscaler", "--scan-interval=1s", "--scale-down-enabled"],
                 "args": ["--scale-down-unneeded-time", "1m30s", "-v=4",
                          "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,team=a"]}
    assert container_flags(container)[:3] == [("scan-interval", "1s"), ("scale-down-enabled", None),
                                              ("scale-down-unneeded-time", "1m30s")]
    settings = Settings.of(container)
    assert (settings.scan_interval, settings.unneeded_time, settings.delay_after_add) == (1.0, 90.0, 600.0)
    assert settings.discovery == [{"k8s.io/cluster-autoscaler/enabled": None, "team": "a"}]
    assert settings.delay_after_delete == 1.0  # defaults to the scan interval
    assert duration("500ms") == 0.5 and duration("0") == 0.0
    with pytest.raises(ValueError):
        duration("10 minutes")


def test_usage_annotation_is_shared_by_requests_default_is_a_tenth():
    made = pod("100m", "100Mi", annotations={metrics.CPU_USAGE: "900m"})
    made["spec"]["containers"].append({"name": "side", "resources": {"requests": {"cpu": "200m"}}})
    usage = dict(metrics.container_usage(made))
    assert usage["c"]["cpu"] == 300 and usage["side"]["cpu"] == 600
    assert usage["c"]["memory"] == 10 * 1024 ** 2 and usage["side"]["memory"] == metrics.FLOOR["memory"]


def test_hpa_arithmetic_tolerance_unready_pods_window_and_policies():
    assert autoscalers._replicas(1.05, {"a": 1}, [], {"a": 1}, 3) == 3  # within the 0.1 tolerance
    assert autoscalers._replicas(2.0, {"a": 200, "b": 200}, [], {}, 2) == 4
    # Two pods measured at 200% of a 100 target, two still starting: counted as using nothing, 400/400 = 1.
    assert autoscalers._replicas(2.0, {"a": 200, "b": 200}, ["c", "d"], dict.fromkeys("abcd", 100), 4) == 4
    history = [(0.0, 6)]
    assert autoscalers._stabilized({}, history, 1, 4, 100.0) == (
        4, "recent recommendations were higher than current one, applying the highest recent recommendation")
    assert autoscalers._stabilized({}, history, 1, 4, 400.0) == (1, None)
    assert autoscalers._limited({}, 1, 10) == 5  # 4 pods or 100%, whichever is more
    assert autoscalers._limited({"scaleDown": {"policies": [{"type": "Pods", "value": 1}]}}, 5, 1) == 4


def test_hpa_metric_errors_are_the_controllers_words():
    """What the HPA controller says when a Resource metric cannot be read (its events and ScalingActive carry it)."""
    cpu = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}
    usage = {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue",
                                                                          "averageValue": "100Mi"}}}
    running = {**pod("100m", "64Mi"), "status": {"phase": "Running", "conditions": [{"type": "Ready",
                                                                                       "status": "True"}]}}
    starting = {**pod("100m", "64Mi"), "status": {"phase": "Running", "conditions": []}}
    assert autoscalers._resource_proposal(cpu, [running], 1, "unavailable") == (
        "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource "
        "metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)")
    assert autoscalers._resource_proposal(usage, [], 1, "available") == (
        "failed to get memory usage: unable to get metrics for resource memory: no metrics returned from resource "
        "metrics API")
    assert autoscalers._resource_proposal(cpu, [starting], 1, "available") == (
        "failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)")
    no_request = {**running, "spec": {"containers": [{"name": "c", "resources": {}}]}}
    assert autoscalers._resource_proposal(cpu, [no_request], 1, "available") == (
        "failed to get cpu utilization: missing request for cpu in container c of Pod p")
    # Measured at the default 10% of the request against a 50% target: one replica, named as the controller does.
    assert autoscalers._resource_proposal(cpu, [running], 1, "available")[:2] == (
        1, "cpu resource utilization (percentage of request)")
    assert autoscalers._metric_label({"type": "External", "external": {"metric": {"name": "queue"}}}) == \
        "queue external metric"
