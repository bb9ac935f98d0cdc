"""The sandbox's Helm chart mirror: the chart mirror folder served read-only over HTTP (docs/architecture.md).

Each folder of the mirror is a static Helm repository (index.yaml + packaged charts with relative URLs), so
`http://127.0.0.1:PORT/<folder>` is what `helm repo add` and kubernetes.core.helm_repository take, exactly like
the upstream repository URL it stands for. Run by `python -m sandbox up` as
`python -m sandbox.charts --port P --state-dir D`; the folder comes from EKSFORGE_CHART_MIRROR.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.security import safe_join
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from sandbox.config import CHART_MIRROR_ENV, SandboxConfig
from sandbox.serving import serve_until_stopped

CONTENT_TYPES = {".yaml": "application/x-yaml", ".tgz": "application/gzip", ".md": "text/markdown"}


def missing_mirror_problem(mirror: Path) -> str | None:
    """Why `mirror` cannot be served as chart repositories, or None when it can."""
    if not mirror.is_dir():
        return (f"chart mirror folder {mirror} does not exist: set {CHART_MIRROR_ENV} to a folder of static Helm "
                "repositories (one folder per repository with index.yaml and the packaged charts; the project "
                "expects ../shared/charts beside its root)")
    if not any(mirror.glob("*/index.yaml")):
        return f"chart mirror folder {mirror} holds no Helm repository (no <folder>/index.yaml); set {CHART_MIRROR_ENV}"
    return None


class ChartMirrorApp:
    """GET/HEAD of files under the mirror; health and reset for the sandbox's control calls."""

    def __init__(self, mirror: Path):
        self.mirror = mirror

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.respond(request, environ)
        except HTTPException as error:
            response = error.get_response(environ)
        return response(environ, start_response)

    def respond(self, request: Request, environ) -> Response:
        if request.path == "/_sandbox/health":
            return _json({"status": "ok", "pid": os.getpid(), "mirror": str(self.mirror)})
        if request.path == "/_sandbox/reset":
            return _json({"status": "reset"})  # read-only content: nothing to clear
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
        relative = request.path.strip("/")
        found = safe_join(str(self.mirror), relative) if relative else None
        if found is None or not os.path.isfile(found):
            raise NotFound(f"no file {request.path} in the chart mirror")
        path = Path(found)
        handle = path.open("rb")
        return Response(wrap_file(environ, handle), content_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                        headers={"Content-Length": str(path.stat().st_size)}, direct_passthrough=True)


def _json(body: dict) -> Response:
    return Response(json.dumps(body), 200, content_type="application/json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.charts", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    mirror = SandboxConfig.from_env().chart_mirror
    problem = missing_mirror_problem(mirror)
    if problem:
        sys.exit(problem)
    from werkzeug.serving import make_server

    server = make_server(args.host, args.port, ChartMirrorApp(mirror), threaded=True)
    serve_until_stopped(server, f"chart mirror {mirror}")


if __name__ == "__main__":
    main()
