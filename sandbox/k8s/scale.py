"""The autoscaling/v1 Scale subresource: of deployments, replica sets, stateful sets and replication controllers,
and of custom resources whose CRD names the replicas and selector paths (specReplicasPath, statusReplicasPath,
labelSelectorPath)."""

from __future__ import annotations

from .customresources import path_value, set_path_value
from .errors import bad_request


def scale_of(obj: dict, rtype) -> dict:
    meta = obj["metadata"]
    paths = rtype.scale_paths if rtype.is_custom else None
    if paths is not None:
        replicas = path_value(obj, paths.get("specReplicasPath", ".spec.replicas")) or 0
        current = path_value(obj, paths.get("statusReplicasPath", ".status.replicas")) or 0
        selector = path_value(obj, paths["labelSelectorPath"]) if paths.get("labelSelectorPath") else None
        selector = selector if isinstance(selector, str) else ""
    else:
        selector_spec = ((obj.get("spec") or {}).get("selector") or {})
        labels = selector_spec.get("matchLabels", selector_spec) if isinstance(selector_spec, dict) else {}
        replicas = (obj.get("spec") or {}).get("replicas", 0)
        current = (obj.get("status") or {}).get("replicas", 0)
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if isinstance(v, str))
    status = {"replicas": current}
    if selector or paths is None:
        status["selector"] = selector
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": replicas},
        "status": status,
    }


def with_replicas(obj: dict, scale: dict, rtype) -> dict:
    """The parent object carrying the Scale's replicas (and its resourceVersion as a precondition)."""
    replicas = (scale.get("spec") or {}).get("replicas") if isinstance(scale, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise bad_request("spec.replicas of a Scale must be a non-negative integer")
    paths = rtype.scale_paths if rtype.is_custom else None
    if paths is not None:
        set_path_value(obj, paths.get("specReplicasPath", ".spec.replicas"), replicas)
    else:
        obj.setdefault("spec", {})["replicas"] = replicas
    wanted_version = (scale.get("metadata") or {}).get("resourceVersion")
    if wanted_version:
        obj["metadata"]["resourceVersion"] = wanted_version
    return obj
