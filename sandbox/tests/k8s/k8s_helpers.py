"""Helpers for the emulator tests (a module of its own so test files can import it as
sandbox.tests.k8s.k8s_helpers; conftest.py holds the fixtures, sandbox/harness.py the cluster and its clients)."""

from __future__ import annotations

import json
import random
import socket
import ssl
import subprocess
import time
import urllib.request

from sandbox import harness
from sandbox.config import REPO_ROOT

BIN = harness.VENV_BIN
CLUSTER = harness.CLUSTER
PORT_RANGE = range(45300, 45400)  # the ports this machine lets us use


def free_ports(count: int) -> list[int]:
    found = []
    # In random order: pytest-xdist workers start their sandboxes at the same moment and would all take the lowest.
    for port in random.sample(PORT_RANGE, len(PORT_RANGE)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError("no free ports in 45300-45399")


def run(args: list, *, env=None, input: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=REPO_ROOT, env=env, input=input, capture_output=True,
                          text=True, timeout=timeout, check=False)


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def set_clock(eks, offset_seconds: float) -> None:
    """Run the emulator's clock `offset_seconds` ahead of the wall clock (POST /_sandbox/clock)."""
    request = urllib.request.Request(f"{eks.config.k8s_base_url}/_sandbox/clock", method="POST",
                                     data=json.dumps({"offsetSeconds": offset_seconds}).encode())
    context = ssl.create_default_context(cafile=str(eks.ca))
    with urllib.request.urlopen(request, context=context) as answer:
        assert json.loads(answer.read())["offsetSeconds"] == offset_seconds
