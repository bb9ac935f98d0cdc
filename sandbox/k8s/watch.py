"""Watch streams: newline-delimited JSON events read from the store's event log."""

from __future__ import annotations

import json
import select
import threading
import time
from typing import Callable

from .selectors import parse_field_selector, parse_label_selector
from .storage import clone

DEFAULT_TIMEOUT = 1800  # the real apiserver picks 30-60 minutes
# The apiserver's is a minute; ours is shorter because the event history (storage.EVENT_HISTORY) is short.
BOOKMARK_INTERVAL = 5.0
# Like the apiserver, one last bookmark this long before timeoutSeconds, so the client resumes from a fresh version.
PRE_TIMEOUT_BOOKMARK = 2.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _line(event_type: str, obj: dict) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


def expired_event(resource_version: str) -> bytes:
    return _line("ERROR", {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": f"too old resource version: {resource_version}", "reason": "Expired",
                           "code": 410})


def client_gone_check(sock) -> Callable[[], bool]:
    """A watch client never sends anything while it streams, so a readable socket means it closed (or sent
    TLS close_notify): the watch can end instead of lingering until its timeout."""
    def gone() -> bool:
        if sock is None:
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)
    return gone


def stream(objects, rtype, namespace: str | None, params: dict, shutdown: threading.Event,
           client_gone: Callable[[], bool]):
    """Yields encoded events until timeoutSeconds passes, the server stops or the client goes away."""
    store = objects.store
    labels_match = parse_label_selector(params.get("labelSelector"))
    fields_match = parse_field_selector(params.get("fieldSelector"))
    bookmarks = params.get("allowWatchBookmarks") in ("true", "1")
    requested = params.get("resourceVersion") or ""
    send_initial = params.get("sendInitialEvents")
    key = objects.storage_key(rtype)
    yield b""  # sends the response headers now, as the apiserver does, even if no event comes for a while

    def matches(obj: dict | None) -> bool:
        if obj is None:
            return False
        meta = obj["metadata"]
        if namespace and meta.get("namespace") != namespace:
            return False
        return labels_match(meta.get("labels") or {}) and fields_match(obj)

    def present(obj: dict) -> dict:
        return objects.present(rtype, clone(obj))

    def bookmark(revision: int, initial_end: bool = False) -> bytes:
        meta: dict = {"resourceVersion": str(revision)}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        return _line("BOOKMARK", {"kind": rtype.kind, "apiVersion": rtype.api_version, "metadata": meta})

    if send_initial == "true" or (send_initial != "false" and requested in ("", "0")):
        with store.changed:
            current, last = store.records(key, namespace if rtype.namespaced else None)
        for record in current:
            if matches(record.obj):
                yield _line("ADDED", present(record.obj))
        if send_initial == "true" and bookmarks:
            yield bookmark(last, initial_end=True)
    else:
        try:
            last = int(requested)
        except ValueError:
            yield expired_event(requested)
            return
        if last < store.oldest_watchable:
            yield expired_event(requested)
            return

    timeout = min(int(params.get("timeoutSeconds") or DEFAULT_TIMEOUT), DEFAULT_TIMEOUT)
    deadline = time.monotonic() + timeout

    def bookmark_time(now: float) -> float | None:
        """When the next bookmark is due (the apiserver cacher's nextBookmarkTime); None: no more."""
        due = min(now + BOOKMARK_INTERVAL, deadline - PRE_TIMEOUT_BOOKMARK)
        return due if bookmarks and due >= now else None

    next_bookmark = bookmark_time(time.monotonic())
    while not shutdown.is_set() and not client_gone():
        now = time.monotonic()
        if now >= deadline:
            return
        with store.changed:
            events = store.events_after(last)
            if not events:
                # Wakes at least every second to notice a client that went away.
                wake = deadline if next_bookmark is None else min(deadline, next_bookmark)
                store.changed.wait(min(wake, now + 1.0) - now)
                events = store.events_after(last)
        for event in events:
            last = event.resource_version
            if (event.cluster, event.group, event.plural) != key:
                continue
            was, now_matches = matches(event.previous), event.type != "DELETED" and matches(event.object)
            if now_matches:
                yield _line("ADDED" if event.type == "MODIFIED" and not was and event.previous else event.type,
                            present(event.object))
            elif was:
                yield _line("DELETED", present(event.object))
        if next_bookmark is not None and time.monotonic() >= next_bookmark:
            next_bookmark = bookmark_time(time.monotonic())
            yield bookmark(last)
