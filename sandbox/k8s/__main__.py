"""`python -m sandbox.k8s serve --port P --state-dir D` — the Kubernetes API emulator."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.k8s")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve every sandbox EKS cluster's Kubernetes API over HTTPS")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port (written to <state-dir>/k8s.port)")
    serve.add_argument("--state-dir", type=Path, required=True)
    serve.add_argument("--tls-dir", type=Path, help="ca.crt/server.crt/server.key (default <state-dir>/tls)")
    serve.add_argument("--controller-delay", type=float, default=None, help="seconds before controllers react")
    serve.add_argument("--stages", type=Path, action="append", default=[],
                       help="a YAML file of extra stages for custom resources (repeatable; controllers/stages.py)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from sandbox.config import SandboxConfig

    from .clusters import AwsClusterDirectory
    from .controllers import DEFAULT_DELAY
    from .controllers.stages import load
    from .server import K8sServer

    try:
        stages = [stage for path in args.stages for stage in load(path)]
    except (OSError, ValueError) as error:
        parser.error(f"--stages: {error}")

    state_dir = args.state_dir.resolve()
    # The AWS sandbox sharing this state folder (its aws.port file) is where the clusters come from.
    directory = AwsClusterDirectory(SandboxConfig.from_env({**os.environ, "EKSFORGE_SANDBOX_DIR": str(state_dir)}))
    delay = DEFAULT_DELAY if args.controller_delay is None else args.controller_delay
    server = K8sServer(state_dir, args.port, directory, args.tls_dir, delay, stages=tuple(stages))
    signal.signal(signal.SIGTERM, _exit_on_signal)  # unwinds serve_forever, whose finally closes the server
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _exit_on_signal(*_):
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main())
