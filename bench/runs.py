"""What the suites that run playbooks report of a run."""

from __future__ import annotations

from sandbox import harness


def summarize(label: str, run: harness.PlaybookRun) -> dict:
    if run.rc != 0:
        failure = run.output.find("fatal:")  # the failed task's message, not the end of its long output
        shown = run.output[failure:failure + 6000] if failure >= 0 else run.output[-4000:]
        raise SystemExit(f"{label} failed (rc={run.rc}):\n{shown}")
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
