"""StatefulSets: pods <name>-0..N-1 with their volume claims; on a template change the pods at or above the
rolling update's partition are replaced (none with OnDelete: the user deletes them), and the status counts
pods per revision the way `kubectl rollout status` reads it. Each pod and claim made or pod removed is reported as the
statefulset controller words it ("create Pod web-0 in StatefulSet web successful")."""

from __future__ import annotations

from . import revisions
from .context import PODS, PVCS, STATEFUL_SETS, Context, live, short_hash
from .events import record
from .pod_templates import is_ready, new_pod, pods_of

REVISION_LABEL = "controller-revision-hash"
CONTROLLER = "statefulset-controller"
NAME = "stateful-sets"


def reconcile(ctx: Context) -> None:
    # A pass follows only from these objects: none is needed while none of them changed.
    if not ctx.changed(NAME, STATEFUL_SETS, PODS, PVCS, revisions.CONTROLLER_REVISIONS):
        return
    all_pods = ctx.list(PODS)
    all_revisions = ctx.list(revisions.CONTROLLER_REVISIONS)
    for sts in live(ctx.list(STATEFUL_SETS)):
        meta, spec = sts["metadata"], sts.get("spec") or {}
        template_hash = short_hash(spec.get("template") or {})
        revision = f"{meta['name']}-{template_hash}"
        history = revisions.record(ctx, sts, revision, template_hash, all_revisions)
        # A pod below the partition that is missing comes back at the revision the others there run.
        kept = (sts.get("status") or {}).get("currentRevision", revision)
        kept_template = revisions.template_of(history.get(kept)) if kept != revision else None
        wanted = spec.get("replicas", 1)
        first_replaced = _first_replaced(spec, wanted)
        # OnDelete recreates deleted pods from the new template; a partition keeps the ones below it as they were.
        restored_below = 0 if _on_delete(spec) else first_replaced
        pods = {p["metadata"]["name"]: p for p in pods_of(sts, all_pods)}
        for index in range(wanted):
            name = f"{meta['name']}-{index}"
            pod = pods.get(name)
            if pod and _revision(pod) != revision and index >= first_replaced:
                _delete_pod(ctx, sts, pod)
                pods.pop(name)
                continue
            if pod is None:
                old = index < restored_below and kept_template is not None
                if ctx.create(PODS, meta["namespace"], _pod(ctx, sts, name, index, kept if old else revision,
                                                            kept_template if old else spec.get("template"))):
                    record(ctx, sts, "SuccessfulCreate", f"create Pod {name} in StatefulSet {meta['name']} successful",
                           CONTROLLER)
        for name, pod in pods.items():
            if int(name.rsplit("-", 1)[-1]) >= wanted:
                _delete_pod(ctx, sts, pod)
        current = [p for n, p in pods.items() if int(n.rsplit("-", 1)[-1]) < wanted]
        ctx.set_status(STATEFUL_SETS, sts, _status(sts, current, revision, wanted))
        revisions.prune(ctx, sts, history, {revision, kept} | {_revision(p) for p in current})


def _delete_pod(ctx: Context, sts: dict, pod: dict) -> None:
    if ctx.delete(PODS, pod):
        record(ctx, sts, "SuccessfulDelete",
               f"delete Pod {pod['metadata']['name']} in StatefulSet {sts['metadata']['name']} successful", CONTROLLER)


def _on_delete(spec: dict) -> bool:
    return (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") != "RollingUpdate"


def _first_replaced(spec: dict, wanted: int) -> int:
    """The lowest ordinal the controller replaces on a template change."""
    if _on_delete(spec):
        return wanted
    return ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition", 0)


def _revision(pod: dict) -> str | None:
    return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL)


def _status(sts: dict, current: list[dict], revision: str, wanted: int) -> dict:
    previous = sts.get("status") or {}
    updated = sum(1 for p in current if _revision(p) == revision)
    # The current revision moves to the update revision once every pod runs it.
    current_revision = revision if updated == len(current) == wanted else previous.get("currentRevision", revision)
    ready = sum(1 for p in current if is_ready(p))
    return {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(current),
            "readyReplicas": ready, "currentReplicas": sum(1 for p in current if _revision(p) == current_revision),
            "updatedReplicas": updated, "availableReplicas": ready, "currentRevision": current_revision,
            "updateRevision": revision, "collisionCount": 0}


def _pod(ctx: Context, sts, name, index, revision, template) -> dict:
    meta, spec = sts["metadata"], sts.get("spec") or {}
    volumes = []
    for claim in spec.get("volumeClaimTemplates") or []:
        claim_name = f"{claim['metadata']['name']}-{name}"
        if ctx.find(PVCS, meta["namespace"], claim_name) is None and ctx.create(PVCS, meta["namespace"], {
                "metadata": {"name": claim_name, "labels": (spec.get("selector") or {}).get("matchLabels") or {}},
                "spec": claim.get("spec") or {}}):
            record(ctx, sts, "SuccessfulCreate",
                   f"create Claim {claim_name} Pod {name} in StatefulSet {meta['name']} success", CONTROLLER)
        volumes.append({"name": claim["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name}})
    pod = new_pod(sts, template, name, {
        REVISION_LABEL: revision, "statefulset.kubernetes.io/pod-name": name,
        "apps.kubernetes.io/pod-index": str(index)}, volumes=volumes)
    pod["spec"]["hostname"] = name
    pod["spec"]["subdomain"] = spec.get("serviceName", "")
    return pod
