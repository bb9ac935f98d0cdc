"""EKS as AWS behaves, with its own in-memory state per account and region (moto's EKS is not used).

Every EKS request the middleware offers is answered here: `wire` reads it, the handler registered for its
operation in `ops.OPERATIONS` does the work, errors come back in EKS's own shape. Operations without a
handler (Fargate, capabilities, insights, ...) are left to moto.
"""

from __future__ import annotations

import threading
import time

from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension
# Importing the handler modules registers their operations.
from sandbox.aws.extensions.eks import (access, addons, clusters, identity_providers,  # noqa: F401
                                        nodegroups, pod_identity, tagging, updates)
from sandbox.aws.extensions.eks.ops import OPERATIONS, Context
from sandbox.aws.extensions.eks.state import Region
from sandbox.aws.extensions.eks.wire import EksError, answer, error, read_request
from sandbox.config import SandboxConfig


class EksExtension(Extension):
    def __init__(self, config: SandboxConfig):
        self.config = config
        self.regions: dict[tuple[str, str], Region] = {}
        # The server may answer requests on several threads; EKS state changes under one lock.
        self.lock = threading.Lock()

    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "eks":
            return None
        try:
            found = read_request(request)
            if found is None or found[0].name not in OPERATIONS:
                return None
            operation, params = found
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


def create_extension(config: SandboxConfig) -> EksExtension:
    return EksExtension(config)
