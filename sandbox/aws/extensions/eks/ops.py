"""The operation registry and what every handler gets: the region's state, the clock and the caller."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Callable

from sandbox.aws.extensions import Call
from sandbox.aws.extensions.eks.state import Cluster, Region, Resource
from sandbox.aws.extensions.eks.wire import (InvalidParameterException, ResourceInUseException,
                                             ResourceNotFoundException)
from sandbox.config import SandboxConfig


@dataclass
class Context:
    region: Region
    now: float
    call: Call
    config: SandboxConfig

    def cluster(self, name: str) -> Cluster:
        cluster = self.region.clusters.get(name)
        if cluster is None:
            raise ResourceNotFoundException(f"No cluster found for name: {name}.", clusterName=name)
        return cluster


Handler = Callable[[Context, dict], dict]
OPERATIONS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under its botocore operation name."""

    def register(handler: Handler) -> Handler:
        OPERATIONS[name] = handler
        return handler

    return register


def page(items: list, params: dict) -> tuple[list, dict]:
    """One page of `items` for maxResults/nextToken, and the nextToken field for the answer (if any)."""
    limit = params.get("maxResults", 100)
    if not 1 <= limit <= 100:
        raise InvalidParameterException("maxResults must be between 1 and 100")
    try:
        start = int(base64.b64decode(params["nextToken"]).decode()) if "nextToken" in params else 0
    except (ValueError, binascii.Error):
        raise InvalidParameterException("The nextToken provided is invalid.") from None
    end = start + limit
    more = {"nextToken": base64.b64encode(str(end).encode()).decode()} if end < len(items) else {}
    return items[start:end], more


def require_active(resource: Resource, now: float, what: str, **context: str) -> None:
    """EKS changes a resource only when it is ACTIVE: not while creating, updating or deleting."""
    status = resource.status(now)
    if status != "ACTIVE":
        raise ResourceInUseException(f"{what} cannot be updated as it is currently not in Active State "
                                     f"({status})", **context)
