"""Custom resources: runs the stages of the simulated operators (stages.py). A stage acts on an object once
its selector and gate have held for its delay; the timer restarts whenever either stops holding. A stage with
children keeps them from its first pass over the object (the delay holds back only its status)."""

from __future__ import annotations

import time

from .. import kinds
from ..objects import WriteOptions
from ..patch import merge_patch
from .context import DEPLOYMENTS, PVCS, STATEFUL_SETS, Context, live, owned_by, owner_reference
from .stages import Gate, Stage

NAME = "custom-resources"
_WORKLOADS = {"Deployment": DEPLOYMENTS, "StatefulSet": STATEFUL_SETS}


def reconcile(ctx: Context) -> None:
    if not ctx.stages:
        return
    types = {(t.api_version, t.kind): t for t in ctx.objects.resource_types() if t.is_custom}
    gates: dict[Gate, bool] = {}
    timers = ctx.remembered(NAME)  # (stage name, uid) -> when the stage began to hold for the object
    holding = {}
    now = time.monotonic()
    for stage in ctx.stages:
        rtype = types.get((stage.api_version, stage.kind))
        if rtype is None:
            continue
        if stage.gate not in gates:
            gates[stage.gate] = gate_open(ctx, stage.gate)
        if not gates[stage.gate]:
            continue
        for obj in ctx.list(rtype):
            if not stage.selects(obj):
                continue
            owned = _keep_children(ctx, stage, obj) if stage.children else None
            if stage.claims:
                _own_claims(ctx, stage, obj)
            status = stage.next_status(obj, owned)
            if status == (obj.get("status") or {}):
                continue
            key = (stage.name, obj["metadata"]["uid"])
            since = holding[key] = timers.get(key, now)
            if now - since >= stage.delay:
                ctx.set_status(rtype, obj, status, WriteOptions(manager=stage.name, field_validation="Ignore"))
                del holding[key]
            else:
                ctx.wake_in(since + stage.delay - now)
    timers.clear()
    timers.update(holding)


def gate_open(ctx: Context, gate: Gate) -> bool:
    """Whether a workload the gate selects is installed and ready: all its replicas (at least one) ready and
    up to date with its spec."""
    return ready_workload(ctx, gate) is not None


def ready_workload(ctx: Context, gate: Gate) -> dict | None:
    """The installed and ready workload the gate selects (the simulated controllers read their flags from its
    container args), or None."""
    for workload in live(ctx.list(_WORKLOADS[gate.kind], gate.namespace)):
        if gate.selects(workload) and _ready(workload):
            return workload
    return None


def _ready(workload: dict) -> bool:
    wanted = (workload.get("spec") or {}).get("replicas", 1)
    status = workload.get("status") or {}
    ready = status.get("availableReplicas", 0) if workload["kind"] == "Deployment" else status.get("readyReplicas", 0)
    return wanted >= 1 and ready >= wanted and status.get("updatedReplicas", 0) >= wanted and \
        status.get("observedGeneration", 0) >= workload["metadata"].get("generation", 1)


def _keep_children(ctx: Context, stage: Stage, obj: dict) -> list[dict]:
    """Create or update the objects the stage keeps for `obj`, delete the owned ones it no longer wants; the
    live children afterwards."""
    options = WriteOptions(manager=stage.name, field_validation="Ignore")
    namespace = obj["metadata"]["namespace"]
    wanted: dict[tuple, dict] = {}
    for manifest in stage.children(obj):
        group = manifest["apiVersion"].rpartition("/")[0]
        wanted[(group, manifest["kind"], manifest["metadata"]["name"])] = manifest
    children = []
    for group, kind in {key[:2] for key in wanted}:
        rtype = kinds.builtin_by_kind(group, kind)
        existing = {o["metadata"]["name"]: o for o in live(owned_by(ctx.list(rtype, namespace), obj))}
        for name, child in existing.items():
            if (group, kind, name) not in wanted:
                ctx.delete(rtype, child)
        for (_, _, name), manifest in ((k, m) for k, m in wanted.items() if k[:2] == (group, kind)):
            current = existing.get(name) or ctx.find(rtype, namespace, name)
            if current is None:
                made = ctx.create(rtype, namespace, merge_patch(manifest, {"metadata": {
                    "ownerReferences": [owner_reference(obj)]}}), options)
            elif not _contains(current, manifest):
                made = ctx.update(rtype, merge_patch(current, manifest), options)
            else:
                made = current
            if made is not None:
                children.append(made)
    return children


def _contains(current, wanted) -> bool:
    """Whether `current` has every field of `wanted` (the apiserver's defaults aside)."""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(_contains(current.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(current, list) and len(current) == len(wanted) and \
            all(_contains(c, w) for c, w in zip(current, wanted))
    return current == wanted


def _own_claims(ctx: Context, stage: Stage, obj: dict) -> None:
    """Volume claims the StatefulSets made, given `obj` as owner so that they go with it."""
    labels = stage.claims(obj)
    uid = obj["metadata"]["uid"]
    for claim in live(ctx.list(PVCS, obj["metadata"]["namespace"])):
        meta = claim["metadata"]
        refs = meta.get("ownerReferences") or []
        if all((meta.get("labels") or {}).get(k) == v for k, v in labels.items()) and \
                not any(r.get("uid") == uid for r in refs):
            meta["ownerReferences"] = [*refs, {**owner_reference(obj), "controller": False}]
            ctx.update(PVCS, claim, WriteOptions(manager=stage.name, field_validation="Ignore"))
