"""DaemonSets: one current pod per node (cordoned ones included: daemon pods tolerate unschedulable), each pod made
or removed reported as the daemonset controller does (SuccessfulCreate, SuccessfulDelete)."""

from __future__ import annotations

from ..objects import random_suffix
from . import revisions
from .context import DAEMON_SETS, NODES, PODS, Context, live, short_hash
from .events import record
from .nodes import ready_nodes
from .pod_templates import is_ready, new_pod, pods_of

CONTROLLER = "daemonset-controller"
NAME = "daemon-sets"


def reconcile(ctx: Context) -> None:
    # A pass follows only from these objects: none is needed while none of them changed.
    if not ctx.changed(NAME, DAEMON_SETS, PODS, NODES, revisions.CONTROLLER_REVISIONS):
        return
    all_pods = ctx.list(PODS, shared=True)
    all_revisions = ctx.list(revisions.CONTROLLER_REVISIONS)
    nodes = ready_nodes(ctx, cordoned=True)
    for ds in live(ctx.list(DAEMON_SETS)):
        meta, spec = ds["metadata"], ds.get("spec") or {}
        revision = short_hash(spec.get("template") or {})
        history = revisions.record(ctx, ds, f"{meta['name']}-{revision}", revision, all_revisions)
        revisions.prune(ctx, ds, history, {f"{meta['name']}-{revision}"})
        by_node = {}
        for pod in pods_of(ds, all_pods):
            node = (pod.get("spec") or {}).get("nodeName")
            current = (pod["metadata"].get("labels") or {}).get("controller-revision-hash") == revision
            if node not in nodes or node in by_node or not current:
                if ctx.delete(PODS, pod):
                    record(ctx, ds, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", CONTROLLER)
            else:
                by_node[node] = pod
        for node in nodes:
            if node not in by_node:
                pod = ctx.create(PODS, meta["namespace"], new_pod(
                    ds, spec.get("template"), f"{meta['name']}-{random_suffix()}",
                    {"controller-revision-hash": revision}, node=node))
                if pod:
                    record(ctx, ds, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", CONTROLLER)
        ready = sum(1 for p in by_node.values() if is_ready(p))
        status = {"observedGeneration": meta.get("generation", 1), "desiredNumberScheduled": len(nodes),
                  "currentNumberScheduled": len(by_node), "updatedNumberScheduled": len(by_node),
                  "numberReady": ready, "numberAvailable": ready, "numberMisscheduled": 0}
        if len(nodes) > ready:
            status["numberUnavailable"] = len(nodes) - ready
        ctx.set_status(DAEMON_SETS, ds, status)
