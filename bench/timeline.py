"""The timeline suite: how long a cold playbooks/site.yml would take on AWS, against the least its dependencies allow.

The run goes against a private sandbox with the `aws` latency profile (sandbox/aws/latency.py), every AWS wait
scaled by EKSFORGE_SANDBOX_LATENCY_SCALE (default 0.01). The sandbox's call log (GET /_sandbox/calls/log)
says when each long change started; the profile says how long it stays pending.

Simulated AWS time: wall time the run spent waiting for a pending change (the stretches ended by a poll of that
change) is scaled back up (divided by the scale); the rest (Ansible, module start-up, work done while a change
was pending, polls after a change finished) counts as it is. That is what the same play would spend against AWS,
the poll overshoot included.

Lower bound: the longest chain of profile durations through this table of what cannot start before what
(steps without a duration, e.g. VPC, subnets, IAM roles, ECR, are instant here):

| change | cannot start before |
|---|---|
| NAT gateway | nothing long (VPC, public subnet, internet gateway, Elastic IP) |
| EKS control plane | nothing long (subnets, cluster IAM role) |
| OIDC identity provider config | the control plane |
| add-on the run creates before the first nodegroup (vpc-cni, kube-proxy, ...) | the control plane |
| managed nodegroup | the control plane and every NAT gateway (nodes need egress to join) |
| add-on the run creates after the nodegroups (coredns, EBS CSI: pods need a node) | every nodegroup |

Which changes exist, and which add-ons come before the nodegroups, is read from the run itself.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox import harness
from sandbox.aws.latency import real_seconds
from sandbox.config import DEFAULT_LATENCY_SCALE, LATENCY_ENV, LATENCY_SCALE_ENV

PROFILE = "aws"
COLUMNS = [("run / change", "label"), ("wall time (s)", "seconds"), ("started (AWS min)", "started_min"),
           ("done (AWS min)", "done_min"), ("earliest start (AWS min)", "earliest_start_min"),
           ("earliest done (AWS min)", "earliest_done_min")]
# Call -> (profile resource, change, the target parameters that name it).
LONG_CHANGES = {
    "CreateNatGateway": ("nat-gateway", "create", ("SubnetId",)),
    "CreateCluster": ("eks-cluster", "create", ("name",)),
    "CreateNodegroup": ("eks-nodegroup", "create", ("clusterName", "nodegroupName")),
    "CreateAddon": ("eks-addon", "create", ("clusterName", "addonName")),
    "AssociateIdentityProviderConfig": ("eks-identity-provider-config", "create", ("clusterName",)),
}


@dataclass
class Change:
    """One long change of the run: when it started (epoch s) and its real AWS duration."""

    resource: str
    name: str
    started: float
    aws_seconds: float
    needs: list["Change"] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.resource} {self.name}"


def long_changes(log: list[dict]) -> list[Change]:
    """The first call of each long change in the log (a retried create counts once), in order."""
    changes: dict[tuple[str, str], Change] = {}
    for entry in log:
        known = LONG_CHANGES.get(entry["action"])
        if known is None:
            continue
        resource, change, names = known
        name = "/".join(entry["target"].get(key, "?") for key in names)
        changes.setdefault((resource, name), Change(resource, name, entry["at"],
                                                    real_seconds(PROFILE, resource, change)))
    return list(changes.values())


def link_dependencies(changes: list[Change]) -> None:
    """Fill `needs` from the table in the module docstring."""
    by_kind: dict[str, list[Change]] = {}
    for change in changes:
        by_kind.setdefault(change.resource, []).append(change)
    clusters, nats = by_kind.get("eks-cluster", []), by_kind.get("nat-gateway", [])
    nodegroups = by_kind.get("eks-nodegroup", [])
    first_nodegroup = min((group.started for group in nodegroups), default=float("inf"))
    for change in changes:
        cluster = [c for c in clusters if change.name.split("/")[0] == c.name]
        if change.resource == "eks-nodegroup":
            change.needs = cluster + nats
        elif change.resource == "eks-addon" and change.started > first_nodegroup:
            change.needs = cluster + [group for group in nodegroups if group.name.split("/")[0] == cluster[0].name]
        elif change.resource in ("eks-addon", "eks-identity-provider-config"):
            change.needs = cluster


def earliest(changes: list[Change]) -> dict[str, tuple[float, float]]:
    """Earliest (start, done) in AWS seconds of each change under the dependency table."""
    times: dict[str, tuple[float, float]] = {}

    def visit(change: Change) -> float:
        if change.label not in times:
            start = max((visit(need) for need in change.needs), default=0.0)
            times[change.label] = (start, start + change.aws_seconds)
        return times[change.label][1]

    for change in changes:
        visit(change)
    return times


# The read each kind of long change is polled with while the run waits for it.
POLLS = {"nat-gateway": "DescribeNatGateways", "eks-cluster": "DescribeCluster", "eks-nodegroup": "DescribeNodegroup",
         "eks-addon": "DescribeAddon", "eks-identity-provider-config": "DescribeIdentityProviderConfig"}
# Call log target keys that name the resource a poll reads, by kind of change (a poll without them matches any).
POLL_TARGETS = {"eks-cluster": ("name",), "eks-nodegroup": ("clusterName", "nodegroupName"),
                "eks-addon": ("clusterName", "addonName"), "eks-identity-provider-config": ("clusterName",)}


class Clock:
    """Wall time of the run -> simulated AWS seconds.

    The run's own work (Ansible, module start-up, the calls that change things) takes as long as it took; only
    the time the run spent waiting for a pending change is scaled back up. A stretch between two calls counts as
    waiting when the call that ends it polls a change that was still pending (DescribeCluster of that cluster,
    DescribeNatGateways for a NAT gateway ...): the run was blocked on it. Work done while a change was pending
    thereby overlaps the change, as it would on AWS, instead of being stretched with it."""

    def __init__(self, began: float, ended: float, changes: list[Change], scale: float, log: list[dict]):
        self.began, self.scale = began, scale
        self.spans = [(change, change.started, min(change.started + change.aws_seconds * scale, ended))
                      for change in changes]
        self.marks: list[tuple[float, float]] = [(began, 0.0)]  # (wall time of a call, simulated seconds then)
        for entry in sorted(log, key=lambda entry: entry["at"]):
            at, previous = entry["at"], self.marks[-1]
            if at <= previous[0]:
                continue
            self.marks.append((at, previous[1] + self._elapsed(previous[0], at, self._polled(entry))))

    def _polled(self, entry: dict) -> list[tuple[float, float]]:
        """The pending stretches (wall start, wall end) of the changes this call polls."""
        polled = []
        for change, start, end in self.spans:
            if POLLS.get(change.resource) != entry["action"] or not start < entry["at"]:
                continue
            keys = POLL_TARGETS.get(change.resource, ())
            if not keys or "/".join(entry["target"].get(key, "") for key in keys) == change.name:
                polled.append((start, end))
        return polled

    def _elapsed(self, start: float, end: float, polled: list[tuple[float, float]]) -> float:
        """Simulated seconds of the stretch [start, end]: the part the run spent waiting for a polled change that
        was pending scaled back up, the rest as it is."""
        covered, reach = 0.0, start
        for low, high in sorted((max(start, low), min(end, high)) for low, high in polled):
            low = max(low, reach)  # the union of the pending stretches inside [start, end]
            if high > low:
                covered, reach = covered + high - low, high
        return (end - start - covered) + covered / self.scale

    def aws_seconds(self, at: float) -> float:
        """Simulated seconds from the start of the run to wall time `at` (a call's time or the end of the run)."""
        mark = max((mark for mark in self.marks if mark[0] <= at), key=lambda mark: mark[0])
        return mark[1] + (at - mark[0])


def run() -> list[dict]:
    """Start a private sandbox with the profile, run site.yml cold, report the run and each long change."""
    scale = float(os.environ.get(LATENCY_SCALE_ENV) or DEFAULT_LATENCY_SCALE)
    with tempfile.TemporaryDirectory(prefix="eksforge-timeline-") as state_dir:
        sandbox = harness.start(Path(state_dir), {LATENCY_ENV: PROFILE, LATENCY_SCALE_ENV: str(scale)})
        try:
            began = time.time()
            playbook = harness.run_playbook(sandbox, "playbooks/site.yml")
            ended = time.time()
            log = sandbox.call_log()
        finally:
            sandbox.stop()
    if playbook.rc != 0:
        raise SystemExit(f"site.yml failed (rc={playbook.rc}):\n{playbook.output[-4000:]}")
    changes = long_changes(log)
    link_dependencies(changes)
    bounds = earliest(changes)
    clock = Clock(began, ended, changes, scale, log)
    lower_bound = max((done for _, done in bounds.values()), default=0.0)
    rows = [{"label": f"site.yml cold, {PROFILE} profile x{scale:g}", "seconds": round(ended - began, 1),
             "started_min": 0.0, "done_min": _minutes(clock.aws_seconds(ended)),
             "earliest_start_min": 0.0, "earliest_done_min": _minutes(lower_bound),
             "scale": scale, "api_calls": len(log)}]
    for change in sorted(changes, key=lambda c: c.started):
        start, done = bounds[change.label]
        started = clock.aws_seconds(change.started)
        rows.append({"label": change.label, "seconds": "",
                     "started_min": _minutes(started), "done_min": _minutes(started + change.aws_seconds),
                     "earliest_start_min": _minutes(start), "earliest_done_min": _minutes(done),
                     "needs": [need.label for need in change.needs]})
    return rows


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)
