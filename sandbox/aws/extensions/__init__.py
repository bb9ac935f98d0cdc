"""Extensions answer the AWS calls moto lacks or gets wrong.

The middleware (sandbox/aws/server.py) identifies every request as a `Call`, then offers it to each
extension in `EXTENSIONS` order; the first one that returns a response answers, otherwise moto does.
Each divergence fixed here has a test in sandbox/tests that names the real AWS behaviour.
"""

from __future__ import annotations

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


class Extension:
    """Base class: override `handle`; return None to let the next extension or moto answer."""

    def handle(self, call: Call, request: Request) -> Response | None:  # pragma: no cover - interface
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (`python -m sandbox reset`)."""


# Filled by sandbox/aws/server.py at start-up, in order: see `load_extensions` there.
EXTENSIONS: list[Extension] = []
