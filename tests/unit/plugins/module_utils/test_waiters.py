"""Unit tests of the polling helpers of plugins/module_utils/waiters.py (injected clock, no AWS)."""

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.waiters import WaitError, poll, status_failure


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_returns_when_done_with_growing_delays():
    clock = FakeClock()
    values = iter(["CREATING", "CREATING", "CREATING", "ACTIVE"])
    result = poll(lambda: next(values), lambda v: v == "ACTIVE", 60, sleep=clock.sleep, clock=clock.clock)
    assert result == "ACTIVE"
    assert clock.sleeps == [1.0, 1.5, 2.25]


def test_poll_stops_on_failure():
    clock = FakeClock()
    with pytest.raises(WaitError, match="failed: broken"):
        poll(lambda: "X", lambda v: False, 60, is_failed=lambda v: "broken", sleep=clock.sleep, clock=clock.clock)


def test_poll_times_out():
    clock = FakeClock()
    with pytest.raises(WaitError, match="Timed out after 10s"):
        poll(lambda: "CREATING", lambda v: False, 10, sleep=clock.sleep, clock=clock.clock)
    assert clock.now <= 10


def test_status_failure_names_status_and_health():
    check = status_failure(("CREATE_FAILED", "DEGRADED"))
    assert check({"status": "CREATING"}) is None
    assert check({"status": "DEGRADED", "health": {"issues": [{"code": "InsufficientNumberOfReplicas", "message": "0/2"}]}}) == (
        "status DEGRADED (InsufficientNumberOfReplicas: 0/2)"
    )
    assert check(None) == "it no longer exists"
