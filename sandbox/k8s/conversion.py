"""Versions served in another form than they are stored in (kinds.STORED_AS), converted both ways the way the
apiserver's conversion functions do: events.k8s.io/v1 Events over core v1 Events, autoscaling/v1 HPAs over
autoscaling/v2 ones. Objects are converted as copies; the stored form is never changed in place."""

from __future__ import annotations

from .storage import clone

# events.k8s.io/v1 field -> core v1 field (the same data under other names).
_EVENT_FIELDS = {"regarding": "involvedObject", "note": "message", "reportingController": "reportingComponent",
                 "deprecatedSource": "source", "deprecatedFirstTimestamp": "firstTimestamp",
                 "deprecatedLastTimestamp": "lastTimestamp", "deprecatedCount": "count"}


def to_stored(rtype, obj):
    """A request body in the served form -> the stored form (non-objects are left for validation to refuse)."""
    if not isinstance(obj, dict):
        return obj
    obj = clone(obj)
    obj.pop("apiVersion", None)
    obj.pop("kind", None)
    if rtype.group == "events.k8s.io":
        return core_event(obj)
    return _hpa_v2(obj)


def from_stored(rtype, obj: dict) -> dict:
    """A stored object (a copy the store handed out) -> the served form."""
    if rtype.group == "events.k8s.io":
        return _renamed(obj, {core: served for served, core in _EVENT_FIELDS.items()})
    return _hpa_v1(obj)


def core_event(obj: dict) -> dict:
    """An events.k8s.io/v1 Event's fields under their core v1 names."""
    return _renamed(obj, _EVENT_FIELDS)


def _renamed(obj: dict, names: dict) -> dict:
    return {names.get(key, key): value for key, value in obj.items()}


def _hpa_v2(obj: dict) -> dict:
    spec = obj.get("spec")
    if isinstance(spec, dict) and "targetCPUUtilizationPercentage" in spec:
        percent = spec.pop("targetCPUUtilizationPercentage")
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": percent}}}]
    status = obj.get("status")
    if isinstance(status, dict) and "currentCPUUtilizationPercentage" in status:
        percent = status.pop("currentCPUUtilizationPercentage")
        status["currentMetrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "current": {"averageUtilization": percent}}}]
    return obj


def _hpa_v1(obj: dict) -> dict:
    """Only a CPU utilization target has a v1 form (the apiserver keeps the other metrics in annotations)."""
    spec = obj.get("spec") or {}
    for metric in spec.pop("metrics", None) or []:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu" and \
                (resource.get("target") or {}).get("type") == "Utilization":
            spec["targetCPUUtilizationPercentage"] = resource["target"].get("averageUtilization")
    status = obj.get("status")
    if not isinstance(status, dict):
        return obj
    status.pop("conditions", None)
    status.setdefault("currentReplicas", 0)  # not omitempty in v1
    for metric in status.pop("currentMetrics", None) or []:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu" and \
                "averageUtilization" in (resource.get("current") or {}):
            status["currentCPUUtilizationPercentage"] = resource["current"]["averageUtilization"]
    return obj
