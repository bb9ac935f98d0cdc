"""Test ordering for pytest-xdist; the integration tests' fixtures are in tests/integration/support/."""

from __future__ import annotations


# The test files that take minutes (CI durations), longest first: pytest-xdist hands out whole files in
# collection order, so starting with these lets the workers finish together instead of one running a long tail.
LONGEST_FILES_FIRST = ("test_reliability.py", "test_eks_role.py", "test_site_infra.py", "test_k8s_argocd.py",
                       "test_vpc_flow_logs.py", "test_eks_upgrade.py", "test_eks_modules.py", "test_ecr.py",
                       "test_vpc_role.py", "test_iam.py")


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(LONGEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
