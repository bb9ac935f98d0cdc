"""`python -m sandbox up|down|status|reset|env`: manage the local cloud (docs/architecture.md)."""

from __future__ import annotations

import argparse
import shlex
import sys

from sandbox.process import AWS, processes, reset_sandbox, start_sandbox, status, stop_sandbox
from sandbox.config import ACCESS_KEY_ID, DEFAULT_REGION, SECRET_ACCESS_KEY, SandboxConfig

# `status` exits with this when any process is down, so scripts can tell "not running" from a crash.
EXIT_NOT_RUNNING = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "reset", "env"])
    command = parser.parse_args(argv).command
    config = SandboxConfig.from_env()
    if command == "up":
        try:
            _print(start_sandbox(config))
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        return 0
    if command == "down":
        _print(stop_sandbox(config))
        return 0
    if command == "status":
        return _status(config)
    if command == "reset":
        if not status(config, AWS).running:
            print("aws: not running", file=sys.stderr)
            return EXIT_NOT_RUNNING
        _print(reset_sandbox(config))
        return 0
    _print(_env_lines(config))
    return 0


def _status(config: SandboxConfig) -> int:
    all_running = True
    for process in processes():
        current = status(config, process)
        if current.running:
            print(f"{process.name}: running (pid {current.pid}) at {current.url}")
        else:
            print(f"{process.name}: not running")
            all_running = False
    return 0 if all_running else EXIT_NOT_RUNNING


def _env_lines(config: SandboxConfig) -> list[str]:
    values = {
        "AWS_ENDPOINT_URL": config.aws_endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": DEFAULT_REGION,
        "EKSFORGE_SANDBOX_DIR": str(config.state_dir),
    }
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def _print(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)
