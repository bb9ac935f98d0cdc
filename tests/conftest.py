"""Test ordering and grouping for pytest-xdist; the integration tests' fixtures are in tests/integration/support/."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

# The test files that take minutes (CI durations), longest first: pytest-xdist hands out whole files in
# collection order, so starting with these lets the workers finish together instead of one running a long tail.
# The two units on the built platform (below) come first, then the event mall stack (one Terraform stack applied,
# resumed, planned and destroyed: 13-16 minutes on a busy machine): one for each worker.
LONGEST_FILES_FIRST = ("test_site_infra.py", "test_gitops_shop.py", "test_eventmall.py", "test_reliability.py",
                       "test_eks_role.py", "test_k8s_argocd.py", "test_vpc_flow_logs.py", "test_eks_upgrade.py",
                       "test_eks_modules.py", "test_ecr.py", "test_vpc_role.py", "test_iam.py", "test_awx_jobs.py")
PLATFORM_GROUP = "platform fixture"
# The files on the built platform make two units, each building its own platform when they land on different
# workers: the runs that only read or converge it, and those that take it apart and wait for Argo CD to put the
# shop back. One unit would be the suite's longest by far.
PLATFORM_UNITS = {"test_addons.py": "delivery", "test_gitops_shop.py": "delivery"}


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@functools.cache
def uses_platform_fixture(path: str) -> bool:
    """Whether a test file has a function (test or fixture) taking the `platform` fixture (site.yml built cold
    once per worker, the costliest setup of the suite)."""
    tree = ast.parse(Path(path).read_text())
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               and any(argument.arg == "platform" for argument in node.args.args) for node in ast.walk(tree))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown when it is not loaded (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """With --dist loadfile: whole files per worker, except that the files using the `platform` fixture form
    the units of PLATFORM_UNITS, so the platform is built once per unit, not once per file."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    root = Path(str(config.rootpath))

    class PlatformGroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if not uses_platform_fixture(str(root / path)):
                return path
            return f"{PLATFORM_GROUP}: {PLATFORM_UNITS.get(Path(path).name, 'build')}"

    return PlatformGroupScheduling(config, log)
