"""Argo CD's built-in health assessment (gitops-engine's pkg/health) for the kinds the platform deploys.

`health(obj)` is {"status": ..., "message": ...} or None for kinds Argo CD assesses no health for (ConfigMap,
Secret, RBAC...). Applications (app of apps) have no health unless argocd-cm customizes it
(`resource.customizations.health.argoproj.io_Application`), as in Argo CD since 1.8.
"""

from __future__ import annotations

HEALTHY, PROGRESSING, DEGRADED, SUSPENDED, MISSING, UNKNOWN = (
    "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown")
# gitops-engine's health.IsWorse order.
ORDER = (HEALTHY, SUSPENDED, PROGRESSING, MISSING, DEGRADED, UNKNOWN)
APPLICATION_HEALTH_KEY = "resource.customizations.health.argoproj.io_Application"


def worst(statuses) -> str:
    return max(statuses, key=ORDER.index, default=HEALTHY)


def health(obj: dict, settings: dict | None = None) -> dict | None:
    kind, group = obj.get("kind"), obj.get("apiVersion", "").rpartition("/")[0]
    check = _CHECKS.get((group, kind))
    if (group, kind) == ("argoproj.io", "Application") and APPLICATION_HEALTH_KEY not in (settings or {}):
        return None
    return check(obj) if check else None


def _result(status: str, message: str = "") -> dict:
    return {"status": status, "message": message} if message else {"status": status}


def _observed(obj: dict) -> bool:
    return (obj.get("status") or {}).get("observedGeneration", 0) >= obj["metadata"].get("generation", 1)


def _deployment(obj: dict) -> dict:
    spec, status, name = obj.get("spec") or {}, obj.get("status") or {}, obj["metadata"]["name"]
    if spec.get("paused"):
        return _result(SUSPENDED, "Deployment is paused")
    if not _observed(obj):
        return _result(PROGRESSING, "Waiting for rollout to finish: observed deployment generation less than "
                                    "desired generation")
    progressing = next((c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), {})
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return _result(DEGRADED, f'Deployment "{name}" exceeded its progress deadline')
    replicas, updated = spec.get("replicas", 1), status.get("updatedReplicas", 0)
    if updated < replicas:
        return _result(PROGRESSING, f"Waiting for rollout to finish: {updated} out of {replicas} new replicas have "
                                    "been updated...")
    if status.get("replicas", 0) > updated:
        return _result(PROGRESSING, f"Waiting for rollout to finish: {status['replicas'] - updated} old replicas "
                                    "are pending termination...")
    if status.get("availableReplicas", 0) < updated:
        return _result(PROGRESSING, f"Waiting for rollout to finish: {status.get('availableReplicas', 0)} of "
                                    f"{updated} updated replicas are available...")
    return _result(HEALTHY)


def _stateful_set(obj: dict) -> dict:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if not _observed(obj):
        return _result(PROGRESSING, "Waiting for statefulset spec update to be observed...")
    replicas = spec.get("replicas", 1)
    if status.get("readyReplicas", 0) < replicas:
        return _result(PROGRESSING, f"Waiting for {replicas - status.get('readyReplicas', 0)} pods to be ready...")
    if (spec.get("updateStrategy") or {}).get("type") == "OnDelete":
        return _result(HEALTHY, f"statefulset has {status.get('readyReplicas', 0)} ready pods")
    if status.get("updateRevision") and status.get("currentRevision") != status.get("updateRevision"):
        return _result(PROGRESSING, "waiting for statefulset rolling update to complete")
    return _result(HEALTHY, f"statefulset rolling update complete {status.get('currentReplicas', replicas)} pods at "
                            f"revision {status.get('currentRevision', '')}...")


