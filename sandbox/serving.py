"""The serve loop every sandbox process ends in (aws, charts, git)."""

from __future__ import annotations

import os
import signal
import sys


def serve_until_stopped(server, what: str) -> None:
    """Announce `what` with its URL and pid, then serve until SIGTERM (`python -m sandbox down`), which ends
    serve_forever through SystemExit."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host = server.server_address[0]
    print(f"{what} listening on http://{host}:{server.server_port} (pid {os.getpid()})", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
