"""ControllerRevisions: the pod templates a StatefulSet or DaemonSet has had, numbered, as their controllers
keep them — what `kubectl rollout history` lists and `kubectl rollout undo` patches back (`data` is the
strategic merge patch that restores the template)."""

from __future__ import annotations

import json

from .. import kinds
from .context import Context, live, owned_by, owner_reference

CONTROLLER_REVISIONS = kinds.builtin_by_kind("apps", "ControllerRevision")
HASH_LABEL = "controller.kubernetes.io/hash"


def record(ctx: Context, owner: dict, name: str, template_hash: str, all_revisions: list[dict]) -> dict[str, dict]:
    """Make sure revision `name` of the owner's current template exists and is the newest (a template going
    back to an older one gets the next number, as on `rollout undo`). Returns the owner's revisions by name."""
    mine = {r["metadata"]["name"]: r for r in live(owned_by(all_revisions, owner))}
    newest = max((r.get("revision", 0) for n, r in mine.items() if n != name), default=0)
    current = mine.get(name)
    if current is None:
        template = json.loads(json.dumps((owner.get("spec") or {}).get("template") or {}))
        template["$patch"] = "replace"
        labels = ((owner.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
        created = ctx.create(CONTROLLER_REVISIONS, owner["metadata"]["namespace"], {
            "metadata": {"name": name, "labels": {**labels, HASH_LABEL: template_hash},
                         "annotations": _change_cause(owner),
                         "ownerReferences": [owner_reference(owner)]},
            "data": {"spec": {"template": template}}, "revision": newest + 1})
        if created is not None:
            mine[name] = created
    elif current.get("revision", 0) <= newest:
        current["revision"] = newest + 1
        current["metadata"]["annotations"] = {**(current["metadata"].get("annotations") or {}),
                                              **_change_cause(owner)}
        mine[name] = ctx.update(CONTROLLER_REVISIONS, current) or current
    return mine


def prune(ctx: Context, owner: dict, revisions: dict[str, dict], in_use: set[str]) -> None:
    """Delete the oldest revisions beyond the owner's revisionHistoryLimit that no pod runs."""
    limit = (owner.get("spec") or {}).get("revisionHistoryLimit", 10)
    spare = sorted((r for n, r in revisions.items() if n not in in_use), key=lambda r: r.get("revision", 0))
    for old in spare[:max(0, len(spare) - limit)]:
        ctx.delete(CONTROLLER_REVISIONS, old)


def template_of(revision: dict | None) -> dict | None:
    """The pod template a revision holds."""
    if revision is None:
        return None
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def _change_cause(owner: dict) -> dict:
    cause = (owner["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause")
    return {"kubernetes.io/change-cause": cause} if cause else {}
