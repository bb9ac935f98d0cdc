"""Custom resources: runs the stages of the simulated operators (stages.py). A stage acts on an object once
its selector and gate have held for its delay; the timer restarts whenever either stops holding."""

from __future__ import annotations

import time

from ..objects import WriteOptions
from .context import DEPLOYMENTS, STATEFUL_SETS, Context, live
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
            status = stage.next_status(obj)
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
