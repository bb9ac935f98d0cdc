"""Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which `kubectl get` asks for."""

from __future__ import annotations

import functools
from datetime import datetime, timezone

from . import conversion


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
    status = o.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    state = "Ready" if ready else "NotReady"
    if (o.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in o["metadata"].get("labels") or {}
                   if k.startswith("node-role.kubernetes.io/"))
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    info = status.get("nodeInfo") or {}
    return [state, ",".join(roles) or "<none>", age(o), info.get("kubeletVersion", ""),
            addresses.get("InternalIP", "<none>"), addresses.get("ExternalIP", "<none>"), info.get("osImage", ""),
            info.get("kernelVersion", ""), info.get("containerRuntimeVersion", "")]


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


def _access_modes(modes) -> str:
    return ",".join({"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                     "ReadWriteOncePod": "RWOP"}.get(m, m) for m in modes or [])


def _since(stamp: str | None, unset: str = "<none>") -> str:
    """How long ago a timestamp (RFC 3339, fractions ignored) was, like Age; `unset` when there is none."""
    if not stamp:
        return unset
    when = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return human_duration(int((datetime.now(timezone.utc) - when).total_seconds()))


def _ingress_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    hosts = ",".join(r.get("host") or "*" for r in spec.get("rules") or []) or "*"
    addresses = ",".join(i.get("ip") or i.get("hostname", "") for i in (status.get("loadBalancer") or {}).get(
        "ingress") or [])
    return [spec.get("ingressClassName", "<none>"), hosts, addresses, "80, 443" if spec.get("tls") else "80", age(o)]


def _metric_target(metric: dict, current: dict | None) -> str:
    """One HPA metric as `kubectl get hpa` shows it: `cpu: 40%/80%`, `<unknown>` until measured."""
    kind = metric.get("type", "")
    source = metric.get(kind[:1].lower() + kind[1:]) or {}
    target = source.get("target") or {}
    measured = ((current or {}).get(kind[:1].lower() + kind[1:]) or {}).get("current") or {}
    if target.get("type") == "Utilization":
        wanted = f'{target.get("averageUtilization")}%'
        now = f'{measured["averageUtilization"]}%' if "averageUtilization" in measured else "<unknown>"
    else:
        wanted = str(target.get("averageValue") or target.get("value") or "")
        now = str(measured.get("averageValue") or measured.get("value") or "<unknown>")
    name = source.get("name") or (source.get("metric") or {}).get("name", "")
    return f"{name}: {now}/{wanted}" if name else f"{now}/{wanted}"


def _hpa_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    metrics = spec.get("metrics") or []
    current = status.get("currentMetrics") or []
    targets = ", ".join(_metric_target(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics))
    return [f'{ref.get("kind", "")}/{ref.get("name", "")}', targets or "<none>", spec.get("minReplicas", 1),
            spec.get("maxReplicas", 0), status.get("currentReplicas", 0), age(o)]


def _pdb_cells(o):
    spec = o.get("spec") or {}
    return [str(spec.get("minAvailable", "N/A")), str(spec.get("maxUnavailable", "N/A")),
            (o.get("status") or {}).get("disruptionsAllowed", 0), age(o)]


def _cron_job_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    containers = ((job_spec.get("template") or {}).get("spec") or {}).get("containers") or []
    selector = (job_spec.get("selector") or {}).get("matchLabels") or {}
    return [spec.get("schedule", ""), spec.get("timeZone", "<none>"), "True" if spec.get("suspend") else "False",
            len(status.get("active") or []), _since(status.get("lastScheduleTime")), age(o),
            ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
            ",".join(f"{k}={v}" for k, v in selector.items()) or "<none>"]


def _volume_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    claim = spec.get("claimRef") or {}
    return [(spec.get("capacity") or {}).get("storage", ""), _access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", "Retain"), status.get("phase", "Pending"),
            f'{claim["namespace"]}/{claim["name"]}' if claim.get("name") else "",
            spec.get("storageClassName", ""), spec.get("volumeAttributesClassName", "<unset>"),
            status.get("reason", ""), age(o), spec.get("volumeMode", "Filesystem")]


def _claim_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    return [status.get("phase", "Pending"), spec.get("volumeName", ""), (status.get("capacity") or {}).get("storage", ""),
            _access_modes(status.get("accessModes")), spec.get("storageClassName", ""), age(o)]


def _api_service_cells(o):
    service = (o.get("spec") or {}).get("service")
    available = next((c for c in (o.get("status") or {}).get("conditions") or [] if c.get("type") == "Available"), {})
    shown = available.get("status", "Unknown")
    if shown != "True" and available.get("reason"):
        shown += f' ({available["reason"]})'
    return [f'{service.get("namespace")}/{service.get("name")}' if service else "Local", shown, age(o)]


def _listed(values: list[str], limit: int = 3) -> str:
    """kubectl's endpoint lists: the first three, then how many more."""
    if not values:
        return "<none>"
    more = f" + {len(values) - limit} more..." if len(values) > limit else ""
    return ",".join(values[:limit]) + more


def _endpoints_cells(o):
    found = [f'{a.get("ip")}:{p.get("port")}' for s in o.get("subsets") or [] for p in s.get("ports") or [{}]
             for a in s.get("addresses") or []]
    return [_listed(found), age(o)]


def _endpoint_slice_cells(o):
    ports = ",".join(str(p.get("port")) for p in o.get("ports") or []) or "<unset>"
    addresses = [a for e in o.get("endpoints") or [] for a in e.get("addresses") or []]
    return [o.get("addressType", ""), ports, _listed(addresses), age(o)]


def _event_cells(o):
    involved, source = o.get("involvedObject") or {}, o.get("source") or {}
    last = o.get("lastTimestamp") or o.get("eventTime") or (o["metadata"].get("creationTimestamp"))
    first = o.get("firstTimestamp") or o.get("eventTime") or last
    return [_since(last, "<unknown>"), o.get("type", ""), o.get("reason", ""),
            f'{involved.get("kind", "").lower()}/{involved.get("name", "")}', involved.get("fieldPath", ""),
            ", ".join(v for v in (source.get("component") or o.get("reportingComponent"), source.get("host")) if v),
            o.get("message", ""), _since(first, "<unknown>"), o.get("count", 1), o["metadata"]["name"]]


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
    ("networking.k8s.io", "Ingress"): ([_column("Class"), _column("Hosts"), _column("Address"), _column("Ports"),
                                        _age_column()], _ingress_cells),
    ("autoscaling", "HorizontalPodAutoscaler"): ([_column("Reference"), _column("Targets"),
                                                  _column("MinPods", "integer"), _column("MaxPods", "integer"),
                                                  _column("Replicas", "integer"), _age_column()], _hpa_cells),
    ("policy", "PodDisruptionBudget"): ([_column("Min Available"), _column("Max Unavailable"),
                                         _column("Allowed Disruptions", "integer"), _age_column()], _pdb_cells),
    ("batch", "CronJob"): ([_column("Schedule"), _column("Timezone"), _column("Suspend", "boolean"),
                            _column("Active", "integer"), _column("Last Schedule"), _age_column(),
                            _column("Containers", priority=1), _column("Images", priority=1),
                            _column("Selector", priority=1)], _cron_job_cells),
    ("", "ConfigMap"): ([_column("Data", "integer"), _age_column()],
                        lambda o: [len(o.get("data") or {}) + len(o.get("binaryData") or {}), age(o)]),
    ("", "Secret"): ([_column("Type"), _column("Data", "integer"), _age_column()],
                     lambda o: [o.get("type", "Opaque"), len(o.get("data") or {}), age(o)]),
    ("", "ServiceAccount"): ([_column("Secrets", "integer"), _age_column()],
                             lambda o: [len(o.get("secrets") or []), age(o)]),
    ("", "PersistentVolume"): ([_column("Capacity"), _column("Access Modes"), _column("Reclaim Policy"),
                                _column("Status"), _column("Claim"), _column("StorageClass"),
                                _column("VolumeAttributesClass"), _column("Reason"), _age_column(),
                                _column("VolumeMode", priority=1)], _volume_cells),
    ("", "PersistentVolumeClaim"): ([_column("Status"), _column("Volume"), _column("Capacity"),
                                     _column("Access Modes"), _column("StorageClass"), _age_column()], _claim_cells),
    ("", "Namespace"): ([_column("Status"), _age_column()],
                        lambda o: [(o.get("status") or {}).get("phase", "Active"), age(o)]),
    ("", "Node"): ([_column("Status"), _column("Roles"), _age_column(), _column("Version"),
                    *(_column(n, priority=1) for n in ("Internal-IP", "External-IP", "OS-Image", "Kernel-Version",
                                                       "Container-Runtime"))], _node_cells),
    ("apiregistration.k8s.io", "APIService"): ([_column("Service"), _column("Available"), _age_column()],
                                               _api_service_cells),
    ("", "Endpoints"): ([_column("Endpoints"), _age_column()], _endpoints_cells),
    ("discovery.k8s.io", "EndpointSlice"): ([_column("AddressType"), _column("Ports"), _column("Endpoints"),
                                             _age_column()], _endpoint_slice_cells),
}
# Kinds whose printer puts Name elsewhere than first: the columns are all of them, cells give the name too.
_EVENT_COLUMNS = [_column("Last Seen"), _column("Type"), _column("Reason"), _column("Object"),
                  _column("Subobject", priority=1), _column("Source", priority=1), _column("Message"),
                  _column("First Seen", priority=1), _column("Count", "integer", priority=1),
                  _column("Name", priority=1, fmt="name")]
_WHOLE_ROW_PRINTERS = {
    ("", "Event"): (_EVENT_COLUMNS, _event_cells),
    ("events.k8s.io", "Event"): (_EVENT_COLUMNS, lambda o: _event_cells(conversion.core_event(o))),
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
    whole_row = _WHOLE_ROW_PRINTERS.get((rtype.group, rtype.kind))
    columns, cells = whole_row or _printer(rtype)
    if not whole_row:
        columns, cells = [_column("Name", fmt="name"), *columns], (lambda o, c=cells: [o["metadata"]["name"], *c(o)])
    rows = []
    for obj in objects:
        row = {"cells": cells(obj)}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = _partial(obj)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_metadata,
            "columnDefinitions": columns, "rows": rows}


def partial_list(objects: list[dict], list_metadata: dict) -> dict:
    return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": list_metadata,
            "items": [_partial(o) for o in objects]}


def partial(obj: dict) -> dict:
    return _partial(obj)
