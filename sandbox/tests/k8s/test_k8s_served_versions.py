"""One stored object, two served versions: autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers, read and
written through the Python client's typed APIs for each version, and watched through v1."""

from __future__ import annotations

from kubernetes import client, watch


def test_hpa_has_a_v1_and_a_v2_view(eks, namespace):
    api = eks.api_client()
    v1, v2 = client.AutoscalingV1Api(api), client.AutoscalingV2Api(api)
    v2.create_namespaced_horizontal_pod_autoscaler(namespace, client.V2HorizontalPodAutoscaler(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V2HorizontalPodAutoscalerSpec(
            scale_target_ref=client.V2CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="web"),
            min_replicas=2, max_replicas=6, metrics=[client.V2MetricSpec(
                type="Resource", resource=client.V2ResourceMetricSource(
                    name="cpu", target=client.V2MetricTarget(type="Utilization", average_utilization=70)))])))

    seen = v1.read_namespaced_horizontal_pod_autoscaler("web", namespace)
    assert (seen.api_version, seen.spec.target_cpu_utilization_percentage, seen.spec.max_replicas) == (
        "autoscaling/v1", 70, 6)
    [listed] = v1.list_namespaced_horizontal_pod_autoscaler(namespace).items
    assert listed.metadata.uid == seen.metadata.uid

    v1.patch_namespaced_horizontal_pod_autoscaler("web", namespace, {"spec": {"targetCPUUtilizationPercentage": 55,
                                                                            "maxReplicas": 8}})
    stored = v2.read_namespaced_horizontal_pod_autoscaler("web", namespace)
    assert stored.spec.max_replicas == 8
    assert [(m.resource.name, m.resource.target.average_utilization) for m in stored.spec.metrics] == [("cpu", 55)]

    events = watch.Watch().stream(v1.list_namespaced_horizontal_pod_autoscaler, namespace, timeout_seconds=2)
    first = next(iter(events))
    assert first["type"] == "ADDED" and first["object"].spec.target_cpu_utilization_percentage == 55
    v1.delete_namespaced_horizontal_pod_autoscaler("web", namespace)
    assert not v2.list_namespaced_horizontal_pod_autoscaler(namespace).items
