"""The resource metrics API (`metrics.k8s.io/v1beta1` NodeMetrics and PodMetrics) that metrics-server serves through
the aggregator, with simulated, deterministic usage (no container runs, so nothing is measured).

Served, and listed in discovery, only while the APIService `v1beta1.metrics.k8s.io` is Available: the
api-services controller makes it so while the Service it names exists and the metrics-server Deployment behind it
is ready (the real chart registers that APIService). Otherwise requests get what the aggregator answers: 404 with
no APIService, 503 while it is unavailable.

Usage (the knob tests and demos turn): a pod's annotations `sandbox.eksforge.io/cpu-usage` and
`sandbox.eksforge.io/memory-usage` (quantities, e.g. "250m", "300Mi") are the pod's total, shared among its
containers in proportion to their requests (evenly without requests). Without them a container uses 10% of its
requests (at least 1m CPU and 8Mi memory). A node uses what its running pods use plus what EKS reserves for
the system on it (capacity less allocatable).
"""

from __future__ import annotations

from datetime import datetime, timezone

from . import kinds
from .controllers.placement import RESOURCES, amount
from .errors import ApiError
from .selectors import parse_label_selector

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
API_SERVICE = f"{VERSION}.{GROUP}"
CPU_USAGE = "sandbox.eksforge.io/cpu-usage"
MEMORY_USAGE = "sandbox.eksforge.io/memory-usage"
USAGE_ANNOTATIONS = {"cpu": CPU_USAGE, "memory": MEMORY_USAGE}
DEFAULT_SHARE = 0.10  # of a container's requests, without the annotations
FLOOR = {"cpu": 1, "memory": 8 * 1024 * 1024}  # millicores, bytes: what an idle container still uses
WINDOW = "15s"  # metrics-server's --metric-resolution in the chart

NODE_METRICS = kinds.ResourceType(GROUP, VERSION, "NodeMetrics", "nodes", False, verbs=("get", "list"))
POD_METRICS = kinds.ResourceType(GROUP, VERSION, "PodMetrics", "pods", True, verbs=("get", "list"))
TYPES = (NODE_METRICS, POD_METRICS)
_API_SERVICES = kinds.builtin_by_kind("apiregistration.k8s.io", "APIService")
_NODES, _PODS = kinds.builtin_by_kind("", "Node"), kinds.builtin_by_kind("", "Pod")


def api_service_state(objects) -> str:
    """"absent", "unavailable" or "available": the APIService metrics-server registers, as the aggregator sees it."""
    found = objects.find(_API_SERVICES, "", API_SERVICE)
    if found is None or not (found.get("spec") or {}).get("service"):
        return "absent"
    available = any(c.get("type") == "Available" and c.get("status") == "True"
                    for c in (found.get("status") or {}).get("conditions") or [])
    return "available" if available else "unavailable"


def served_types(objects) -> list[kinds.ResourceType]:
    """The metrics kinds, for discovery, while the API is available."""
    return list(TYPES) if api_service_state(objects) == "available" else []


def container_usage(pod: dict) -> list[tuple[str, dict[str, int]]]:
    """(container name, {cpu: millicores, memory: bytes}) for each container of the pod."""
    containers = [c for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]
    annotations = pod["metadata"].get("annotations") or {}
    requests = [{r: amount(((c.get("resources") or {}).get("requests") or {}).get(r), r) for r in RESOURCES}
                for c in containers]
    usage = [{} for _ in containers]
    for resource in RESOURCES:
        total = annotations.get(USAGE_ANNOTATIONS[resource])
        wanted = sum(r[resource] for r in requests)
        for index, asked in enumerate(requests):
            if total is not None:
                share = asked[resource] / wanted if wanted else 1 / len(containers)
                usage[index][resource] = int(amount(total, resource) * share)
            else:
                usage[index][resource] = max(FLOOR[resource], int(asked[resource] * DEFAULT_SHARE))
    return [(c.get("name", ""), u) for c, u in zip(containers, usage)]


def pod_usage(pod: dict) -> dict[str, int]:
    totals = dict.fromkeys(RESOURCES, 0)
    for _, usage in container_usage(pod):
        for resource in RESOURCES:
            totals[resource] += usage[resource]
    return totals


def is_measured(pod: dict) -> bool:
    """metrics-server reports running pods only."""
    return (pod.get("status") or {}).get("phase") == "Running" and not pod["metadata"].get("deletionTimestamp")


def serve(objects, verb: str, rtype, namespace: str | None, name: str | None, label_selector: str | None) -> dict:
    """The answer to a get or list of NodeMetrics or PodMetrics."""
    state = api_service_state(objects)
    if state == "absent":
        raise ApiError(404, "the server could not find the requested resource")
    if state == "unavailable":
        raise ApiError(503, "the server is currently unable to handle the request", "ServiceUnavailable")
    if verb not in rtype.verbs:
        raise ApiError(405, "the server does not allow this method on the requested resource")
    now = _now()
    if rtype is NODE_METRICS:
        pods = [p for p in objects.list(_PODS)["items"] if is_measured(p)]
        items = [_node_metrics(n, pods, now) for n in objects.list(_NODES)["items"]
                 if not n["metadata"].get("deletionTimestamp")]
    else:
        items = [_pod_metrics(p, now) for p in objects.list(_PODS, namespace or None)["items"] if is_measured(p)]
    selected = parse_label_selector(label_selector)
    items = [i for i in items if selected(i["metadata"].get("labels") or {})]
    if verb == "get":
        found = next((i for i in items if i["metadata"]["name"] == name), None)
        if found is None:
            raise ApiError(404, f'{rtype.plural}.{GROUP} "{name}" not found', "NotFound")
        return found
    return {"kind": f"{rtype.kind}List", "apiVersion": f"{GROUP}/{VERSION}", "metadata": {}, "items": items}


def node_usage(node: dict, pods: list[dict]) -> dict[str, int]:
    status = node.get("status") or {}
    capacity, allocatable = status.get("capacity") or {}, status.get("allocatable") or {}
    usage = {r: max(0, amount(capacity.get(r), r) - amount(allocatable.get(r), r)) for r in RESOURCES}
    for pod in pods:
        if (pod.get("spec") or {}).get("nodeName") == node["metadata"]["name"]:
            for resource, value in pod_usage(pod).items():
                usage[resource] += value
    return usage


def _node_metrics(node: dict, pods: list[dict], now: str) -> dict:
    meta = node["metadata"]
    return {"kind": "NodeMetrics", "apiVersion": f"{GROUP}/{VERSION}",
            "metadata": {"name": meta["name"], "creationTimestamp": now, "labels": meta.get("labels") or {}},
            "timestamp": now, "window": WINDOW, "usage": _quantities(node_usage(node, pods))}


def _pod_metrics(pod: dict, now: str) -> dict:
    meta = pod["metadata"]
    return {"kind": "PodMetrics", "apiVersion": f"{GROUP}/{VERSION}",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "creationTimestamp": now,
                         "labels": meta.get("labels") or {}},
            "timestamp": now, "window": WINDOW,
            "containers": [{"name": name, "usage": _quantities(usage)} for name, usage in container_usage(pod)]}


def _quantities(usage: dict[str, int]) -> dict[str, str]:
    return {"cpu": f"{usage['cpu'] * 1_000_000}n", "memory": f"{usage['memory'] // 1024}Ki"}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
