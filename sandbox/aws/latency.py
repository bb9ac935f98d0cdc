"""How long AWS takes to finish asynchronous changes, for the sandbox's optional latency profile.

Without a profile (the default) EKS resources settle after EKSFORGE_SANDBOX_EKS_DELAY seconds and NAT
gateways are available at once, as moto makes them. With `EKSFORGE_SANDBOX_LATENCY=aws` every transient
state lasts the documented real duration below times `EKSFORGE_SANDBOX_LATENCY_SCALE` (default 0.01: a
9.5-minute control plane takes 5.7 s). Sources of the durations: docs/architecture.md, "Latency profile".
"""

from __future__ import annotations

import os

from sandbox.config import LatencySettings

MINUTE = 60.0

# Real AWS seconds per (resource, change). A change "update:<type>" is an EKS update of that type; "update"
# covers the other update types of the resource.
PROFILES: dict[str, dict[tuple[str, str], float]] = {
    "aws": {
        ("eks-cluster", "create"): 9.5 * MINUTE,
        ("eks-cluster", "delete"): 4 * MINUTE,
        ("eks-cluster", "update:VersionUpdate"): 9 * MINUTE,
        ("eks-cluster", "update"): 2 * MINUTE,
        ("eks-nodegroup", "create"): 3.5 * MINUTE,
        ("eks-nodegroup", "delete"): 5 * MINUTE,
        ("eks-nodegroup", "update:VersionUpdate"): 10 * MINUTE,
        ("eks-nodegroup", "update"): 1 * MINUTE,
        ("eks-addon", "create"): 1 * MINUTE,
        ("eks-addon", "delete"): 1 * MINUTE,
        ("eks-addon", "update"): 1 * MINUTE,
        ("eks-identity-provider-config", "create"): 2 * MINUTE,
        ("eks-identity-provider-config", "delete"): 2 * MINUTE,
        ("nat-gateway", "create"): 1.5 * MINUTE,
        ("nat-gateway", "delete"): 1 * MINUTE,
    },
}


def real_seconds(profile: str, resource: str, change: str) -> float:
    """The profile's real AWS duration of `change` on `resource`."""
    durations = PROFILES[profile]
    if change.startswith("update:") and (resource, change) not in durations:
        change = "update"
    return durations[(resource, change)]


def seconds(resource: str, change: str, environ: dict[str, str] | None = None) -> float | None:
    """Sandbox seconds `change` of `resource` stays transient under the configured profile, or None without one.

    Read on each call (like EKSFORGE_SANDBOX_EKS_DELAY) so a test can set it before the sandbox starts."""
    settings = LatencySettings.from_env(os.environ if environ is None else environ)
    if not settings.profile:
        return None
    return real_seconds(settings.profile, resource, change) * settings.scale
