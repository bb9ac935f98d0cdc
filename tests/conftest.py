"""Shared fixtures for the collection's tests: a private sandbox and an ansible-playbook runner.

The sandbox runs as real background processes (`python -m sandbox up`) on free ports in a temporary
state folder, so tests talk to it over HTTP exactly like users' plays do (sandbox/harness.py).
"""

from __future__ import annotations

import pytest

from sandbox import harness
from sandbox.harness import PlaybookRun, Sandbox  # noqa: F401  (re-exported for test type hints)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Sandbox:
    """One sandbox for the test session, on free ports, stopped at the end."""
    running = harness.start(tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def private_sandbox(tmp_path_factory) -> Sandbox:
    """A sandbox of the test module's own, on free ports, for modules whose tests build on each other's state."""
    running = harness.start(tmp_path_factory.mktemp("private-sandbox"))
    yield running
    running.stop()


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Sandbox:
    """The session sandbox with every resource, counter and fault cleared first."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def run_playbook(sandbox: Sandbox):
    """`run_playbook(playbook, inventory=..., extra_vars=..., check=..., diff=..., tags=...)` -> PlaybookRun."""

    def run(playbook: str, **options) -> PlaybookRun:
        return harness.run_playbook(sandbox, playbook, **options)

    return run
