"""`python -m sandbox up|down|status|reset|env`: manage the local cloud (docs/architecture.md)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from sandbox.process import AWS, processes, reset_sandbox, start_sandbox, status, stop_sandbox
from sandbox.config import (ACCESS_KEY_ID, DEFAULT_REGION, LATENCY_ENV, LATENCY_SCALE_ENV, SECRET_ACCESS_KEY,
                            SandboxConfig)

# `status` exits with this when any process is down, so scripts can tell "not running" from a crash.
EXIT_NOT_RUNNING = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "reset", "env"])
    parser.add_argument("--latency", metavar="PROFILE",
                        help=f"up: hold transient AWS states for a latency profile's real durations ('aws'; "
                             f"sets {LATENCY_ENV}); a sandbox already running keeps its own")
    parser.add_argument("--latency-scale", metavar="FACTOR",
                        help=f"up: multiply the profile's durations by FACTOR (default 0.01; sets {LATENCY_SCALE_ENV})")
    args = parser.parse_args(argv)
    command = args.command
    # The processes `up` starts inherit the environment, so the options reach them through it.
    for name, value in ((LATENCY_ENV, args.latency), (LATENCY_SCALE_ENV, args.latency_scale)):
        if value is not None:
            os.environ[name] = value
    try:
        config = SandboxConfig.from_env()
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
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
        "EKSFORGE_CHART_MIRROR_URL": config.chart_mirror_url,
    }
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def _print(lines: list[str]) -> None:
    print("\n".join(lines), flush=True)
