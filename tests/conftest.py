"""Test ordering and grouping for pytest-xdist; the integration tests' fixtures are in tests/integration/support/."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

# The test files that take minutes, longest first (CI durations): the files are queued in this order (see
# pytest_xdist_make_scheduler), so the long ones start first and the workers finish together instead of one running a
# long tail. The two units on the built platform come first (test_site_infra.py starts the build unit, test_addons.py
# the delivery unit), then the event mall stack (one Terraform stack applied, resumed, planned and destroyed).
LONGEST_FILES_FIRST = ("test_site_infra.py", "test_addons.py", "test_gitops_shop.py", "test_eventmall.py",
                       "test_eks_role.py", "test_iam.py", "test_lost_answers.py", "test_reliability.py",
                       "test_preflight.py", "test_vpc_flow_logs.py", "test_overlapping_waits.py", "test_eks_upgrade.py",
                       "test_k8s_argocd.py", "test_efk.py", "test_jenkins.py", "test_eks_modules.py", "test_ecr.py",
                       "test_vpc_role.py", "test_awx_jobs.py")
PLATFORM_GROUP = "platform fixture"
# The built platforms (tests/integration/support/fixtures.py) and the unit of test files each one serves: a unit's files
# run on one worker, which builds its platform once. "build": the runs that only read or converge the platform, built
# under lost answers; "delivery": the add-ons and GitOps tests, which end with the platform's destroy. One unit would be
# the suite's longest by far.
PLATFORM_UNITS = {"platform_built_under_lost_answers": "build", "platform": "delivery"}


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_FILES_FIRST)}
    # After the listed files: the other files that run playbooks or client binaries (marked slow), then the rest;
    # a test that takes the shared platform apart comes after everything (its unit's other tests need the platform).
    items.sort(key=lambda item: (item.get_closest_marker("destroys_platform") is not None,
                                 rank.get(item.path.name, len(rank) + (item.get_closest_marker("slow") is None))))


def pytest_runtest_teardown(item, nextitem):
    """A unit's built platform stops after the unit's last test instead of at the end of the session: an idle built
    platform keeps the emulator's controllers busy (~0.1 CPU core), and each worker runs a unit's tests in a row."""
    for fixture in PLATFORM_UNITS:
        if fixture in item.fixturenames and (nextitem is None or fixture not in nextitem.fixturenames):
            item.funcargs[fixture].sandbox.stop()


@functools.cache
def platform_unit(path: str) -> str | None:
    """The unit of PLATFORM_UNITS a test file belongs to: the one of the built platform a function of the file (test
    or fixture) takes (site.yml built cold once per worker, the costliest setup of the suite), or None."""
    tree = ast.parse(Path(path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for argument in node.args.args:
                if argument.arg in PLATFORM_UNITS:
                    return PLATFORM_UNITS[argument.arg]
    return None


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown when it is not loaded (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """With --dist loadfile: whole files per worker, except that the files using a built platform form the units of
    PLATFORM_UNITS, so each platform is built once per unit, not once per file."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    # xdist would otherwise queue the files by their number of tests, most first: the unit-test files with hundreds
    # of quick cases would start first and the few-test files that take minutes would make the run's long tail.
    config.option.loadscopereorder = False

    root = Path(str(config.rootpath))

    class PlatformGroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            unit = platform_unit(str(root / path))
            return f"{PLATFORM_GROUP}: {unit}" if unit else path

    return PlatformGroupScheduling(config, log)
