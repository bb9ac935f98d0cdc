"""Assertions the integration tests share."""

from __future__ import annotations

import time

from sandbox.harness import PlaybookRun


def assert_ran(run: PlaybookRun, *, changed: int | None = None) -> None:
    """The run succeeded (and, if given, reported exactly `changed` changes); shows the output if not."""
    assert run.rc == 0 and run.failed == 0, f"playbook failed (rc={run.rc}):\n{run.output[-6000:]}"
    if changed is not None:
        assert run.changed == changed, (f"expected changed={changed}, got {run.recap}; changed tasks:\n"
                                        + "\n".join(changed_tasks(run.output)) + f"\n\n{run.output[-6000:]}")


def assert_idempotent(run: PlaybookRun) -> None:
    """A repeated run: it succeeded, changed nothing and made no call that mutates."""
    assert_ran(run, changed=0)
    assert run.mutating_calls == [], run.mutating_calls


def assert_failed_cleanly(run: PlaybookRun, message: str) -> None:
    """The run failed on one task whose output contains `message` (whitespace collapsed, as Ansible wraps
    long messages), before any call that mutates."""
    assert run.rc != 0 and run.failed == 1, run.output[-3000:]
    assert message in " ".join(run.output.split()), run.output[-3000:]
    assert run.mutating_calls == [], run.mutating_calls


def changed_tasks(output: str) -> list[str]:
    """The TASK headers of an ansible-playbook output whose result lines say `changed`."""
    found, task = [], ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line.rstrip("* ")
        elif line.startswith("changed:") and task not in found:
            found.append(task)
    return found


def wait_for(fetch, done, timeout: float = 60, interval: float = 0.2):
    """Call `fetch` until `done(value)`; returns that value (EKS changes settle in 0.2 s in the tests' sandboxes)."""
    deadline = time.monotonic() + timeout
    while not done(value := fetch()):
        assert time.monotonic() < deadline, f"timed out, last value {value}"
        time.sleep(interval)
    return value
