"""Injected failures, so tests can prove the collection survives throttling and half-done runs.

Set with PUT /_sandbox/faults. A faulted call is still counted in /_sandbox/calls: the client made it.
- `throttle_rate`: share of calls answered with the protocol's own throttling error (botocore retries it).
- `server_error_rate`: share of calls answered with a bare HTTP 503 (empty body, as from a load balancer).
- `fail_from_nth_mutating`: from the Nth mutating call after the faults were set on, every mutating call is
  refused with the protocol's access-denied error and never reaches moto (reads still work), until the faults
  are cleared: a run is cut off at a known point, as when its write permissions are revoked mid-run. A refusal
  is final for botocore and AWSRetry alike; an outage of 5xx answers would sit in their backoff for minutes
  per call instead of interrupting the run.
- `lost_answer_rate`: share of mutating calls that are applied (extensions or moto answer them as usual) but
  whose answer is lost: the client gets a bare HTTP 504 (empty body, as from a load balancer that gave up
  waiting) and botocore retries a call that already took effect, as happens on AWS. A create without a client
  token or a find-before-create then makes a duplicate, or its retry meets the first one's conflict error.
  Drawn from a random sequence of its own, so turning it on does not shift the other rates' sequences.
  GET reports them in order as `lost_answers` ("service:Action") and their number as `answers_lost`.
- `seed`: seeds the random choices, so a test run is reproducible.
Internal calls (INTERNAL_HEADER) are never faulted.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass

from werkzeug.wrappers import Response

from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call

# What AWS answers when it throttles, per protocol: botocore classifies all of these as throttling.
THROTTLING = {
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    "query": (400, "Throttling", "Rate exceeded"),
    "json": (400, "ThrottlingException", "Rate exceeded"),
    "rest-json": (429, "ThrottlingException", "Rate exceeded"),
    "rest-xml": (503, "SlowDown", "Please reduce your request rate."),
}

# What AWS answers a caller lacking permission, per protocol; any other protocol gets the generic shape.
ACCESS_DENIED = {
    "ec2": (403, "UnauthorizedOperation"),
    "query": (403, "AccessDenied"),
    "json": (400, "AccessDeniedException"),
    "rest-json": (403, "AccessDeniedException"),
    "rest-xml": (403, "AccessDenied"),
}


@dataclass(frozen=True)
class FaultSettings:
    throttle_rate: float = 0.0
    server_error_rate: float = 0.0
    fail_from_nth_mutating: int | None = None
    lost_answer_rate: float = 0.0
    seed: int = 0

    @classmethod
    def from_json(cls, body: dict) -> "FaultSettings":
        unknown = set(body) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        nth = body.get("fail_from_nth_mutating")
        settings = cls(throttle_rate=float(body.get("throttle_rate", 0.0)),
                       server_error_rate=float(body.get("server_error_rate", 0.0)),
                       fail_from_nth_mutating=None if nth is None else int(nth),
                       lost_answer_rate=float(body.get("lost_answer_rate", 0.0)),
                       seed=int(body.get("seed", 0)))
        for rate in (settings.throttle_rate, settings.server_error_rate, settings.lost_answer_rate):
            if not 0.0 <= rate <= 1.0:
                raise ValueError("rates must be between 0 and 1")
        if settings.fail_from_nth_mutating is not None and settings.fail_from_nth_mutating < 1:
            raise ValueError("fail_from_nth_mutating counts from 1")
        return settings


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.set(FaultSettings())

    def set(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            self._random = random.Random(settings.seed)
            self._lost_answer_random = random.Random(f"lost-answer-{settings.seed}")
            self._mutating_seen = 0
            self._mutating_refused = 0
            self._lost_answers: list[str] = []

    def clear(self) -> None:
        self.set(FaultSettings())

    def report(self) -> dict:
        """The JSON body of GET /_sandbox/faults."""
        with self._lock:
            return {**asdict(self.settings), "mutating_seen": self._mutating_seen,
                    "mutating_refused": self._mutating_refused, "answers_lost": len(self._lost_answers),
                    "lost_answers": list(self._lost_answers)}

    def fault_for(self, call: Call) -> Response | None:
        """The error to answer `call` with instead of passing it on, or None."""
        if call.internal:
            return None
        with self._lock:
            settings = self.settings
            if call.kind == "mutating":
                self._mutating_seen += 1
                nth = settings.fail_from_nth_mutating
                if nth is not None and self._mutating_seen >= nth:
                    self._mutating_refused += 1
                    status, code = ACCESS_DENIED.get(call.protocol, (403, "AccessDenied"))
                    return error_response(call.protocol, status, code, f"Injected refusal of mutating call "
                                          f"{self._mutating_seen} (fail_from_nth_mutating={nth}).")
            # Draw both numbers every time so one rate does not shift the other's sequence.
            throttle_draw, server_error_draw = self._random.random(), self._random.random()
        if throttle_draw < settings.throttle_rate and call.protocol in THROTTLING:
            status, code, message = THROTTLING[call.protocol]
            return error_response(call.protocol, status, code, message)
        if server_error_draw < settings.server_error_rate or throttle_draw < settings.throttle_rate:
            # Also the throttle of a protocol without a shape above: botocore retries any 503. The body is
            # empty, like a load balancer's, so botocore reports it generically (code "503") for every protocol.
            return Response(b"", 503)
        return None

    def loses_answer(self, call: Call) -> bool:
        """Whether `call`, which was not faulted, is to be applied and its answer replaced by lost_answer()."""
        if call.internal or call.kind != "mutating":
            return False
        with self._lock:
            lost = self._lost_answer_random.random() < self.settings.lost_answer_rate
            if lost:
                self._lost_answers.append(f"{call.service}:{call.action}")
        return lost


def lost_answer() -> Response:
    """What the client of a call whose answer was lost gets: botocore retries a 504 like any transient 5xx."""
    return Response(b"", 504)
