"""What the suites that run playbooks report of a run."""

from __future__ import annotations

from sandbox import harness


def summarize(label: str, run: harness.PlaybookRun) -> dict:
    if run.rc != 0:
        raise SystemExit(f"{label} failed (rc={run.rc}):\n{run.output[-4000:]}")
    by_action = sorted(run.calls, key=lambda call: (-call["count"], call["service"], call["action"]))
    return {
        "label": label,
        "seconds": round(run.seconds, 1),
        "changed": run.changed,
        "api_calls": run.total_calls,
        "mutating_calls": sum(call["count"] for call in run.mutating_calls),
        "calls_by_action": [{"action": f"{call['service']}:{call['action']}", "kind": call["kind"],
                             "count": call["count"]} for call in by_action],
    }
