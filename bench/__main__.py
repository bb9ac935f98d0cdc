"""Benchmarks: `python -m bench [suite ...]` (make bench). Results go to bench/results/<suite>.json and a
Markdown table on stdout, which the README quotes.

Suites:
  infra  cold and no-op runs of playbooks/infra.yml (the AWS layer of site.yml) against a private sandbox, then the
         same resources built by bench/baseline/infra.yml (plain amazon.aws / community.aws modules),
         in the same sandbox process: wall time, changed count, API calls by action; and playbooks/preflight.yml
         alone (the share of a run its input checks take).
  timeline  a cold playbooks/site.yml against its own sandbox with the aws latency profile (bench/timeline.py):
         wall time converted to simulated AWS minutes beside the lower bound of the dependency chain, and
         when each long change (control plane, nodegroup, add-on, NAT gateway) started against when it could.
  platform  cold and no-op runs of playbooks/platform.yml (the add-ons of the addons role) on a cluster infra.yml
         built first (bench/platform.py): wall time, changed, API calls, Kubernetes writes.
  eventmall  cold apply, no-op run and a destroy of playbooks/eventmall.yml (the Terraform stack, real terraform and
         AWS provider) against a private sandbox; the no-op run is a `terraform plan` that finds nothing to do.
  gitops site.yml cold and no-op with Argo CD and the shop, then releases as the sandbox's CI makes them
         (bench/gitops.py): the time from the tag bump to the Application's Synced + Healthy.
  k8s    the Kubernetes API emulator (bench/k8s.py): requests per second for create, GET, LIST, merge
         PATCH and server-side apply on one pinned CPU, memory at 10,000 ConfigMaps, start-up time,
         and kubectl apply of 200 objects cold and no-op.
  charts `helm install --wait` of every chart in the chart mirror into an emulator cluster, one at a time
         (bench/charts.py): seconds per chart.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Callable, NamedTuple

from bench import charts, gitops, k8s, platform, timeline
from bench.runs import summarize
from sandbox import harness

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def cold_and_noop(sandbox: harness.Sandbox, name: str, playbook: str, **options) -> list[dict]:
    sandbox.reset()
    cold = summarize(f"{name} cold", harness.run_playbook(sandbox, playbook, **options))
    noop = summarize(f"{name} no-op", harness.run_playbook(sandbox, playbook, **options))
    return [cold, noop]


def preflight(sandbox: harness.Sandbox) -> dict:
    """The cost of the preflight alone (playbooks/preflight.yml for every layer), which infra.yml's cold and no-op
    runs include: the roles' checks and its few read calls."""
    return summarize("preflight.yml alone (all layers)", harness.run_playbook(
        sandbox, "playbooks/preflight.yml", extra_vars={"preflight_layers": ["infra", "platform", "apps"]}))


def infra(sandbox: harness.Sandbox) -> list[dict]:
    # infra.yml, not site.yml: the baseline builds the AWS layer only (site.yml adds the cluster's platform and
    # apps layers).
    return (cold_and_noop(sandbox, "eksforge infra.yml", "playbooks/infra.yml") + [preflight(sandbox)]
            + cold_and_noop(sandbox, "baseline playbook", str(BENCH_DIR / "baseline" / "infra.yml"),
                            inventory="localhost,",
                            extra_vars={"aws_access_key": "testing", "aws_secret_key": "testing"}))


def eventmall(sandbox: harness.Sandbox) -> list[dict]:
    """The Terraform stack: most of a cold apply is the provider's own polling intervals (RDS, ELB, S3 lifecycle)."""
    enabled = {"eventmall_enabled": True}
    rows = cold_and_noop(sandbox, "eventmall.yml", "playbooks/eventmall.yml", extra_vars=enabled)
    return rows + [summarize("eventmall.yml destroy", harness.run_playbook(
        sandbox, "playbooks/eventmall.yml", extra_vars={**enabled, "eventmall_state": "absent"}))]


class Suite(NamedTuple):
    run: Callable[..., list[dict]]  # gets the shared sandbox, unless own_sandbox
    columns: list[tuple[str, str]]  # (heading, row key); the first column is left-aligned, the rest right
    own_sandbox: bool = False       # starts a sandbox of its own (other settings); takes no argument


SUITES = {
    "infra": Suite(infra, [("run", "label"), ("wall time (s)", "seconds"), ("changed", "changed"),
                           ("API calls", "api_calls"), ("mutating calls", "mutating_calls")]),
    "timeline": Suite(timeline.run, timeline.COLUMNS, own_sandbox=True),
    "k8s": Suite(k8s.run, k8s.COLUMNS),
    "charts": Suite(charts.run, charts.COLUMNS),
    "platform": Suite(platform.run, platform.COLUMNS),
    "eventmall": Suite(eventmall, [("run", "label"), ("wall time (s)", "seconds"), ("changed", "changed"),
                                   ("API calls", "api_calls"), ("mutating calls", "mutating_calls")]),
    "gitops": Suite(gitops.run, gitops.COLUMNS),
}


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    lines = ["| " + " | ".join(heading for heading, _ in columns) + " |",
             "|---|" + "---:|" * (len(columns) - 1)]
    lines += ["| " + " | ".join(str(row.get(key, "")) for _, key in columns) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    # No default list here: argparse would check the whole list against choices and refuse it.
    parser.add_argument("suites", nargs="*", choices=list(SUITES), help="default: every suite")
    args = parser.parse_args(argv)
    RESULTS_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eksforge-bench-") as state_dir:
        sandbox = None  # the shared one, started for the first suite that uses it
        try:
            for suite in args.suites or list(SUITES):
                if SUITES[suite].own_sandbox:
                    rows = SUITES[suite].run()
                else:
                    sandbox = sandbox or harness.start(Path(state_dir))
                    rows = SUITES[suite].run(sandbox)
                (RESULTS_DIR / f"{suite}.json").write_text(json.dumps(rows, indent=2) + "\n")
                print(f"## {suite}\n\n{table(rows, SUITES[suite].columns)}\n")
        finally:
            if sandbox is not None:
                sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
