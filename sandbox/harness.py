"""Drive the sandbox and ansible-playbook from Python: used by the tests' fixtures and by bench/.

`start(state_dir)` brings up a private sandbox on free ports; `Sandbox` wraps its control API;
`run_playbook` runs a play against it and reports the recap and the AWS API calls the run made.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.client import SandboxClient
from sandbox.config import ACCESS_KEY_ID, DEFAULT_REGION, REPO_ROOT, SECRET_ACCESS_KEY, SandboxConfig

VENV_BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


class Sandbox(SandboxClient):
    """A running sandbox: its control API (SandboxClient), state folder and the environment to reach it."""

    def __init__(self, state_dir: Path, env: dict[str, str]):
        self.state_dir = Path(state_dir)
        self.env = env
        super().__init__(SandboxConfig.from_env({**env, "EKSFORGE_SANDBOX_DIR": str(self.state_dir)}))

    @property
    def aws_endpoint(self) -> str:
        return self.endpoint

    def boto3_client(self, service: str, region: str = DEFAULT_REGION):
        return self.client(service, region=region)

    def command(self, *args: str) -> subprocess.CompletedProcess:
        """`python -m sandbox <args>` for this sandbox."""
        return subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=REPO_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)

    def stop(self) -> None:
        self.command("down")


def start(state_dir: Path, settings: dict[str, str] | None = None) -> Sandbox:
    """Start a private sandbox in `state_dir` on free ports; raises if it does not come up.
    `settings` are further EKSFORGE_SANDBOX_* variables for it (e.g. the latency profile)."""
    env = dict(os.environ, **(settings or {}),
               EKSFORGE_SANDBOX_DIR=str(state_dir),
               EKSFORGE_SANDBOX_AWS_PORT="0",
               EKSFORGE_SANDBOX_K8S_PORT="0",
               # EKS changes settle in 0.2 s instead of the sandbox's default 1 s: waits still run.
               EKSFORGE_SANDBOX_EKS_DELAY=os.environ.get("EKSFORGE_SANDBOX_EKS_DELAY", "0.2"),
               AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
               ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    # Whatever the caller's shell points boto3 at must not leak into runs against the sandbox.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_URL", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    started = subprocess.run([sys.executable, "-m", "sandbox", "up"], cwd=REPO_ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    if started.returncode != 0:
        raise RuntimeError(f"sandbox did not start:\n{started.stdout}{started.stderr}")
    return Sandbox(state_dir, env)


@dataclass
class PlaybookRun:
    """What one ansible-playbook run did: exit code, output, recap per host, API calls, wall time."""

    rc: int
    output: str
    recap: dict[str, dict[str, int]]
    calls: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return sum(host["changed"] for host in self.recap.values())

    @property
    def failed(self) -> int:
        return sum(host["failed"] + host["unreachable"] for host in self.recap.values())

    @property
    def mutating_calls(self) -> list[dict]:
        return [call for call in self.calls if call["kind"] == "mutating"]

    @property
    def total_calls(self) -> int:
        return sum(call["count"] for call in self.calls)

    def count(self, action: str) -> int:
        return sum(call["count"] for call in self.calls if call["action"] == action)


def run_playbook(sandbox: Sandbox, playbook: str, *, inventory: str = "inventories/local",
                 extra_vars: dict | None = None, check: bool = False, diff: bool = False,
                 tags: str | None = None, timeout: int = 900) -> PlaybookRun:
    """Run `playbook` (relative to the repo root, or absolute) with the inventory's endpoint pointed at
    this sandbox; counters are reset first, so `calls` are exactly this run's."""
    variables = {"aws_endpoint_url": sandbox.aws_endpoint, **(extra_vars or {})}
    command = [str(VENV_BIN / "ansible-playbook"), "-i", inventory, playbook, "-e", json.dumps(variables)]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if tags:
        command += ["--tags", tags]
    env = dict(sandbox.env, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    sandbox.reset_calls()
    began = time.monotonic()
    finished = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
    seconds = time.monotonic() - began
    recap = {match["host"]: {key: int(value) for key, value in match.groupdict().items() if key != "host"}
             for match in RECAP.finditer(finished.stdout)}
    return PlaybookRun(rc=finished.returncode, output=finished.stdout + finished.stderr, recap=recap,
                       calls=sandbox.calls(), seconds=seconds)


def run_module(sandbox: Sandbox, module: str, args: dict, *, check: bool = False, diff: bool = False,
               expect_failure: bool = False) -> dict:
    """Run one module with `ansible localhost -m` against the sandbox; returns its result dict.

    `endpoint_url` is set to the sandbox; the run must fail exactly when `expect_failure` says so.
    """
    command = [str(VENV_BIN / "ansible"), "localhost", "-m", module,
               "-a", json.dumps(dict(args, endpoint_url=sandbox.aws_endpoint))]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    env = dict(sandbox.env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_LOCALHOST_WARNING="0")
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    try:
        result = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError) as error:
        raise AssertionError(f"ansible failed (rc={done.returncode}):\n{done.stdout}\n{done.stderr}") from error
    if bool(result.get("failed")) != expect_failure:
        raise AssertionError(f"{module} {'succeeded' if expect_failure else 'failed'} unexpectedly: {result}")
    return result
