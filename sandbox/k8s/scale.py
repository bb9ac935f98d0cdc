"""The autoscaling/v1 Scale subresource of deployments, replica sets, stateful sets and replication controllers."""

from __future__ import annotations

from .errors import bad_request


def scale_of(obj: dict) -> dict:
    meta = obj["metadata"]
    selector = ((obj.get("spec") or {}).get("selector") or {})
    labels = selector.get("matchLabels", selector) if isinstance(selector, dict) else {}
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                   "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if isinstance(v, str))},
    }


def with_replicas(obj: dict, scale: dict) -> dict:
    """The parent object carrying the Scale's replicas (and its resourceVersion as a precondition)."""
    replicas = (scale.get("spec") or {}).get("replicas") if isinstance(scale, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise bad_request("spec.replicas of a Scale must be a non-negative integer")
    obj.setdefault("spec", {})["replicas"] = replicas
    wanted_version = (scale.get("metadata") or {}).get("resourceVersion")
    if wanted_version:
        obj["metadata"]["resourceVersion"] = wanted_version
    return obj
