"""The charts suite: `helm install --wait` of every chart in the mirror into a sandbox EKS cluster of the Kubernetes
API emulator, one chart at a time (each in a namespace of its own, uninstalled before the next), timed.

The mirror is `EKSFORGE_CHART_MIRROR` or `<repo>/../shared/charts` (one folder per chart repository, each holding
packaged charts). A chart that needs values to render gets the fewest that make it valid (`VALUES`); a chart whose
custom resources need another chart's operator gets that chart installed first and kept (`NEEDS`).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from sandbox import harness
from sandbox.config import ACCESS_KEY_ID, REPO_ROOT, SECRET_ACCESS_KEY, SandboxConfig

COLUMNS = [("chart", "label"), ("version", "version"), ("helm install --wait (s)", "seconds"), ("result", "result")]
TIMEOUT = "300s"  # per chart: a chart the emulator cannot make ready fails here rather than hanging the suite
VALUES = {  # chart -> --set values it needs to render (required values, as the platform's roles set them)
    "aws-load-balancer-controller": ["clusterName=demo"],
    "cluster-autoscaler": ["autoDiscovery.clusterName=demo", "awsRegion=eu-west-1"],
    "amazon-cloudwatch-observability": ["clusterName=demo", "region=eu-west-1"],
    "aws-cloudwatch-metrics": ["clusterName=demo"],
    "karpenter": ["settings.clusterName=demo"],
    "external-dns": ["policy=upsert-only"],
    "eck-kibana": ["elasticsearchRef.name=elasticsearch"],
}
NEEDS = {  # chart -> the chart whose operator serves its custom resources
    "eck-elasticsearch": "eck-operator", "eck-kibana": "eck-operator", "eck-stack": "eck-operator",
}


def mirror() -> Path:
    return Path(os.environ.get("EKSFORGE_CHART_MIRROR") or REPO_ROOT.parent / "shared" / "charts")


def charts(only: set[str] | None = None) -> list[tuple[str, str, Path]]:
    """(name, version, package) of every packaged chart in the mirror, by name."""
    found = []
    for package in sorted(mirror().glob("*/*.tgz")):
        name, version = re.fullmatch(r"(.+)-(\d+\.\d+\.\d+.*)\.tgz", package.name).groups()
        if only is None or name in only:
            found.append((name, version, package))
    return found


def run(sandbox: harness.Sandbox, only: set[str] | None = None) -> list[dict]:
    sandbox.command("reset")
    config = SandboxConfig.from_env({**sandbox.env, "EKSFORGE_SANDBOX_DIR": str(sandbox.state_dir)})
    with tempfile.TemporaryDirectory(prefix="eksforge-bench-charts-") as tmp:
        cluster = harness.EksCluster(config, sandbox.env, Path(tmp))
        cluster.credentials["admin"] = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
        harness.create_cluster(cluster)
        # Room for the biggest chart's requests: the bench measures the emulator, not the cluster's size.
        eks = cluster.boto3("eks")
        eks.get_waiter("nodegroup_active").wait(clusterName=harness.CLUSTER, nodegroupName="workers",
                                                WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        eks.update_nodegroup_config(clusterName=harness.CLUSTER, nodegroupName="workers",
                                    scalingConfig={"minSize": 1, "maxSize": 8, "desiredSize": 6})
        helm = Helm(cluster, Path(tmp))
        packages = {name: package for name, _, package in charts()}
        kept: set[str] = set()
        rows = []
        timed: dict[str, tuple[float, str]] = {}
        for name, version, package in charts(only):
            needed = NEEDS.get(name)
            if needed and needed not in timed:
                timed[needed] = helm.install(needed, packages[needed])
            if name not in timed:
                timed[name] = helm.install(name, package)
            seconds, result = timed[name]
            rows.append({"label": name, "version": version, "seconds": round(seconds, 1), "result": result})
            if name not in NEEDS.values():
                helm.uninstall(name)
        return rows


class Helm:
    def __init__(self, cluster: harness.EksCluster, tmp: Path):
        self.cluster, self.tmp = cluster, tmp

    def _run(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        # A fresh kubeconfig per command: its EKS token is good for minutes, the suite runs longer.
        env = {**self.cluster.env, "KUBECONFIG": str(self.cluster.kubeconfig()), "HOME": str(self.tmp),
               "HELM_CACHE_HOME": str(self.tmp / "helm-cache"), "HELM_CONFIG_HOME": str(self.tmp / "helm-config")}
        return subprocess.run([str(harness.VENV_BIN / "helm"), *args], cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def install(self, name: str, package: Path) -> tuple[float, str]:
        values = [arg for value in VALUES.get(name, []) for arg in ("--set", value)]
        started = time.monotonic()
        done = self._run("install", name, str(package), "--namespace", f"bench-{name}", "--create-namespace",
                         "--wait", "--timeout", TIMEOUT, *values)
        seconds = time.monotonic() - started
        if done.returncode != 0:
            return seconds, "failed: " + " ".join((done.stderr or done.stdout).strip().splitlines()[-1:])[:200]
        return seconds, "ready"

    def uninstall(self, name: str) -> None:
        self._run("uninstall", name, "--namespace", f"bench-{name}", "--wait", "--timeout", TIMEOUT)
