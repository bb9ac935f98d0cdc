"""Namespaces: a `default` service account in each; a terminating namespace is emptied, then removed."""

from __future__ import annotations

from .context import NAMESPACES, SERVICE_ACCOUNTS, Context


def reconcile(ctx: Context) -> None:
    for ns in ctx.list(NAMESPACES):
        name = ns["metadata"]["name"]
        if ns["metadata"].get("deletionTimestamp"):
            _finish(ctx, ns)
        elif ctx.find(SERVICE_ACCOUNTS, name, "default") is None:
            ctx.create(SERVICE_ACCOUNTS, name, {"metadata": {"name": "default"}})


def _finish(ctx: Context, ns: dict) -> None:
    name = ns["metadata"]["name"]
    remaining = [(t, o) for t, o in ctx.all_objects(read_only=True)
                 if t.namespaced and o["metadata"].get("namespace") == name]
    for rtype, obj in remaining:
        if not obj["metadata"].get("deletionTimestamp"):
            ctx.delete(rtype, obj)
    if not remaining:
        ctx.remove(NAMESPACES, ns)
