"""Assertions the integration tests share."""

from __future__ import annotations

import re
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


def assert_vpc_role_ran(run) -> None:
    """The vpc role of the run got to its outputs: none of its tasks failed (a later layer may have)."""
    failed, task = [], ""
    for line in run.output.splitlines():
        if line.startswith("TASK ["):
            task = line.rstrip("* ")
        elif line.startswith(("fatal:", "failed:")) and task.startswith("TASK [eksforge.platform.vpc :"):
            failed.append(task)
    assert not failed, f"vpc tasks failed: {failed}\n{run.output[-6000:]}"
    assert "TASK [eksforge.platform.vpc : Export vpc_outputs]" in run.output, run.output[-6000:]


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


# The first line of a host's failed result in the default callback's output.
FAILURE = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\]")


def failure_messages(output: str) -> dict[str, str]:
    """Each host's failure output (the lines of its fatal/failed result), whitespace collapsed and the YAML
    callback's doubled quotes ('') undone."""
    found, host = {}, None
    for line in output.splitlines():
        match = FAILURE.match(line)
        if match:
            host = match["host"]
            found[host] = found.get(host, "") + " " + line
        elif host and (line.startswith(" ") or not line.strip()):
            found[host] += " " + line
        else:
            host = None
    return {name: " ".join(text.split()).replace("''", "'") for name, text in found.items()}


def assert_host_failed_with(run: PlaybookRun, host: str, message: str) -> None:
    """In a run with a host per case, `host` failed and its failure output contains `message`."""
    assert run.recap[host]["failed"] == 1, f"{host} did not fail:\n{run.output[-3000:]}"
    failure = failure_messages(run.output).get(host, "")
    assert message in failure, f"{host}: {message!r} not in its failure: {failure[:3000]}"
