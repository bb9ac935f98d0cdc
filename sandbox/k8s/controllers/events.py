"""Events: what the simulated controllers report (core v1 Events, which events.k8s.io/v1 serves too), and their
expiry an hour after they were last seen, like the apiserver's event TTL."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from .. import kinds
from ..objects import timestamp
from .context import Context

EVENTS = kinds.builtin_by_kind("", "Event")
TTL_SECONDS = 3600
EXPIRY_CHECK_SECONDS = 60.0
NAME = "events"


def record(ctx: Context, obj: dict, reason: str, message: str, component: str, *, host: str = "",
           field_path: str = "", type_: str = "Normal") -> None:
    """One Event about `obj`, as client-go's event recorder writes it."""
    meta = obj["metadata"]
    namespace = meta.get("namespace") or "default"
    involved = {"kind": obj["kind"], "namespace": meta.get("namespace", ""), "name": meta["name"],
                "uid": meta["uid"], "apiVersion": obj["apiVersion"], "resourceVersion": meta.get("resourceVersion", "")}
    if field_path:
        involved["fieldPath"] = field_path
    now = timestamp()
    ctx.create(EVENTS, namespace, {
        "metadata": {"name": f"{meta['name']}.{time.time_ns():x}"},
        "involvedObject": {k: v for k, v in involved.items() if v},
        "reason": reason, "message": message, "type": type_, "count": 1,
        "source": {"component": component, **({"host": host} if host else {})},
        "firstTimestamp": now, "lastTimestamp": now, "reportingComponent": component, "reportingInstance": host})


def reconcile(ctx: Context) -> None:
    """Drops events past their TTL (checked once a minute: most passes have nothing to drop)."""
    memory = ctx.remembered(NAME)
    if time.monotonic() < memory.get("next_check", 0.0):
        return
    memory["next_check"] = time.monotonic() + EXPIRY_CHECK_SECONDS
    now = datetime.now(timezone.utc).timestamp()
    for event in ctx.list(EVENTS):
        seen = event.get("lastTimestamp") or event.get("eventTime") or event["metadata"]["creationTimestamp"]
        when = datetime.strptime(seen[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
        if now - when > TTL_SECONDS:
            ctx.delete(EVENTS, event)
