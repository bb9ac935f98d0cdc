"""The sandbox's AWS endpoint: moto's server app behind our WSGI middleware (docs/architecture.md).

Run by `python -m sandbox up` as `python -m sandbox.aws.server --port P --state-dir D`.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import io
import json
import os
import traceback
from pathlib import Path

from werkzeug.wrappers import Request, Response

from sandbox.aws import extensions as registry
from sandbox.aws.counters import CallCounter
from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension
from sandbox.aws.faults import FaultInjector, FaultSettings, lost_answer
from sandbox.aws.identify import identify
from sandbox.config import LatencySettings, SandboxConfig
from sandbox.serving import serve_until_stopped

CONTROL_PREFIX = "/_sandbox/"
# moto's own control API; passed through untouched and never counted.
MOTO_API_PREFIX = "/moto-api/"


class SandboxApp:
    """Identify, count, fault, extend, else let moto answer."""

    def __init__(self, moto_app, extensions: list[Extension]):
        self.moto_app = moto_app
        self.extensions = extensions
        self.counter = CallCounter()
        self.faults = FaultInjector()

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX):
            return self.control(request)(environ, start_response)
        if request.path.startswith(MOTO_API_PREFIX):
            return self.moto_app(environ, start_response)
        # Read the body once and give moto a fresh copy: identification and extensions read it too.
        body = request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        call = identify(request)
        if not call.internal:
            self.counter.add(call)
        response = self.faults.fault_for(call)
        if response is not None:
            return response(environ, start_response)
        if self.faults.loses_answer(call):
            # Applied in full (extension or moto), then the answer is dropped on its way back.
            if self.extension_response(call, request) is None:
                Response.from_app(self.moto_app, environ, buffered=True).close()
            return lost_answer()(environ, start_response)
        response = self.extension_response(call, request)
        if response is not None:
            return response(environ, start_response)
        return self.moto_app(environ, start_response)

    def extension_response(self, call: Call, request: Request) -> Response | None:
        for extension in self.extensions:
            try:
                response = extension.handle(call, request)
            except Exception:  # noqa: BLE001 - a broken extension must show up as a server error, not a hang
                traceback.print_exc()
                return error_response(call.protocol, 500, "InternalError",
                                      f"sandbox extension {type(extension).__name__} failed; see aws.log")
            if response is not None:
                return response
        return None

    def control(self, request: Request) -> Response:
        route = (request.method, request.path[len(CONTROL_PREFIX):].strip("/"))
        if route == ("GET", "health"):
            latency = LatencySettings.from_env(os.environ)
            return _json({"status": "ok", "pid": os.getpid(),
                          "extensions": [type(extension).__name__ for extension in self.extensions],
                          "latency": {"profile": latency.profile, "scale": latency.scale}})
        if route == ("GET", "calls"):
            return _json(self.counter.report())
        if route == ("GET", "calls/log"):
            return _json(self.counter.log())
        if route == ("DELETE", "calls"):
            self.counter.clear()
            return _json(self.counter.report())
        if route == ("GET", "faults"):
            return _json(self.faults.report())
        if route == ("PUT", "faults"):
            try:
                self.faults.set(FaultSettings.from_json(request.get_json(force=True)))
            except (TypeError, ValueError) as error:
                return _json({"error": str(error)}, 400)
            return _json(self.faults.report())
        if route == ("DELETE", "faults"):
            self.faults.clear()
            return _json(self.faults.report())
        if route == ("POST", "reset"):
            self.reset()
            return _json({"status": "reset"})
        return _json({"error": f"no control route {request.method} {request.path}"}, 404)

    def reset(self) -> None:
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        for extension in self.extensions:
            extension.reset()
        self.counter.clear()
        self.faults.clear()


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def load_extensions(config: SandboxConfig, moto_app) -> list[Extension]:
    """Import every module in EXTENSION_MODULES, in order; a listed module that is missing is an error."""
    loaded = []
    for name in registry.EXTENSION_MODULES:
        module = importlib.import_module(f"sandbox.aws.extensions.{name}")
        factory = getattr(module, "create_extension", None)
        extension = factory(config) if factory else module.EXTENSION
        extension.moto_app = moto_app
        loaded.append(extension)
    registry.EXTENSIONS[:] = loaded
    return loaded


def build_app(config: SandboxConfig) -> SandboxApp:
    # Before moto reads its settings: real accounts have the AWS-managed policies the roles attach.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import DomainDispatcherApplication, create_backend_app

    from sandbox.aws import managed_policies

    managed_policies.install()

    moto_app = DomainDispatcherApplication(create_backend_app)
    return SandboxApp(moto_app, load_extensions(config, moto_app))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.aws.server", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    config = dataclasses.replace(SandboxConfig.from_env(), state_dir=args.state_dir.resolve(),
                                 aws_port_setting=args.port)
    from moto.server import MotoRequestHandler
    from werkzeug.serving import make_server

    # moto's handler keeps header names with underscores (S3 metadata) that werkzeug would drop.
    server = make_server(args.host, args.port, build_app(config), threaded=True,
                         request_handler=MotoRequestHandler)
    serve_until_stopped(server, "aws sandbox")


if __name__ == "__main__":
    main()
