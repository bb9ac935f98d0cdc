"""The integration tests' fixtures (registered by tests/integration/conftest.py).

Sandboxes run as real background processes (`python -m sandbox up`) on free ports in a temporary state folder,
so tests talk to them over HTTP exactly like users' plays do (sandbox/harness.py). Each pytest-xdist worker has
its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sandbox import harness
from sandbox.harness import PlaybookRun, Sandbox

from tests.integration.support.constants import SITE


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
def aws(clean_sandbox: Sandbox) -> Sandbox:
    """The cleared session sandbox, under the name the module tests use for the AWS they talk to."""
    return clean_sandbox


@pytest.fixture
def run_playbook(sandbox: Sandbox):
    """`run_playbook(playbook, inventory=..., extra_vars=..., check=..., diff=..., tags=...)` -> PlaybookRun."""

    def run(playbook: str, **options) -> PlaybookRun:
        return harness.run_playbook(sandbox, playbook, **options)

    return run


@dataclass
class Platform:
    """The platform playbooks/site.yml built cold on inventories/local, and that cold run."""

    sandbox: Sandbox
    cold: PlaybookRun

    def run(self, playbook: str, **options) -> PlaybookRun:
        """Run a play against the built platform; tests using the fixture must leave it as they found it."""
        return harness.run_playbook(self.sandbox, playbook, **options)


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Platform:
    """playbooks/site.yml run cold once per session (per xdist worker) in a sandbox of its own, for the tests
    that only read the platform or re-run plays that must change nothing. Destroy, faults and upgrades run
    on sandboxes of their own."""
    running = harness.start(tmp_path_factory.mktemp("platform"))
    try:
        yield Platform(running, harness.run_playbook(running, SITE))
    finally:
        running.stop()
