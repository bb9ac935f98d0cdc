"""PodDisruptionBudgets: the disruption controller's status (expected, healthy and desired pods, and how many
disruptions that allows), which `kubectl drain` and `kubectl get pdb` read."""

from __future__ import annotations

import math

from .. import kinds
from ..selectors import selector_from_match
from .context import PODS, Context, condition, live
from .pod_templates import is_ready

PDBS = kinds.builtin_by_kind("policy", "PodDisruptionBudget")


def reconcile(ctx: Context) -> None:
    budgets = live(ctx.list(PDBS))
    if not budgets:
        return
    pods = live(ctx.list(PODS, shared=True))
    for pdb in budgets:
        spec, namespace = pdb.get("spec") or {}, pdb["metadata"]["namespace"]
        matches = selector_from_match(spec.get("selector")) if spec.get("selector") is not None else None
        covered = [p for p in pods if matches and p["metadata"]["namespace"] == namespace
                   and matches(p["metadata"].get("labels") or {})]
        healthy = sum(1 for p in covered if is_ready(p))
        expected, desired = _expected_and_desired(ctx, spec, covered)
        allowed = max(0, healthy - desired) if expected > 0 else 0
        previous = (pdb.get("status") or {}).get("conditions")
        made = condition("DisruptionAllowed", allowed > 0, "SufficientPods" if allowed else "InsufficientPods",
                         "", previous)
        made.pop("lastUpdateTime")
        made["observedGeneration"] = pdb["metadata"].get("generation", 1)
        ctx.set_status(PDBS, pdb, {
            "observedGeneration": pdb["metadata"].get("generation", 1), "disruptionsAllowed": allowed,
            "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
            "conditions": [made]})


def _scaled(value, total: int) -> int:
    """An int-or-percent of `total`, rounded up as the disruption controller does."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(total * int(value[:-1]) / 100)
    return int(value)


def _expected_and_desired(ctx: Context, spec: dict, covered: list[dict]) -> tuple[int, int]:
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if isinstance(min_available, int):  # a plain number: the pods that exist are what is expected
        return len(covered), min_available
    expected = _controllers_scale(ctx, covered)
    if max_unavailable is not None:
        return expected, max(0, expected - _scaled(max_unavailable, expected))
    if min_available is not None:
        return expected, _scaled(min_available, expected)
    return expected, 0


def _controllers_scale(ctx: Context, covered: list[dict]) -> int:
    """The replicas the pods' controllers want (each controller counted once; a pod without one counts 1)."""
    seen, total = set(), 0
    for pod in covered:
        owner = next((r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
        if owner is None:
            total += 1
            continue
        if owner["uid"] in seen:
            continue
        seen.add(owner["uid"])
        rtype = kinds.builtin_by_kind(owner["apiVersion"].rpartition("/")[0], owner["kind"])
        controller = ctx.find(rtype, pod["metadata"]["namespace"], owner["name"]) if rtype else None
        total += (controller.get("spec") or {}).get("replicas", 1) if controller else 1
    return total
