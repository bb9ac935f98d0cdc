"""How many API calls the sandbox answered, per (service, action, kind): tests assert idempotence with it."""

from __future__ import annotations

import threading
from collections import Counter

from sandbox.aws.extensions import Call


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def add(self, call: Call) -> None:
        with self._lock:
            self._counts[(call.service, call.action, call.kind)] += 1

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()

    def report(self) -> dict:
        """The JSON body of GET /_sandbox/calls."""
        with self._lock:
            items = sorted(self._counts.items())
        calls = [{"service": service, "action": action, "kind": kind, "count": count}
                 for (service, action, kind), count in items]
        return {
            "calls": calls,
            "total": sum(call["count"] for call in calls),
            "mutating": sum(call["count"] for call in calls if call["kind"] == "mutating"),
        }
