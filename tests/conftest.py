"""Shared fixtures for the collection's tests: a private sandbox and an ansible-playbook runner.

The sandbox runs as real background processes (`python -m sandbox up`) on free ports in a temporary
state folder, so tests talk to it over HTTP exactly like users' plays do.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


@dataclass
class Sandbox:
    """A running sandbox: its state folder, endpoints and control API."""

    state_dir: Path
    env: dict[str, str]

    def _port(self, process: str) -> int:
        return int((self.state_dir / f"{process}.port").read_text().strip())

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self._port('aws')}"

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.aws_endpoint}/_sandbox/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else {}

    def calls(self) -> list[dict]:
        return self.control("GET", "calls")["calls"]

    def reset_calls(self) -> None:
        self.control("DELETE", "calls")

    def set_faults(self, **faults) -> None:
        self.control("PUT", "faults", faults)

    def clear_faults(self) -> None:
        self.control("DELETE", "faults")

    def reset(self) -> None:
        """Forget every resource, counter and fault."""
        self.control("POST", "reset")

    def boto3_client(self, service: str, region: str = "us-east-1"):
        import boto3

        return boto3.client(service, endpoint_url=self.aws_endpoint, region_name=region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@dataclass
class PlaybookRun:
    """What one ansible-playbook run did: exit code, output, recap per host and API calls made."""

    rc: int
    output: str
    recap: dict[str, dict[str, int]]
    calls: list[dict] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(host["changed"] for host in self.recap.values())

    @property
    def failed(self) -> int:
        return sum(host["failed"] + host["unreachable"] for host in self.recap.values())

    @property
    def mutating_calls(self) -> list[dict]:
        return [call for call in self.calls if call["kind"] == "mutating"]

    def count(self, action: str) -> int:
        return sum(call["count"] for call in self.calls if call["action"] == action)


def sandbox_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Sandbox:
    """One sandbox for the test session, on free ports, stopped at the end."""
    state_dir = tmp_path_factory.mktemp("sandbox")
    env = dict(os.environ,
               EKSFORGE_SANDBOX_DIR=str(state_dir),
               EKSFORGE_SANDBOX_AWS_PORT="0",
               EKSFORGE_SANDBOX_K8S_PORT="0",
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    started = sandbox_command(env, "up")
    assert started.returncode == 0, started.stdout + started.stderr
    running = Sandbox(state_dir=state_dir, env=env)
    yield running
    sandbox_command(env, "down")


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Sandbox:
    """The session sandbox with every resource, counter and fault cleared first."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def run_playbook(sandbox: Sandbox):
    """Run a playbook against the sandbox; returns a PlaybookRun with the API calls it made.

    `playbook` is a path relative to the repo root (or absolute); `inventory` defaults to
    inventories/local, whose endpoint is pointed at this session's sandbox with an extra var.
    """

    def run(playbook: str, *, inventory: str = "inventories/local", extra_vars: dict | None = None,
            check: bool = False, diff: bool = False, tags: str | None = None, timeout: int = 900) -> PlaybookRun:
        variables = {"aws_endpoint_url": sandbox.aws_endpoint, **(extra_vars or {})}
        command = [str(VENV_BIN / "ansible-playbook"), "-i", inventory, playbook, "-e", json.dumps(variables)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if tags:
            command += ["--tags", tags]
        env = dict(sandbox.env, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0")
        sandbox.reset_calls()
        finished = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        output = finished.stdout + finished.stderr
        recap = {match["host"]: {key: int(value) for key, value in match.groupdict().items() if key != "host"}
                 for match in RECAP.finditer(finished.stdout)}
        return PlaybookRun(rc=finished.returncode, output=output, recap=recap, calls=sandbox.calls())

    return run
