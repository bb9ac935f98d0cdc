"""Stages: declarative behaviour of simulated third-party operators for their custom resources, like kwok's.

A stage says: for objects of this kind (resourceRef) that match this selector (labels and expressions on
the object), while the operator's real controller workload (the gate) is installed and ready in the
cluster, merge this into `.status` once the stage has held for `delay` seconds. `status` is data, or a
function of the object for the little that must be computed.

The gate is not optional: a simulated operator acts only while the chart that would run the real one has
its controller Deployment or StatefulSet (found by the labels the chart puts on it) ready.

An operator that makes objects for its resources (ECK: StatefulSets, Services, Secrets per Elasticsearch) gives
its stage `children`, a function of the object returning the manifests it keeps: they are created or updated
(owned by the object, so the garbage collector removes them with it) as soon as the stage selects the object,
owned ones the function no longer returns are deleted, and a callable `status` then receives the object and its
live children (`status(obj, owned)`) to report on them. `claims` names, by labels, volume claims of the
object's StatefulSets that the operator takes ownership of (removed with the object). Children are Python only.

Stages are Python (`Stage(...)`, see operators/) or YAML documents (`python -m sandbox.k8s serve --stages F`):

    apiVersion: sandbox.eksforge.dev/v1alpha1
    kind: Stage
    metadata: {name: certificate-ready}
    spec:
      resourceRef: {apiVersion: cert-manager.io/v1, kind: Certificate}
      gate: {kind: Deployment, namespace: cert-manager, matchLabels: {app.kubernetes.io/name: cert-manager}}
      selector:
        matchLabels: {}
        matchExpressions: [{key: .status.phase, operator: NotIn, values: [Ready]}]
      delay: {durationMilliseconds: 500}
      next:
        status: {conditions: [{type: Ready, status: "True", reason: Ready, message: Certificate is up to date}]}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..objects import timestamp
from ..patch import merge_patch

GATE_KINDS = ("Deployment", "StatefulSet")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_ABSENT = object()


@dataclass(frozen=True)
class Gate:
    """The chart's controller workload: a Deployment or StatefulSet with these labels (in `namespace`, or in
    any namespace when None)."""

    kind: str
    match_labels: dict[str, str]
    namespace: str | None = None

    def __post_init__(self):
        if self.kind not in GATE_KINDS:
            raise ValueError(f"gate.kind must be one of {', '.join(GATE_KINDS)}, not {self.kind!r}")
        if not self.match_labels:
            raise ValueError("gate.matchLabels must name the chart's controller workload (e.g. "
                             "app.kubernetes.io/name)")

    def __hash__(self):  # the labels are a dict; controllers cache a gate's state per pass
        return hash((self.kind, self.namespace, tuple(sorted(self.match_labels.items()))))

    def selects(self, workload: dict) -> bool:
        labels = workload["metadata"].get("labels") or {}
        return all(labels.get(k) == v for k, v in self.match_labels.items())


@dataclass(frozen=True)
class Expression:
    """A condition on one field of the object: `key` is a path like `.status.phase`."""

    key: str
    operator: str
    values: tuple = ()

    def __post_init__(self):
        if self.operator not in OPERATORS:
            raise ValueError(f"matchExpressions operator must be one of {', '.join(OPERATORS)}, not {self.operator!r}")

    def holds(self, obj: dict) -> bool:
        value = obj
        for part in self.key.strip(".").split("."):
            value = value.get(part, _ABSENT) if isinstance(value, dict) else _ABSENT
        if self.operator == "Exists":
            return value is not _ABSENT
        if self.operator == "DoesNotExist":
            return value is _ABSENT
        found = value is not _ABSENT and value in self.values
        return found if self.operator == "In" else not found


@dataclass(frozen=True)
class Stage:
    name: str
    api_version: str  # group/version of the custom resource
    kind: str
    gate: Gate
    status: dict | Callable[[dict], dict]  # merged into .status (conditions by type)
    match_labels: dict[str, str] = field(default_factory=dict)
    match_expressions: tuple[Expression, ...] = ()
    delay: float = 0.0  # seconds the stage must hold for an object before it acts
    children: Callable[[dict], list[dict]] | None = None  # manifests the operator keeps for the object
    claims: Callable[[dict], dict[str, str]] | None = None  # labels of the volume claims it owns

    def selects(self, obj: dict) -> bool:
        meta = obj["metadata"]
        labels = meta.get("labels") or {}
        return not meta.get("deletionTimestamp") and all(labels.get(k) == v for k, v in self.match_labels.items()) \
            and all(e.holds(obj) for e in self.match_expressions)

    def next_status(self, obj: dict, owned: list[dict] | None = None) -> dict:
        """The object's status once the stage has acted (`owned`: its live children, for a stage with children)."""
        current = obj.get("status") or {}
        if not callable(self.status):
            patch = self.status
        else:
            patch = self.status(obj, owned or []) if self.children else self.status(obj)
        merged = merge_patch(current, {k: v for k, v in patch.items() if k != "conditions"})
        if "conditions" in patch:
            merged["conditions"] = _merge_conditions(current.get("conditions") or [], patch["conditions"])
        return merged


def _merge_conditions(current: list[dict], wanted: list[dict]) -> list[dict]:
    """Conditions replaced by type; lastTransitionTime kept while a condition's status stays the same."""
    result = {c.get("type"): c for c in current}
    for condition in wanted:
        old = result.get(condition["type"]) or {}
        since = old.get("lastTransitionTime") if old.get("status") == condition.get("status") else None
        result[condition["type"]] = {**condition, "lastTransitionTime": since or timestamp()}
    return list(result.values())


# --- YAML documents -------------------------------------------------------------------------------------

def load(path: Path) -> list[Stage]:
    """The stages in a YAML file (documents of kind Stage); ValueError naming the document and field."""
    import yaml

    stages = []
    for number, document in enumerate(yaml.safe_load_all(path.read_text()), 1):
        if document is None:
            continue
        try:
            stages.append(from_document(document))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path}, document {number}: {error}") from None
    return stages


def from_document(document: dict) -> Stage:
    if document.get("kind") != "Stage":
        raise ValueError(f"kind must be Stage, not {document.get('kind')!r}")
    spec = document["spec"]
    resource, gate, selector = spec["resourceRef"], spec["gate"], spec.get("selector") or {}
    return Stage(
        name=document["metadata"]["name"],
        api_version=resource["apiVersion"], kind=resource["kind"],
        gate=Gate(gate["kind"], dict(gate["matchLabels"]), gate.get("namespace")),
        status=dict(spec["next"]["status"]),
        match_labels=dict(selector.get("matchLabels") or {}),
        match_expressions=tuple(Expression(e["key"], e["operator"], tuple(e.get("values") or ()))
                                for e in selector.get("matchExpressions") or ()),
        delay=float((spec.get("delay") or {}).get("durationMilliseconds", 0)) / 1000)
