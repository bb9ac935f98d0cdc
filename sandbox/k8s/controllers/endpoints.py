"""Endpoints and EndpointSlices, as the endpoints and endpointslice controllers keep them: for every Service with a
selector, the pods it selects that have an IP (ready or not, by their Ready condition), with the Service's ports
resolved against each pod's container ports; one slice per distinct port set; gone with the Service."""

from __future__ import annotations

from .. import kinds
from .context import NODES, PODS, SERVICES, Context, live, owner_reference, short_hash
from .pod_templates import is_ready

ENDPOINTS = kinds.builtin_by_kind("", "Endpoints")
SLICES = kinds.builtin_by_kind("discovery.k8s.io", "EndpointSlice")
SERVICE_NAME = "kubernetes.io/service-name"
SLICE_MANAGER = ("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
ENDPOINTS_MANAGER = ("endpoints.kubernetes.io/managed-by", "endpoint-controller")
ZONE = "topology.kubernetes.io/zone"
NAME = "endpoints"


def reconcile(ctx: Context) -> None:
    if not ctx.changed(NAME, SERVICES, PODS, NODES, ENDPOINTS, SLICES):
        return
    services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in live(ctx.list(SERVICES))
                if (s.get("spec") or {}).get("selector") and (s.get("spec") or {}).get("type") != "ExternalName"}
    pods = [p for p in live(ctx.list(PODS, shared=True)) if (p.get("status") or {}).get("podIP")]
    zones = {n["metadata"]["name"]: (n["metadata"].get("labels") or {}).get(ZONE) for n in ctx.list(NODES, shared=True)}
    slices = [s for s in ctx.list(SLICES) if _managed(s, SLICE_MANAGER)]
    for key, service in services.items():
        groups = _port_groups(service, [p for p in pods if p["metadata"]["namespace"] == key[0]])
        _sync(ctx, ENDPOINTS, ctx.find(ENDPOINTS, *key), _endpoints(service, groups))
        wanted = {s["metadata"]["name"]: s for s in _slices(service, groups, zones)}
        for existing in slices:
            if (existing["metadata"]["namespace"], existing["metadata"]["labels"].get(SERVICE_NAME)) == key and \
                    existing["metadata"]["name"] not in wanted:
                ctx.delete(SLICES, existing)
        for name, slice_ in wanted.items():
            _sync(ctx, SLICES, ctx.find(SLICES, key[0], name), slice_)
    for existing in ctx.list(ENDPOINTS):
        if _managed(existing, ENDPOINTS_MANAGER) and (existing["metadata"]["namespace"],
                                                      existing["metadata"]["name"]) not in services:
            ctx.delete(ENDPOINTS, existing)
    for existing in slices:  # the garbage collector would get them too (owned by the Service), a pass later
        if (existing["metadata"]["namespace"], existing["metadata"]["labels"].get(SERVICE_NAME)) not in services:
            ctx.delete(SLICES, existing)


def _managed(obj: dict, manager: tuple[str, str]) -> bool:
    return (obj["metadata"].get("labels") or {}).get(manager[0]) == manager[1]


def _sync(ctx: Context, rtype, existing: dict | None, wanted: dict) -> None:
    if existing is None:
        ctx.create(rtype, wanted["metadata"]["namespace"], wanted)
        return
    changed = {k: v for k, v in wanted.items() if k != "metadata" and existing.get(k) != v}
    gone = [k for k in existing if k not in wanted and k not in ("metadata", "apiVersion", "kind")]
    labels = wanted["metadata"]["labels"]
    if changed or gone or existing["metadata"].get("labels") != labels:
        for key in gone:
            del existing[key]
        existing.update(changed)
        existing["metadata"]["labels"] = labels
        ctx.update(rtype, existing)


def _port_groups(service: dict, pods: list[dict]) -> dict[tuple, list[dict]]:
    """The selected pods by their resolved port list (a named targetPort may resolve differently per pod)."""
    selector = service["spec"]["selector"]
    groups: dict[tuple, list[dict]] = {}
    for pod in pods:
        labels = pod["metadata"].get("labels") or {}
        if all(labels.get(k) == v for k, v in selector.items()):
            groups.setdefault(_resolved_ports(service, pod), []).append(pod)
    return groups


def _resolved_ports(service: dict, pod: dict) -> tuple:
    named = {p.get("name"): p.get("containerPort") for c in (pod.get("spec") or {}).get("containers") or []
             for p in c.get("ports") or [] if p.get("name")}
    result = []
    for port in service["spec"].get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        number = named.get(target) if isinstance(target, str) else target
        if number is not None:
            result.append((port.get("name", ""), number, port.get("protocol", "TCP"), port.get("appProtocol")))
    return tuple(result)


def _port(name: str, number: int, protocol: str, app_protocol: str | None) -> dict:
    return {**({"name": name} if name else {}), "port": number, "protocol": protocol,
            **({"appProtocol": app_protocol} if app_protocol else {})}


def _target(pod: dict) -> dict:
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}


def _labels(service: dict, *extra: tuple[str, str]) -> dict:
    labels = dict(service["metadata"].get("labels") or {})
    if service["spec"].get("clusterIP") == "None":
        labels["service.kubernetes.io/headless"] = ""
    return {**labels, **dict(extra)}


def _endpoints(service: dict, groups: dict[tuple, list[dict]]) -> dict:
    publish_all = service["spec"].get("publishNotReadyAddresses", False)
    subsets = []
    for ports, pods in sorted(groups.items(), key=repr):
        addresses = {True: [], False: []}
        for pod in sorted(pods, key=lambda p: p["status"]["podIP"]):
            addresses[publish_all or is_ready(pod)].append(
                {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"), "targetRef": _target(pod)})
        subset = {"addresses": addresses[True], "notReadyAddresses": addresses[False],
                  "ports": [_port(*p) for p in ports]}
        subsets.append({k: v for k, v in subset.items() if v})
    meta = service["metadata"]
    return {"metadata": {"name": meta["name"], "namespace": meta["namespace"],
                         "labels": _labels(service, ENDPOINTS_MANAGER)},
            **({"subsets": subsets} if subsets else {})}


def _slices(service: dict, groups: dict[tuple, list[dict]], zones: dict) -> list[dict]:
    meta = service["metadata"]
    publish_all = service["spec"].get("publishNotReadyAddresses", False)
    result = []
    # a Service selecting nothing still has one, empty, slice
    for ports, pods in sorted(groups.items(), key=repr) or [((), [])]:
        endpoints = []
        for pod in sorted(pods, key=lambda p: p["status"]["podIP"]):
            ready = publish_all or is_ready(pod)
            node = pod["spec"].get("nodeName")
            endpoints.append({"addresses": [pod["status"]["podIP"]],
                              "conditions": {"ready": ready, "serving": ready, "terminating": False},
                              "targetRef": _target(pod), **({"nodeName": node} if node else {}),
                              **({"zone": zones[node]} if zones.get(node) else {})})
        slice_ = {"metadata": {"name": f"{meta['name']}-{short_hash([meta['uid'], ports], 5)}",
                               "namespace": meta["namespace"], "ownerReferences": [owner_reference(service)],
                               "labels": _labels(service, SLICE_MANAGER, (SERVICE_NAME, meta["name"]))},
                  "addressType": "IPv4", "endpoints": endpoints, "ports": [_port(*p) for p in ports]}
        result.append({k: v for k, v in slice_.items() if v != []})
    return result
