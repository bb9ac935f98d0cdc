"""Shared fixtures for the collection's tests: a private sandbox and an ansible-playbook runner.

The sandbox runs as real background processes (`python -m sandbox up`) on free ports in a temporary
state folder, so tests talk to it over HTTP exactly like users' plays do (sandbox/harness.py).
"""

from __future__ import annotations

import pytest

from sandbox import harness
from sandbox.harness import PlaybookRun, Sandbox  # noqa: F401  (re-exported for test type hints)


# The test files that take minutes (CI durations), longest first: pytest-xdist hands out whole files in
# collection order, so starting with these lets the workers finish together instead of one running a long tail.
LONGEST_FILES_FIRST = ("test_reliability.py", "test_eks_role.py", "test_site_infra.py", "test_vpc_flow_logs.py",
                       "test_eks_upgrade.py", "test_eks_modules.py", "test_ecr.py", "test_vpc_role.py", "test_iam.py")


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


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
