"""Helpers shared by the EKS integration tests (no tests in here)."""

from __future__ import annotations


def default_addon_version(eks, addon: str, kubernetes: str) -> str:
    """The add-on version EKS marks as default for a Kubernetes version (DescribeAddonVersions)."""
    info = eks.describe_addon_versions(addonName=addon, kubernetesVersion=kubernetes)["addons"][0]
    return next(v["addonVersion"] for v in info["addonVersions"]
                if any(c["clusterVersion"] == kubernetes and c["defaultVersion"] for c in v["compatibilities"]))
