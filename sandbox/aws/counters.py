"""Which API calls the sandbox answered: counts per (service, action, kind), which tests assert idempotence
with, and a timestamped log of the calls, which bench/timeline.py reads the run's ordering from."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque

from sandbox.aws.extensions import Call

# Parameters that name what a call acts on; the log keeps those the call has (string values only).
TARGET_PARAMS = ("name", "clusterName", "nodegroupName", "addonName", "NatGatewayId", "SubnetId", "VpcId",
                 "RoleName", "repositoryName")
# A long run (site.yml makes a few hundred calls) fits many times over; the oldest entries go first.
LOG_LIMIT = 100_000


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._log: deque[dict] = deque(maxlen=LOG_LIMIT)

    def add(self, call: Call) -> None:
        entry = {"at": round(time.time(), 4), "service": call.service, "action": call.action, "kind": call.kind,
                 "target": {key: call.params[key] for key in TARGET_PARAMS if isinstance(call.params.get(key), str)}}
        with self._lock:
            self._counts[(call.service, call.action, call.kind)] += 1
            self._log.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._log.clear()

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

    def log(self) -> dict:
        """The JSON body of GET /_sandbox/calls/log: every counted call in arrival order, `at` in epoch seconds."""
        with self._lock:
            return {"calls": list(self._log)}
