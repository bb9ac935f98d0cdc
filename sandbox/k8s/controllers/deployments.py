"""Deployments: a ReplicaSet per pod template (old ones scaled to 0 at once), revision annotations, status, and
the ScalingReplicaSet events the deployment controller reports. A rollout that has not completed within
spec.progressDeadlineSeconds (600 by default) of its start gets Progressing=False, ProgressDeadlineExceeded, as
from the deployment controller (a new template, e.g. an image that cannot be pulled)."""

from __future__ import annotations

import json
import time

from .context import DEPLOYMENTS, REPLICA_SETS, Context, condition, live, owned_by, owner_reference, short_hash
from .events import record

CONTROLLER = "deployment-controller"
NAME = "deployments"

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def reconcile(ctx: Context) -> None:
    # A pass follows from Deployments and ReplicaSets, and from the clock only at a rollout's progress deadline.
    memory = ctx.remembered(NAME)
    if not ctx.changed(NAME, DEPLOYMENTS, REPLICA_SETS) and time.monotonic() < memory.get("deadline", float("inf")):
        return
    memory["deadline"] = float("inf")
    all_sets = ctx.list(REPLICA_SETS)
    for deploy in live(ctx.list(DEPLOYMENTS)):
        spec, meta = deploy.get("spec") or {}, deploy["metadata"]
        replicas = spec.get("replicas", 1)
        template = spec.get("template") or {}
        template_hash = short_hash(template)
        owned = owned_by(all_sets, deploy)
        revisions = [int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)) for rs in owned]
        current = next((rs for rs in owned
                        if (rs["metadata"].get("labels") or {}).get("pod-template-hash") == template_hash), None)
        if current is None:
            created = ctx.create(REPLICA_SETS, meta["namespace"], _replica_set(
                deploy, template, template_hash, replicas, max(revisions, default=0) + 1))
            if created:
                _report_scaling(ctx, deploy, created, 0, replicas)
            continue
        others = [r for rs, r in zip(owned, revisions) if rs is not current]
        had = (current.get("spec") or {}).get("replicas") or 0
        if _bring_forward(current, others, deploy) or had != replicas:
            current["spec"]["replicas"] = replicas
            current = ctx.update(REPLICA_SETS, current)
            if current is None:
                continue
            if had != replicas:
                _report_scaling(ctx, deploy, current, had, replicas)
        for old in owned:
            had = (old.get("spec") or {}).get("replicas")
            if old["metadata"]["uid"] != current["metadata"]["uid"] and had:
                old["spec"]["replicas"] = 0
                if ctx.update(REPLICA_SETS, old):
                    _report_scaling(ctx, deploy, old, had, 0)
        revision = (current["metadata"].get("annotations") or {}).get(REVISION)
        if (meta.get("annotations") or {}).get(REVISION) != revision:
            meta.setdefault("annotations", {})[REVISION] = revision
            deploy = ctx.update(DEPLOYMENTS, deploy)
            if deploy is None:
                continue
        ctx.set_status(DEPLOYMENTS, deploy, _status(deploy, owned, current, replicas, ctx))


def _report_scaling(ctx: Context, deploy: dict, replica_set: dict, had: int, wanted: int) -> None:
    direction = "up" if wanted > had else "down"
    record(ctx, deploy, "ScalingReplicaSet",
           f"Scaled {direction} replica set {replica_set['metadata']['name']} from {had} to {wanted}", CONTROLLER)


def _bring_forward(current: dict, other_revisions: list[int], deploy: dict) -> bool:
    """A rollback (or a template going back to an older one) reuses that ReplicaSet: like the deployment
    controller, give it the next revision number, keep its old numbers in revision-history, and take the
    Deployment's change-cause. True if `current` changed."""
    annotations = current["metadata"].setdefault("annotations", {})
    revision = int(annotations.get(REVISION, 0))
    newest = max(other_revisions, default=0)
    if revision > newest:
        return False
    if revision:
        history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
        annotations[REVISION_HISTORY] = ",".join([*history, str(revision)])
    annotations[REVISION] = str(newest + 1)
    cause = (deploy["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
    if cause:
        annotations[CHANGE_CAUSE] = cause
    return True


def _replica_set(deploy, template, template_hash, replicas, revision) -> dict:
    meta = deploy["metadata"]
    labels = {**((template.get("metadata") or {}).get("labels") or {}), "pod-template-hash": template_hash}
    selector = json.loads(json.dumps((deploy.get("spec") or {}).get("selector") or {}))
    selector.setdefault("matchLabels", {})["pod-template-hash"] = template_hash
    pod_template = json.loads(json.dumps(template))
    pod_template.setdefault("metadata", {})["labels"] = labels
    annotations = {REVISION: str(revision), "deployment.kubernetes.io/desired-replicas": str(replicas)}
    cause = (meta.get("annotations") or {}).get(CHANGE_CAUSE)
    if cause:
        annotations[CHANGE_CAUSE] = cause
    return {"metadata": {"name": f"{meta['name']}-{template_hash}", "labels": labels, "annotations": annotations,
                         "ownerReferences": [owner_reference(deploy)]},
            "spec": {"replicas": replicas, "selector": selector, "template": pod_template}}


def _deadline_exceeded(ctx: Context, deploy: dict, rs_name: str, complete: bool) -> bool:
    """Whether the rollout to `rs_name` has been incomplete for longer than the Deployment's progress deadline."""
    rollouts = ctx.remembered("deployment-rollouts")  # uid -> (ReplicaSet rolled out to, monotonic start)
    uid = deploy["metadata"]["uid"]
    if complete:
        rollouts.pop(uid, None)
        return False
    if rollouts.get(uid, ("",))[0] != rs_name:
        rollouts[uid] = (rs_name, time.monotonic())
    remaining = rollouts[uid][1] + (deploy.get("spec") or {}).get("progressDeadlineSeconds", 600) - time.monotonic()
    if remaining > 0:
        ctx.wake_in(remaining)
        memory = ctx.remembered(NAME)
        memory["deadline"] = min(memory["deadline"], time.monotonic() + remaining)
        return False
    return True


def _status(deploy, owned, current, replicas, ctx: Context) -> dict:
    statuses = [rs.get("status") or {} for rs in owned]
    total = sum(s.get("replicas", 0) for s in statuses)
    ready = sum(s.get("readyReplicas", 0) for s in statuses)
    available = sum(s.get("availableReplicas", 0) for s in statuses)
    updated = (current.get("status") or {}).get("replicas", 0)
    previous = (deploy.get("status") or {}).get("conditions")
    complete = updated == replicas and total == replicas and available == replicas
    rs_name = current["metadata"]["name"]
    status = {
        "observedGeneration": deploy["metadata"].get("generation", 1),
        "replicas": total, "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": available,
        "conditions": [
            condition("Available", available >= replicas,
                      "MinimumReplicasAvailable" if available >= replicas else "MinimumReplicasUnavailable",
                      "Deployment has minimum availability." if available >= replicas
                      else "Deployment does not have minimum availability.", previous),
            condition("Progressing", False, "ProgressDeadlineExceeded",
                      f'ReplicaSet "{rs_name}" has timed out progressing.', previous)
            if _deadline_exceeded(ctx, deploy, rs_name, complete) else
            condition("Progressing", True, "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                      f'ReplicaSet "{rs_name}" has successfully progressed.' if complete
                      else f'ReplicaSet "{rs_name}" is progressing.', previous),
        ],
    }
    if total > available:
        status["unavailableReplicas"] = total - available
    return {k: v for k, v in status.items() if v != 0 or k in ("observedGeneration",)}
