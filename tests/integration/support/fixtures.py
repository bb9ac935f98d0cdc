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
    """The platform playbooks/site.yml built cold on inventories/local, that cold run and, for a build under faults,
    the faults' report (sandbox/aws/faults.py: which calls lost their answer)."""

    sandbox: Sandbox
    cold: PlaybookRun
    faults: dict

    def run(self, playbook: str, **options) -> PlaybookRun:
        """Run a play against the built platform; tests using the fixture must leave it as they found it."""
        return harness.run_playbook(self.sandbox, playbook, **options)


# A third of all mutating calls lose their answer (applied, but the client gets a 504, so botocore retries a call that
# already happened); the seed makes the run reproducible. With it 33 answers are lost, among them one CreateRouteTable
# and three CreateRoute calls of the vpc role, two CreateRepository calls, and in the platform layer two
# CreatePodIdentityAssociation calls and the hosted zone's ChangeTagsForResource.
LOST_ANSWERS = {"lost_answer_rate": 0.3, "seed": 11}


def build_platform(folder, faults: dict | None = None) -> Platform:
    """site.yml run cold in a new sandbox in `folder`, under `faults` (cleared after the run) when given."""
    running = harness.start(folder)
    try:
        if faults:
            running.set_faults(**faults)
        cold = harness.run_playbook(running, SITE)
        report = running.faults() if faults else {}
        running.clear_faults()
    except BaseException:
        running.stop()
        raise
    return Platform(running, cold, report)


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Platform:
    """playbooks/site.yml run cold once per session (per xdist worker) in a sandbox of its own, for the add-ons and
    GitOps tests, which end with its destroy (tests/conftest.py's "delivery" unit). Faults, upgrades and the other
    destroys run on sandboxes of their own."""
    built = build_platform(tmp_path_factory.mktemp("platform"))
    yield built
    built.sandbox.stop()


@pytest.fixture(scope="session")
def platform_built_under_lost_answers(tmp_path_factory) -> Platform:
    """playbooks/site.yml run cold once per session under LOST_ANSWERS, for the tests that read what it built or
    re-run plays that must change nothing (tests/conftest.py's "build" unit): the same platform, made while a third of
    the mutating calls lost their answer, so what they read also shows that each resource was made once."""
    built = build_platform(tmp_path_factory.mktemp("platform-lost-answers"), LOST_ANSWERS)
    yield built
    built.sandbox.stop()
