"""Where the sandbox keeps its state and which ports it listens on (docs/architecture.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AWS_PORT = 45660
DEFAULT_K8S_PORT = 45661
DEFAULT_CHARTS_PORT = 45662
# The offline Helm chart mirror (one static Helm repository per folder) the `charts` process serves.
CHART_MIRROR_ENV = "EKSFORGE_CHART_MIRROR"
DEFAULT_CHART_MIRROR = REPO_ROOT.parent / "shared" / "charts"
# Credentials the sandbox hands out; moto accepts any, these are the conventional ones.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
DEFAULT_REGION = "us-east-1"
INTERNAL_HEADER = "X-Eksforge-Sandbox-Internal"
LATENCY_ENV = "EKSFORGE_SANDBOX_LATENCY"
LATENCY_SCALE_ENV = "EKSFORGE_SANDBOX_LATENCY_SCALE"
DEFAULT_LATENCY_SCALE = 0.01


@dataclass(frozen=True)
class LatencySettings:
    """The optional latency profile (sandbox/aws/latency.py): real AWS durations times `scale`.

    `profile` "" means none: EKS settles after EKSFORGE_SANDBOX_EKS_DELAY, NAT gateways are available at once."""

    profile: str = ""
    scale: float = DEFAULT_LATENCY_SCALE

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "LatencySettings":
        from sandbox.aws.latency import PROFILES  # imported here: that module builds on this one

        profile = env.get(LATENCY_ENV, "")
        if profile and profile not in PROFILES:
            raise ValueError(f"{LATENCY_ENV}={profile!r} is not a latency profile; use one of {sorted(PROFILES)} "
                             "or leave it unset")
        raw_scale = env.get(LATENCY_SCALE_ENV) or str(DEFAULT_LATENCY_SCALE)
        try:
            scale = float(raw_scale)
        except ValueError:
            scale = -1.0
        if not scale > 0:
            raise ValueError(f"{LATENCY_SCALE_ENV}={raw_scale!r} must be a number above 0 (e.g. 0.01)")
        return cls(profile, scale)


@dataclass(frozen=True)
class SandboxConfig:
    state_dir: Path
    aws_port_setting: int
    k8s_port_setting: int
    latency: LatencySettings = LatencySettings()
    charts_port_setting: int = DEFAULT_CHARTS_PORT
    chart_mirror: Path = DEFAULT_CHART_MIRROR

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "SandboxConfig":
        env = os.environ if environ is None else environ
        return cls(
            state_dir=Path(env.get("EKSFORGE_SANDBOX_DIR") or REPO_ROOT / ".sandbox").resolve(),
            aws_port_setting=int(env.get("EKSFORGE_SANDBOX_AWS_PORT", DEFAULT_AWS_PORT)),
            k8s_port_setting=int(env.get("EKSFORGE_SANDBOX_K8S_PORT", DEFAULT_K8S_PORT)),
            latency=LatencySettings.from_env(env),
            charts_port_setting=int(env.get("EKSFORGE_SANDBOX_CHARTS_PORT", DEFAULT_CHARTS_PORT)),
            chart_mirror=Path(env.get(CHART_MIRROR_ENV) or DEFAULT_CHART_MIRROR).resolve(),
        )

    def path(self, name: str) -> Path:
        return self.state_dir / name

    @property
    def tls_dir(self) -> Path:
        return self.state_dir / "tls"

    @property
    def ca_cert_path(self) -> Path:
        return self.tls_dir / "ca.crt"

    def running_port(self, process: str) -> int | None:
        """The port a running process wrote to `<process>.port`, or None."""
        try:
            return int(self.path(f"{process}.port").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.running_port('aws') or self.aws_port_setting}"

    @property
    def k8s_base_url(self) -> str:
        return f"https://127.0.0.1:{self.running_port('k8s') or self.k8s_port_setting}"

    @property
    def chart_mirror_url(self) -> str:
        """The base URL of the chart mirror: `<url>/<folder>` is a Helm repository."""
        return f"http://127.0.0.1:{self.running_port('charts') or self.charts_port_setting}"

    def cluster_endpoint(self, region: str, name: str) -> str:
        """The Kubernetes API URL the EKS extension reports for a cluster."""
        return f"{self.k8s_base_url}/clusters/{region}/{name}"
