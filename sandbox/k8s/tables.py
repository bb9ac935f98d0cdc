"""Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which `kubectl get` asks for."""

from __future__ import annotations

import functools
from datetime import datetime, timezone


def _age_column():
    return {"name": "Age", "type": "string", "format": "", "description": "Time since the object was created",
            "priority": 0}


def human_duration(seconds: int) -> str:
    """The apiserver's short ages: 45s, 3m20s, 2h5m, 3d4h, 2y30d."""
    if seconds < 0:
        return "0s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m" + (f"{seconds % 60}s" if seconds % 60 else "")
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h" + (f"{minutes % 60}m" if minutes % 60 else "")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d" + (f"{hours % 24}h" if hours % 24 else "")
    if days < 365 * 2:
        return f"{days}d"
    if days < 365 * 8:
        return f"{days // 365}y{days % 365}d"
    return f"{days // 365}y"


def age(obj: dict) -> str:
    created = obj["metadata"].get("creationTimestamp")
    if not created:
        return "<unknown>"
    since = datetime.now(timezone.utc) - _instant(created)
    return human_duration(int(since.total_seconds()))


@functools.lru_cache(maxsize=4096)
def _instant(timestamp: str) -> datetime:
    # strptime is slow, and a table of many objects meets the same creation seconds again and again
    return datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _column(name: str, type_: str = "string", priority: int = 0, fmt: str = "") -> dict:
    return {"name": name, "type": type_, "format": fmt, "description": name, "priority": priority}


def _ready(status: dict, ready_key: str, total) -> str:
    return f"{status.get(ready_key, 0)}/{total}"


def _pod_cells(o):
    status = o.get("status") or {}
    containers = status.get("containerStatuses") or []
    ready = sum(1 for c in containers if c.get("ready"))
    total = len((o.get("spec") or {}).get("containers") or [])
    return [f"{ready}/{total}", status.get("phase", "Pending"), sum(c.get("restartCount", 0) for c in containers),
            age(o), status.get("podIP", "<none>"),
            (o.get("spec") or {}).get("nodeName", "<none>")]


def _service_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    external = ",".join(i.get("hostname") or i.get("ip", "") for i in ingress) or (
        "<pending>" if spec.get("type") == "LoadBalancer" else "<none>")
    ports = ",".join(f'{p.get("port")}{":" + str(p["nodePort"]) if p.get("nodePort") else ""}/{p.get("protocol", "TCP")}'
                     for p in spec.get("ports") or [])
    return [spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"), external, ports or "<none>",
            age(o)]


def _node_cells(o):
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in (o.get("status") or {}).get("conditions") or [])
    return ["Ready" if ready else "NotReady", "<none>", age(o),
            ((o.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "")]


def _replica_set_cells(o):
    status = o.get("status") or {}
    return [(o.get("spec") or {}).get("replicas", 1), status.get("replicas", 0), status.get("readyReplicas", 0), age(o)]


def _stateful_set_cells(o):
    return [_ready(o.get("status") or {}, "readyReplicas", (o.get("spec") or {}).get("replicas", 1)), age(o)]


def _daemon_set_cells(o):
    status = o.get("status") or {}
    return [status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0),
            status.get("numberReady", 0), status.get("updatedNumberScheduled", 0),
            status.get("numberAvailable", 0), age(o)]


def _job_cells(o):
    status = o.get("status") or {}
    conditions = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
    state = "Complete" if "Complete" in conditions else "Failed" if "Failed" in conditions else "Running"
    return [state, f'{status.get("succeeded", 0)}/{(o.get("spec") or {}).get("completions", 1)}', age(o)]


def _claim_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    return [status.get("phase", "Pending"), spec.get("volumeName", ""), (status.get("capacity") or {}).get("storage", ""),
            ",".join({"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}.get(m, m)
                     for m in status.get("accessModes") or []), spec.get("storageClassName", ""), age(o)]


# (group, kind) -> (columns after Name, cells function); Age is where a kind's printer puts it.
_PRINTERS = {
    ("", "Pod"): ([_column("Ready"), _column("Status"), _column("Restarts", "integer"), _age_column(),
                   _column("IP", priority=1), _column("Node", priority=1)], _pod_cells),
    ("apps", "Deployment"): ([_column("Ready"), _column("Up-to-date", "integer"), _column("Available", "integer"),
                              _age_column()],
                             lambda o: [_ready(o.get("status") or {}, "readyReplicas", (o.get("spec") or {}).get("replicas", 1)),
                                        (o.get("status") or {}).get("updatedReplicas", 0),
                                        (o.get("status") or {}).get("availableReplicas", 0),
                                        age(o)]),
    ("", "Service"): ([_column("Type"), _column("Cluster-IP"), _column("External-IP"), _column("Port(s)"),
                       _age_column()], _service_cells),
    ("apps", "ReplicaSet"): ([_column("Desired", "integer"), _column("Current", "integer"),
                              _column("Ready", "integer"), _age_column()], _replica_set_cells),
    ("apps", "StatefulSet"): ([_column("Ready"), _age_column()], _stateful_set_cells),
    ("apps", "DaemonSet"): ([_column("Desired", "integer"), _column("Current", "integer"), _column("Ready", "integer"),
                             _column("Up-to-date", "integer"), _column("Available", "integer"), _age_column()],
                            _daemon_set_cells),
    ("batch", "Job"): ([_column("Status"), _column("Completions"), _age_column()], _job_cells),
    ("", "PersistentVolumeClaim"): ([_column("Status"), _column("Volume"), _column("Capacity"),
                                     _column("Access Modes"), _column("StorageClass"), _age_column()], _claim_cells),
    ("", "Namespace"): ([_column("Status"), _age_column()],
                        lambda o: [(o.get("status") or {}).get("phase", "Active"), age(o)]),
    ("", "Node"): ([_column("Status"), _column("Roles"), _age_column(), _column("Version")], _node_cells),
}


def _partial(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def _printer(rtype):
    """(columns after Name, cells function): a CRD's additionalPrinterColumns (which replace Age), else the kind's."""
    if rtype.is_custom and rtype.printer_columns:
        from . import customresources

        return (customresources.printer_columns(rtype.printer_columns),
                lambda o: customresources.printer_cells(o, rtype.printer_columns, human_duration))
    return _PRINTERS.get((rtype.group, rtype.kind), ([_age_column()], lambda o: [age(o)]))


def table(rtype, objects: list[dict], list_metadata: dict, include_object: str) -> dict:
    columns, cells = _printer(rtype)
    rows = []
    for obj in objects:
        row = {"cells": [obj["metadata"]["name"], *cells(obj)]}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = _partial(obj)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_metadata,
            "columnDefinitions": [_column("Name", fmt="name"), *columns], "rows": rows}


def partial_list(objects: list[dict], list_metadata: dict) -> dict:
    return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": list_metadata,
            "items": [_partial(o) for o in objects]}


def partial(obj: dict) -> dict:
    return _partial(obj)
