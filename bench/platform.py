"""The platform suite: playbooks/platform.yml (the platform namespace and the cluster add-ons of the addons role:
the load balancer controller, cluster-autoscaler, metrics-server, external-dns from the chart mirror, Container
Insights, the gp3 StorageClass, their IAM roles, Pod Identity associations and Route53 zone) cold and no-op on a
cluster infra.yml built first (not measured): wall time, changed, AWS API calls (all and mutating) and the write
requests the Kubernetes API emulator received (GET /_sandbox/writes)."""

from __future__ import annotations

from bench.runs import summarize
from sandbox import harness

COLUMNS = [("run", "label"), ("wall time (s)", "seconds"), ("changed", "changed"), ("API calls", "api_calls"),
           ("mutating calls", "mutating_calls"), ("Kubernetes writes", "kubernetes_writes")]


def run(sandbox: harness.Sandbox) -> list[dict]:
    sandbox.reset()
    summarize("infra.yml (setup, not measured)", harness.run_playbook(sandbox, "playbooks/infra.yml"))
    rows = []
    for label in ("platform.yml cold (add-ons installed)", "platform.yml no-op"):
        played = harness.run_playbook(sandbox, "playbooks/platform.yml")
        rows.append(dict(summarize(label, played), kubernetes_writes=len(played.cluster_writes)))
    return rows
