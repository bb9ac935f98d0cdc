"""Test ordering and grouping for pytest-xdist; the integration tests' fixtures are in tests/integration/support/."""

from __future__ import annotations

from pathlib import Path

import pytest

# The test files that take minutes (CI durations), longest first: pytest-xdist hands out whole files in
# collection order, so starting with these lets the workers finish together instead of one running a long tail.
LONGEST_FILES_FIRST = ("test_reliability.py", "test_eks_role.py", "test_site_infra.py", "test_k8s_argocd.py",
                       "test_vpc_flow_logs.py", "test_eks_upgrade.py", "test_eks_modules.py", "test_ecr.py",
                       "test_vpc_role.py", "test_iam.py", "test_awx_jobs.py")

# The files whose tests use the `platform` fixture (site.yml built cold once per worker, the costliest setup of
# the suite): they run on one worker together, so the platform is built once, not once per worker.
PLATFORM_FILES = ("test_site_infra.py", "test_awx_jobs.py", "test_gitops_shop.py")
PLATFORM_GROUP = "platform fixture"


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
    strays = sorted({item.path.name for item in items
                     if "platform" in getattr(item, "fixturenames", ()) and item.path.name not in PLATFORM_FILES})
    if strays:
        raise pytest.UsageError(f"{', '.join(strays)} use the `platform` fixture: add them to PLATFORM_FILES in "
                                "tests/conftest.py so that they share one built platform")


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown when it is not loaded (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """With --dist loadfile: whole files per worker, except that PLATFORM_FILES form one unit."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class PlatformGroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return PLATFORM_GROUP if Path(path).name in PLATFORM_FILES else path

    return PlatformGroupScheduling(config, log)
