"""Extensions answer the AWS calls moto lacks or gets wrong.

The middleware (sandbox/aws/server.py) identifies every request as a `Call`, then offers it to each
extension in `EXTENSIONS` order; the first one that returns a response answers, otherwise moto does.
Each divergence fixed here has a test in sandbox/tests that names the real AWS behaviour.

An extension module lives next to this file, is listed in `EXTENSION_MODULES` (order = priority) and
exposes either `EXTENSION` (an `Extension` instance) or `create_extension(config)` (a factory that gets
the `sandbox.config.SandboxConfig` of the running sandbox). For REST calls `Call.params` is keyed by
the botocore member names (e.g. "clusterName"), for query/ec2 calls by the raw form keys
("TagSpecification.1.ResourceType"), for json calls it is the JSON body.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response


@dataclass
class Call:
    """One AWS API request, as the middleware understood it."""

    service: str          # signing name from the SigV4 scope: "ec2", "iam", "eks", "sts", ...
    action: str           # operation name from the botocore model: "CreateVpc", "DescribeAddonVersions"
    kind: str             # "read" or "mutating"
    region: str
    access_key_id: str
    account_id: str = "123456789012"
    internal: bool = False  # sent by the sandbox itself (INTERNAL_HEADER); never counted or faulted
    params: dict = field(default_factory=dict)  # query/form parameters, JSON body or REST path params
    protocol: str = ""    # wire protocol of the request: "query", "ec2", "json", "rest-json", "rest-xml"


class Extension:
    """Base class: override `handle`; return None to let the next extension or moto answer."""

    # moto's WSGI app, set by the server when it loads the extension; `ask_moto` calls it.
    moto_app: Callable | None = None

    def ask_moto(self, request: Request) -> Response:
        """moto's own answer to `request`: for fixes that rewrite the request first or correct the answer."""
        # Hand moto a fresh copy of the body: the middleware has already read the original stream.
        body = request.get_data(cache=True)
        environ = {**request.environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return Response.from_app(self.moto_app, environ, buffered=True)

    def handle(self, call: Call, request: Request) -> Response | None:  # pragma: no cover - interface
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (`python -m sandbox reset`)."""


# Modules under sandbox/aws/extensions/, in the order they are offered each call.
EXTENSION_MODULES = ("ec2", "iam", "sts", "eks", "ecr", "logs", "elbv2")

# Filled by sandbox/aws/server.py at start-up, in order: see `load_extensions` there.
EXTENSIONS: list[Extension] = []
