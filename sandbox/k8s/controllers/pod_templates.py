"""Pods made from a workload's template, and which of them are ready (shared by the workload controllers)."""

from __future__ import annotations

import json

from .context import live, owned_by, owner_reference


def is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def pods_of(owner: dict, all_pods: list[dict]) -> list[dict]:
    return live(owned_by(all_pods, owner))


def new_pod(owner: dict, template, name: str, extra_labels=None, node=None, volumes=()) -> dict:
    template = json.loads(json.dumps(template or {}))
    tmeta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    if node:
        spec["nodeName"] = node
    if volumes:
        spec["volumes"] = [v for v in spec.get("volumes") or [] if v.get("name") not in {x["name"] for x in volumes}]
        spec["volumes"] += list(volumes)
    return {"metadata": {"name": name, "labels": {**(tmeta.get("labels") or {}), **(extra_labels or {})},
                         "annotations": tmeta.get("annotations") or {},
                         "ownerReferences": [owner_reference(owner)]},
            "spec": spec}
