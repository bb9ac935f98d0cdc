"""The garbage collector: dependents whose owners are gone, foreground deletions, and the objects of
resources whose CRD was deleted.

The pass over all objects of the cluster runs only after a deletion or a change to an object with
ownerReferences or the foregroundDeletion finalizer (before or after); most writes are neither.
"""

from __future__ import annotations

from .context import Context

NAME = "garbage"


def reconcile(ctx: Context) -> None:
    if _ownership_changed(ctx):
        _collect_dependents(ctx)
    ctx.objects.remove_unserved()


def _in_ownership(obj: dict | None) -> bool:
    meta = (obj or {}).get("metadata") or {}
    return bool(meta.get("ownerReferences")) or "foregroundDeletion" in (meta.get("finalizers") or [])


def _ownership_changed(ctx: Context) -> bool:
    memory = ctx.remembered(NAME)
    memory["seen"], events = ctx.objects.events_since(memory.get("seen"))
    if events is None:  # first pass, or the event history lost changes
        return True
    return any(event.type == "DELETED" or _in_ownership(event.object) or _in_ownership(event.previous)
               for event in events)


def _collect_dependents(ctx: Context) -> None:
    everything = list(ctx.all_objects(read_only=True))  # only metadata is read; a write takes a copy
    uids = {o["metadata"]["uid"] for _, o in everything}
    dependents: dict[str, list] = {}
    for rtype, obj in everything:
        refs = obj["metadata"].get("ownerReferences") or []
        for ref in refs:
            dependents.setdefault(ref.get("uid"), []).append((rtype, obj))
        if refs and not any(r.get("uid") in uids for r in refs) and not obj["metadata"].get("deletionTimestamp"):
            ctx.delete(rtype, obj)
    for rtype, obj in everything:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") and "foregroundDeletion" in (meta.get("finalizers") or []):
            children = dependents.get(meta["uid"], [])
            for child_type, child in children:
                if not child["metadata"].get("deletionTimestamp"):
                    ctx.delete(child_type, child, {"propagationPolicy": "Foreground"})
            current = ctx.find(rtype, meta.get("namespace", ""), meta["name"]) if not children else None
            if current is not None:
                current["metadata"]["finalizers"] = [f for f in current["metadata"].get("finalizers") or []
                                                     if f != "foregroundDeletion"]
                ctx.update(rtype, current)
