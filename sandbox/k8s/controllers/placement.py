"""Where a pod may run, as kube-scheduler's filters decide it: resource requests against a node's allocatable less
what the pods bound to it request (NodeResourcesFit, pod count included), nodeSelector and required node affinity
(NodeAffinity), taints and tolerations (TaintToleration), cordoned nodes (NodeUnschedulable).

Pure functions over plain objects, shared by the scheduler (pods.py) and the cluster autoscaler's simulation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..validation import QuantityError, parse_quantity

RESOURCES = ("cpu", "memory")
UNSCHEDULABLE_KEY = "node.kubernetes.io/unschedulable"
TERMINAL_PHASES = ("Succeeded", "Failed")


def amount(value, resource: str) -> int:
    """A quantity in the scheduler's units: millicores for cpu, bytes (or a count) otherwise."""
    try:
        parsed = parse_quantity(value if value is not None else 0)
    except QuantityError:
        return 0
    return int(parsed * 1000) if resource == "cpu" else int(parsed)


def pod_requests(pod: dict) -> dict[str, int]:
    """The pod's effective requests: the sum over its containers, or the largest init container's when that is
    more, plus the pod overhead (what the scheduler reserves)."""
    spec = pod.get("spec") or {}

    def of(containers) -> list[dict[str, int]]:
        return [{r: amount(((c.get("resources") or {}).get("requests") or {}).get(r), r) for r in RESOURCES}
                for c in containers or [] if isinstance(c, dict)]

    regular, init = of(spec.get("containers")), of(spec.get("initContainers"))
    overhead = spec.get("overhead") or {}
    return {r: max(sum(c[r] for c in regular), max((c[r] for c in init), default=0)) + amount(overhead.get(r), r)
            for r in RESOURCES}


def is_daemon_pod(pod: dict) -> bool:
    return any(ref.get("kind") == "DaemonSet" for ref in pod["metadata"].get("ownerReferences") or [])


def occupies_node(pod: dict) -> bool:
    """Whether a pod still holds its node's resources (not finished, not being deleted)."""
    return (pod.get("status") or {}).get("phase") not in TERMINAL_PHASES and \
        not pod["metadata"].get("deletionTimestamp")


@dataclass
class NodeRoom:
    """A node as the scheduler weighs it: what it offers and what its pods already request."""

    name: str
    labels: dict
    taints: list
    allocatable: dict[str, int]
    unschedulable: bool = False
    requested: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCES, 0))
    pods: int = 0

    @classmethod
    def of(cls, node: dict) -> NodeRoom:
        status, spec = node.get("status") or {}, node.get("spec") or {}
        offered = status.get("allocatable") or status.get("capacity") or {}
        allocatable = {r: amount(offered.get(r), r) for r in RESOURCES}
        allocatable["pods"] = amount(offered.get("pods", 110), "pods")
        return cls(node["metadata"]["name"], dict(node["metadata"].get("labels") or {}), list(spec.get("taints") or []),
                   allocatable, bool(spec.get("unschedulable")))

    def add(self, requests: dict[str, int]) -> None:
        for resource in RESOURCES:
            self.requested[resource] += requests[resource]
        self.pods += 1

    def utilization(self) -> float:
        """The larger of the cpu and memory shares requested (the cluster autoscaler's measure)."""
        return max((self.requested[r] / self.allocatable[r] for r in RESOURCES if self.allocatable[r]), default=0.0)

    def why_not(self, pod: dict, requests: dict[str, int]) -> list[str]:
        """The scheduler's reasons this node cannot take the pod (none: it fits)."""
        spec = pod.get("spec") or {}
        tolerations = spec.get("tolerations") or []
        if self.unschedulable and not _tolerates(tolerations, {"key": UNSCHEDULABLE_KEY, "effect": "NoSchedule"}):
            return ["node(s) were unschedulable"]
        if not _selected(spec, self.labels):
            return ["node(s) didn't match Pod's node affinity/selector"]
        untolerated = next((t for t in self.taints if t.get("effect") in ("NoSchedule", "NoExecute")
                            and t.get("key") != UNSCHEDULABLE_KEY and not _tolerates(tolerations, t)), None)
        if untolerated is not None:
            value = f": {untolerated['value']}" if untolerated.get("value") else ""
            return [f"node(s) had untolerated taint {{{untolerated['key']}{value}}}"]
        reasons = ["Too many pods"] if self.pods + 1 > self.allocatable["pods"] else []
        reasons += [f"Insufficient {r}" for r in RESOURCES
                    if requests[r] and self.requested[r] + requests[r] > self.allocatable[r]]
        return reasons

    def free_share(self, requests: dict[str, int]) -> float:
        """The LeastAllocated score: the mean share of cpu and memory left once the pod is placed (zero requests
        count as the scheduler's non-zero defaults, 100m and 200 MB, so empty pods spread too)."""
        defaults = {"cpu": 100, "memory": 200 * 1024 * 1024}
        shares = [1 - (self.requested[r] + (requests[r] or defaults[r])) / self.allocatable[r]
                  for r in RESOURCES if self.allocatable[r]]
        return sum(shares) / len(shares) if shares else 0.0


def rooms_of(nodes: list[dict], pods: list[dict]) -> dict[str, NodeRoom]:
    """Each node (by name) with what the pods bound to it request."""
    rooms = {n["metadata"]["name"]: NodeRoom.of(n) for n in nodes}
    for pod in pods:
        room = rooms.get((pod.get("spec") or {}).get("nodeName"))
        if room is not None and occupies_node(pod):
            room.add(pod_requests(pod))
    return rooms


def choose(rooms: list[NodeRoom], pod: dict, requests: dict[str, int]) -> tuple[NodeRoom | None, Counter]:
    """The feasible node with the most room left (ties to the name), or None and the reasons per node."""
    reasons: Counter = Counter()
    feasible = []
    for room in rooms:
        why = room.why_not(pod, requests)
        if why:
            reasons.update(why)
        else:
            feasible.append(room)
    if not feasible:
        return None, reasons
    return min(feasible, key=lambda room: (-round(room.free_share(requests), 6), room.name)), reasons


def unschedulable_message(nodes: int, reasons: Counter) -> str:
    """The FailedScheduling message kube-scheduler writes (reasons sorted, with the preemption sentence)."""
    if not nodes:
        return "0/0 nodes are available: no nodes available to schedule pods."
    listed = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
    return (f"0/{nodes} nodes are available: {listed}. preemption: 0/{nodes} nodes are available: "
            f"{nodes} No preemption victims found for incoming pod.")


def _tolerates(tolerations: list, taint: dict) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration.get("effect") != taint.get("effect"):
            continue
        if toleration.get("operator") == "Exists":
            if not toleration.get("key") or toleration.get("key") == taint.get("key"):
                return True
        elif toleration.get("key") == taint.get("key") and (toleration.get("value") or "") == \
                (taint.get("value") or ""):
            return True
    return False


def _selected(spec: dict, labels: dict) -> bool:
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    return not terms or any(all(_matches(e, labels) for e in term.get("matchExpressions") or [])
                            for term in terms)


def _matches(expression: dict, labels: dict) -> bool:
    key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
    value = labels.get(key)
    if operator == "In":
        return value in values
    if operator == "NotIn":
        return value not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if operator in ("Gt", "Lt") and value is not None and values:
        try:
            return int(value) > int(values[0]) if operator == "Gt" else int(value) < int(values[0])
        except ValueError:
            return False
    return False
