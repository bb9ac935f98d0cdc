"""ReplicaSets: pods up or down to the wanted count (each reported as an event; pods not yet on a node go
first, then not running, then not ready, then the newest, as the ReplicaSet controller ranks them), status from
their readiness."""

from __future__ import annotations

from ..objects import random_suffix
from .context import PODS, REPLICA_SETS, Context, live
from .events import record

from .pod_templates import is_ready, new_pod, pods_of

CONTROLLER = "replicaset-controller"
NAME = "replica-sets"


def reconcile(ctx: Context) -> None:
    # A pass follows only from ReplicaSets and pods: none is needed while neither changed.
    if not ctx.changed(NAME, REPLICA_SETS, PODS):
        return
    all_pods = ctx.list(PODS, shared=True)
    for rs in live(ctx.list(REPLICA_SETS)):
        meta, spec = rs["metadata"], rs.get("spec") or {}
        pods = pods_of(rs, all_pods)
        wanted = spec.get("replicas", 1)
        for _ in range(wanted - len(pods)):
            pod = ctx.create(PODS, meta["namespace"], new_pod(rs, spec.get("template"),
                                                              f"{meta['name']}-{random_suffix()}"))
            if pod:
                record(ctx, rs, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", CONTROLLER)
        for extra in _deletion_order(pods)[:max(0, len(pods) - wanted)]:
            if ctx.delete(PODS, extra):
                record(ctx, rs, "SuccessfulDelete", f"Deleted pod: {extra['metadata']['name']}", CONTROLLER)
        pods = pods[:wanted]
        ready = sum(1 for p in pods if is_ready(p))
        status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods), "readyReplicas": ready,
                  "availableReplicas": ready, "observedGeneration": meta.get("generation", 1)}
        ctx.set_status(REPLICA_SETS, rs, {k: v for k, v in status.items()
                                          if v or k in ("replicas", "observedGeneration")})


def _deletion_order(pods: list[dict]) -> list[dict]:
    newest_first = sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)
    return sorted(newest_first, key=lambda p: (bool((p.get("spec") or {}).get("nodeName")),
                                               (p.get("status") or {}).get("phase") == "Running", is_ready(p)))