def _daemon_set(obj: dict) -> dict:
    status = obj.get("status") or {}
    if not _observed(obj):
        return _result(PROGRESSING, "Waiting for rollout to finish: observed daemon set generation less than "
                                    "desired generation")
    desired = status.get("desiredNumberScheduled", 0)
    if status.get("updatedNumberScheduled", 0) < desired or status.get("numberAvailable", 0) < desired:
        return _result(PROGRESSING, f"Waiting for daemon set {obj['metadata']['name']} rollout to finish")
    return _result(HEALTHY)


def _replica_set(obj: dict) -> dict:
    if not _observed(obj):
        return _result(PROGRESSING, "Waiting for rollout to finish: observed replica set generation less than "
                                    "desired generation")
    wanted, available = (obj.get("spec") or {}).get("replicas", 1), (obj.get("status") or {}).get(
        "availableReplicas", 0)
    if available < wanted:
        return _result(PROGRESSING, f"Waiting for rollout to finish: {available} out of {wanted} new replicas are "
                                    "available...")
    return _result(HEALTHY)


def _pod(obj: dict) -> dict:
    status = obj.get("status") or {}
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in ("ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff", "InvalidImageName",
                                     "CreateContainerConfigError"):
            return _result(DEGRADED, waiting.get("message") or waiting["reason"])
    phase = status.get("phase", "Pending")
    if phase == "Succeeded":
        return _result(HEALTHY, status.get("message", ""))
    if phase == "Failed":
        return _result(DEGRADED, status.get("message", ""))
    if phase == "Running":
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
        return _result(HEALTHY) if ready.get("status") == "True" else _result(PROGRESSING)
    return _result(PROGRESSING, status.get("message", ""))


def _service(obj: dict) -> dict:
    if (obj.get("spec") or {}).get("type") == "LoadBalancer" and \
            not ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
        return _result(PROGRESSING)
    return _result(HEALTHY)


def _ingress(obj: dict) -> dict:
    return _result(HEALTHY) if ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") \
        else _result(PROGRESSING)


def _pvc(obj: dict) -> dict:
    phase = (obj.get("status") or {}).get("phase")
    return _result({"Bound": HEALTHY, "Lost": DEGRADED}.get(phase, PROGRESSING))


def _job(obj: dict) -> dict:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") == "Failed":
            return _result(DEGRADED, condition.get("message", ""))
        if condition.get("status") == "True" and condition.get("type") == "Complete":
            return _result(HEALTHY, condition.get("message", ""))
    if (obj.get("spec") or {}).get("suspend"):
        return _result(SUSPENDED, "job is suspended")
    return _result(PROGRESSING)


# gitops-engine's HPA check: these (type, reason) pairs are Degraded; ScalingActive True is Healthy.
_HPA_DEGRADED = {("AbleToScale", "FailedGetScale"), ("AbleToScale", "FailedUpdateScale"),
                 ("ScalingActive", "FailedGetResourceMetric"), ("ScalingActive", "InvalidSelector")}


def _hpa(obj: dict) -> dict:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if (condition.get("type"), condition.get("reason")) in _HPA_DEGRADED:
            return _result(DEGRADED, condition.get("message", ""))
        if condition.get("type") == "ScalingActive" and condition.get("status") == "True":
            return _result(HEALTHY, condition.get("message", ""))
    return _result(PROGRESSING, "Waiting to Autoscale")


def _application(obj: dict) -> dict:
    app_health = (obj.get("status") or {}).get("health") or {}
    return _result(app_health.get("status") or PROGRESSING, app_health.get("message", ""))


_CHECKS = {
    ("apps", "Deployment"): _deployment, ("apps", "StatefulSet"): _stateful_set, ("apps", "DaemonSet"): _daemon_set,
    ("apps", "ReplicaSet"): _replica_set, ("", "Pod"): _pod, ("", "Service"): _service,
    ("networking.k8s.io", "Ingress"): _ingress, ("", "PersistentVolumeClaim"): _pvc, ("batch", "Job"): _job,
    ("autoscaling", "HorizontalPodAutoscaler"): _hpa, ("argoproj.io", "Application"): _application,
}
