"""EKS as AWS behaves, with its own in-memory state per account and region (moto's EKS is not used).

Every EKS request the middleware offers is answered here: `wire` reads it, `validation` refuses what EKS
refuses before any state is looked at, the handler registered for its operation in `ops.OPERATIONS` does the
work, errors come back in EKS's own shape. A request repeating a clientRequestToken gets the first answer again
(`client_tokens`). Operations without a handler (Fargate, capabilities, insights, ...) are left to moto.
"""

from __future__ import annotations

import threading
import time

from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.client_tokens import ClientTokens
# Importing the handler modules registers their operations.
from sandbox.aws.extensions.eks import (access, addons, clusters, identity_providers,  # noqa: F401
                                        nodegroups, pod_identity, tagging, updates)
from sandbox.aws.extensions.eks.ops import OPERATIONS, Context
from sandbox.aws.extensions.eks.state import Region
from sandbox.aws.extensions.eks.validation import refuse_invalid
from sandbox.aws.extensions.eks.wire import EksError, InvalidParameterException, answer, error, read_request
from sandbox.config import SandboxConfig


class EksExtension(Extension):
    def __init__(self, config: SandboxConfig):
        self.config = config
        self.regions: dict[tuple[str, str], Region] = {}
        # The server may answer requests on several threads; EKS state changes under one lock.
        self.lock = threading.Lock()
        self.client_tokens = ClientTokens("clientRequestToken", token_mismatch)

    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "eks":
            return None
        try:
            found = read_request(request)
        except EksError as err:
            return error(err)
        if found is None or found[0].name not in OPERATIONS:
            return None
        token = self.client_tokens.carries_token(call)
        replayed = self.client_tokens.replay(call) if token else None
        if replayed is not None:
            return replayed
        response = self.respond(call, *found)
        if token:
            self.client_tokens.remember(call, response)
        return response

    def respond(self, call: Call, operation, params: dict) -> Response:
        try:
            refuse_invalid(operation.name, params, call.region)
            with self.lock:
                key = (call.account_id, call.region)
                region = self.regions.setdefault(key, Region(*key))
                now = time.time()
                region.settle(now)
                return answer(OPERATIONS[operation.name](Context(region, now, call, self.config), params))
        except EksError as err:
            return error(err)

    def reset(self) -> None:
        with self.lock:
            self.regions.clear()
        self.client_tokens.clear()


def token_mismatch() -> Response:
    return error(InvalidParameterException("The client request token has already been used for a request with "
                                           "different parameters"))


def create_extension(config: SandboxConfig) -> EksExtension:
    return EksExtension(config)
