"""Start, find and stop the sandbox's background processes (docs/architecture.md, "The sandbox").

Each process has `<name>.pid`, `<name>.port` and `<name>.log` in the state folder. A pid counts as ours
only while /proc/<pid>/cmdline is the command we started for this state folder, so a stale pid file
or a pid the system has since reused is never signalled.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sandbox.charts import missing_mirror_problem
from sandbox.config import REPO_ROOT, SandboxConfig
from sandbox.tls import ensure_tls

START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


@dataclass(frozen=True)
class SandboxProcess:
    name: str            # "aws" or "k8s": the prefix of its files in the state folder
    module: str          # run as `python -m <module> <*arguments> --port P --state-dir D`
    arguments: tuple[str, ...]
    scheme: str
    health_path: str

    def command(self, config: SandboxConfig, port: int, extra: tuple[str, ...] = ()) -> list[str]:
        return [sys.executable, "-m", self.module, *self.arguments,
                "--port", str(port), "--state-dir", str(config.state_dir), *extra]

    def port_setting(self, config: SandboxConfig) -> int:
        return getattr(config, f"{self.name}_port_setting")


AWS = SandboxProcess("aws", "sandbox.aws.server", (), "http", "/_sandbox/health")
K8S = SandboxProcess("k8s", "sandbox.k8s", ("serve",), "https", "/healthz")
CHARTS = SandboxProcess("charts", "sandbox.charts", (), "http", "/_sandbox/health")


def processes() -> list[SandboxProcess]:
    """The processes of a sandbox; stopped in reverse order (k8s reads clusters from aws)."""
    return [AWS, K8S, CHARTS]


@dataclass(frozen=True)
class ProcessStatus:
    process: SandboxProcess
    pid: int | None      # set only while the pid file names a live process of ours
    port: int | None

    @property
    def running(self) -> bool:
        return self.pid is not None

    @property
    def url(self) -> str | None:
        return f"{self.process.scheme}://127.0.0.1:{self.port}" if self.port else None


def status(config: SandboxConfig, process: SandboxProcess) -> ProcessStatus:
    pid = _read_int(config.path(f"{process.name}.pid"))
    if pid is None or not is_ours(config, process, pid):
        return ProcessStatus(process, None, None)
    return ProcessStatus(process, pid, config.running_port(process.name))


def is_ours(config: SandboxConfig, process: SandboxProcess, pid: int) -> bool:
    """Whether `pid` runs `process` for this state folder (not a reused pid, not another sandbox)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # A zombie's cmdline is empty, so an exited but unreaped child is not "running" either.
    arguments = raw.decode(errors="replace").split("\0")
    # arguments[0] is the interpreter, whose path may be spelled differently (symlinks).
    return (arguments[1:3 + len(process.arguments)] == ["-m", process.module, *process.arguments]
            and _follows(arguments, "--state-dir", str(config.state_dir)))


def control(config: SandboxConfig, process: SandboxProcess, method: str, path: str) -> dict:
    """Call a running process's control API (JSON)."""
    url = f"{process.scheme}://127.0.0.1:{config.running_port(process.name)}{path}"
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=30, context=_tls_context(config, url)) as response:
        body = response.read()
    return json.loads(body) if body else {}


def start_sandbox(config: SandboxConfig) -> list[str]:
    """Start every process that is not running yet; returns one line per process saying what happened.

    The processes start side by side (k8s looks the AWS endpoint up per request, not at start-up), so
    `up` takes as long as the slowest one rather than the sum.
    """
    problem = missing_mirror_problem(config.chart_mirror)
    if problem:
        raise RuntimeError(problem)
    with _state_lock(config):
        ensure_tls(config.tls_dir)
        return _start_missing(config)


def _start_missing(config: SandboxConfig) -> list[str]:
    lines, starting = [], []
    for process in processes():
        current = status(config, process)
        if current.running:
            lines.append(f"{process.name} already runs (pid {current.pid}, port {current.port}); not starting another")
            continue
        _remove_files(config, process)
        starting.append(spawn(config, process))
    try:
        for child in starting:
            wait_until_answering(config, child)
            lines.append(f"{child.process.name} started (pid {child.popen.pid}) at {child.url}")
    except RuntimeError:
        for child in starting:
            if child.popen.poll() is None:
                _terminate(child.popen.pid)
            _remove_files(config, child.process)
        raise
    return lines


def stop_sandbox(config: SandboxConfig) -> list[str]:
    """Stop the processes this state folder's pid files name, if they are still ours."""
    lines = []
    with _state_lock(config):
        for process in reversed(processes()):
            current = status(config, process)
            if current.running:
                _terminate(current.pid)
                lines.append(f"{process.name} stopped (pid {current.pid})")
            else:
                lines.append(f"{process.name} not running")
            _remove_files(config, process)
    return lines


@contextlib.contextmanager
def _state_lock(config: SandboxConfig):
    """One `up` or `down` at a time per state folder, so two racing `up`s cannot both start a copy."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    with config.path(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def reset_sandbox(config: SandboxConfig) -> list[str]:
    """Clear all state, counters and faults of every running process."""
    lines = []
    for process in processes():
        if status(config, process).running:
            control(config, process, "POST", "/_sandbox/reset")
            lines.append(f"{process.name} reset")
        else:
            lines.append(f"{process.name} not running")
    return lines


@dataclass(frozen=True)
class Spawned:
    process: SandboxProcess
    popen: subprocess.Popen
    port: int
    spawned_at: float  # time.monotonic() just before the spawn

    @property
    def url(self) -> str:
        return f"{self.process.scheme}://127.0.0.1:{self.port}"


def spawn(config: SandboxConfig, process: SandboxProcess, *extra: str) -> Spawned:
    """Start one process for this state folder (pid and log files as `up` makes them; `extra` arguments
    appended to its command line) without waiting for it to answer."""
    port = process.port_setting(config) or _free_port()
    with config.path(f"{process.name}.log").open("ab") as log:
        spawned_at = time.monotonic()
        popen = subprocess.Popen(process.command(config, port, extra), cwd=REPO_ROOT, env=_child_env(config),
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)  # detached: outlives `up`, not hit by the terminal's ^C
    config.path(f"{process.name}.pid").write_text(f"{popen.pid}\n")
    return Spawned(process, popen, port, spawned_at)


def stop(config: SandboxConfig, child: Spawned) -> None:
    """Stop a process `spawn` started, and remove its pid and port files."""
    _terminate(child.popen.pid)
    _remove_files(config, child.process)


def wait_until_answering(config: SandboxConfig, child: Spawned) -> None:
    """Wait until the process answers its health check, then write its port file; RuntimeError with the
    end of its log if it exits or takes longer than START_TIMEOUT."""
    name = child.process.name
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(child.url + child.process.health_path, config):
        if child.popen.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start; see {config.path(name + '.log')}:\n"
                               + _tail(config.path(f"{name}.log")))
        time.sleep(0.05)
    # Written only once the process answers: a port file means "reachable here".
    config.path(f"{name}.port").write_text(f"{child.port}\n")


def _child_env(config: SandboxConfig) -> dict[str, str]:
    """The environment of a child: SandboxConfig.from_env() there sees this sandbox's settings.

    A sibling started with port 0 is found through its port file, which SandboxConfig reads first.
    """
    return dict(os.environ, EKSFORGE_SANDBOX_DIR=str(config.state_dir), PYTHONUNBUFFERED="1",
                EKSFORGE_SANDBOX_AWS_PORT=str(config.aws_port_setting),
                EKSFORGE_SANDBOX_K8S_PORT=str(config.k8s_port_setting),
                EKSFORGE_SANDBOX_CHARTS_PORT=str(config.charts_port_setting),
                EKSFORGE_CHART_MIRROR=str(config.chart_mirror))


def _tls_context(config: SandboxConfig, url: str) -> ssl.SSLContext | None:
    """HTTPS to our processes trusts exactly the sandbox CA."""
    return ssl.create_default_context(cafile=str(config.ca_cert_path)) if url.startswith("https:") else None


def _answers(url: str, config: SandboxConfig) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1, context=_tls_context(config, url)) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _terminate(pid: int) -> None:
    """SIGTERM, then SIGKILL if the process is still there after STOP_TIMEOUT."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our own child (start_sandbox called in-process), so it does not linger as a zombie.
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished:
            return False
    except ChildProcessError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _remove_files(config: SandboxConfig, process: SandboxProcess) -> None:
    for suffix in ("pid", "port"):
        config.path(f"{process.name}.{suffix}").unlink(missing_ok=True)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _follows(arguments: list[str], flag: str, value: str) -> bool:
    return any(arguments[i] == flag and arguments[i + 1] == value for i in range(len(arguments) - 1))


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""
