"""In-memory EKS resources of one account and region, and how their status moves on by itself.

EKS answers every mutation at once with a transient status (CREATING, UPDATING, DELETING) that turns
ACTIVE (or the resource disappears) later. Here each resource stores when that happens and the status is
worked out from the clock when read, so no background thread is needed. `Region.settle` applies finished
updates and drops deleted resources; handlers call it before each operation.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Callable

from sandbox.aws import latency

DELAY_ENV = "EKSFORGE_SANDBOX_EKS_DELAY"


def delay(resource: str, change: str) -> float:
    """Seconds a transient status lasts: the latency profile's, else EKSFORGE_SANDBOX_EKS_DELAY for every change.
    Read on each call so a test can set it before the sandbox starts."""
    profiled = latency.seconds(resource, change)
    return float(os.environ.get(DELAY_ENV, "1.0")) if profiled is None else profiled


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Update:
    """One asynchronous change (DescribeUpdate): InProgress until `done_at`, then applied and Successful."""

    type: str
    params: dict[str, str]
    apply: Callable[[], None]
    created_at: float
    done_at: float
    id: str = field(default_factory=new_id)
    applied: bool = False

    def describe(self, now: float) -> dict:
        return {"id": self.id, "status": "Successful" if now >= self.done_at else "InProgress",
                "type": self.type, "params": [{"type": k, "value": v} for k, v in self.params.items()],
                "createdAt": self.created_at, "errors": []}


class Resource:
    """Something with an ARN and tags; `asynchronous` ones also have a status and updates."""

    asynchronous = True
    latency_name = ""  # the resource's name in the latency profiles (sandbox/aws/latency.py)

    def __init__(self, arn: str, tags: dict | None, now: float):
        self.arn = arn
        self.tags = dict(tags or {})
        self.created_at = now
        self.modified_at = now
        self.ready_at = now + delay(self.latency_name, "create") if self.asynchronous else now
        self.gone_at: float | None = None
        self.updates: list[Update] = []

    def start_update(self, type_: str, params: dict[str, str], apply: Callable[[], None], now: float) -> Update:
        update = Update(type_, params, apply, created_at=now, done_at=now + delay(self.latency_name, f"update:{type_}"))
        self.updates.append(update)
        return update

    def updating(self, now: float) -> bool:
        return any(now < update.done_at for update in self.updates)

    def delete(self, now: float) -> None:
        self.gone_at = now + (delay(self.latency_name, "delete") if self.asynchronous else 0.0)

    def status(self, now: float) -> str:
        if self.gone_at is not None:
            return "DELETING"
        if now < self.ready_at:
            return "CREATING"
        return "UPDATING" if self.updating(now) else "ACTIVE"

    def settle(self, now: float) -> None:
        for update in self.updates:
            if not update.applied and now >= update.done_at:
                update.apply()
                update.applied = True
                self.modified_at = update.done_at

    def gone(self, now: float) -> bool:
        return self.gone_at is not None and now >= self.gone_at


class Nodegroup(Resource):
    latency_name = "eks-nodegroup"

    def __init__(self, arn: str, tags: dict | None, now: float, config: dict):
        super().__init__(arn, tags, now)
        self.config = config  # the Nodegroup fields that only change through updates

    def describe(self, now: float) -> dict:
        return {**self.config, "nodegroupArn": self.arn, "createdAt": self.created_at,
                "modifiedAt": self.modified_at, "status": self.status(now), "tags": self.tags}


class Addon(Resource):
    latency_name = "eks-addon"

    def __init__(self, arn: str, tags: dict | None, now: float, config: dict):
        super().__init__(arn, tags, now)
        self.config = config

    def describe(self, now: float) -> dict:
        return {**self.config, "addonArn": self.arn, "createdAt": self.created_at,
                "modifiedAt": self.modified_at, "status": self.status(now), "health": {"issues": []},
                "tags": self.tags}


class AccessEntry(Resource):
    asynchronous = False

    def __init__(self, arn: str, tags: dict | None, now: float, config: dict):
        super().__init__(arn, tags, now)
        self.config = config
        self.policies: dict[str, dict] = {}  # policyArn -> AssociatedAccessPolicy

    def describe(self, now: float) -> dict:
        return {**self.config, "accessEntryArn": self.arn, "createdAt": self.created_at,
                "modifiedAt": self.modified_at, "tags": self.tags}


class IdentityProviderConfig(Resource):
    latency_name = "eks-identity-provider-config"

    def __init__(self, arn: str, tags: dict | None, now: float, config: dict):
        super().__init__(arn, tags, now)
        self.config = config

    def describe(self, now: float) -> dict:
        return {**self.config, "identityProviderConfigArn": self.arn, "status": self.status(now), "tags": self.tags}


class PodIdentityAssociation(Resource):
    asynchronous = False

    def __init__(self, arn: str, tags: dict | None, now: float, config: dict):
        super().__init__(arn, tags, now)
        self.config = config

    def describe(self, now: float) -> dict:
        return {**self.config, "associationArn": self.arn, "createdAt": self.created_at,
                "modifiedAt": self.modified_at, "tags": self.tags}

    def summary(self) -> dict:
        keys = ("clusterName", "namespace", "serviceAccount", "associationId", "ownerArn")
        return {"associationArn": self.arn, **{k: self.config[k] for k in keys if k in self.config}}


class Cluster(Resource):
    latency_name = "eks-cluster"

    def __init__(self, arn: str, tags: dict | None, now: float, config: dict, creator_arn: str):
        super().__init__(arn, tags, now)
        self.config = config
        self.creator_arn = creator_arn
        self.nodegroups: dict[str, Nodegroup] = {}
        self.addons: dict[str, Addon] = {}
        self.access_entries: dict[str, AccessEntry] = {}  # by principalArn
        self.pod_identity: dict[str, PodIdentityAssociation] = {}  # by associationId
        self.identity_providers: dict[str, IdentityProviderConfig] = {}  # OIDC configs by name

    @property
    def name(self) -> str:
        return self.config["name"]

    @property
    def version(self) -> str:
        return self.config["version"]

    def children(self) -> list[Resource]:
        return [*self.nodegroups.values(), *self.addons.values(), *self.access_entries.values(),
                *self.pod_identity.values(), *self.identity_providers.values()]

    def describe(self, now: float, live: dict) -> dict:
        """`live` holds the fields read from the running sandbox (endpoint, CA), not stored."""
        return {**self.config, **live, "arn": self.arn, "createdAt": self.created_at,
                "status": self.status(now), "tags": self.tags}


class Region:
    """EKS state of one account in one region."""

    def __init__(self, account_id: str, region: str):
        self.account_id = account_id
        self.region = region
        self.clusters: dict[str, Cluster] = {}

    def arn(self, resource_path: str) -> str:
        return f"arn:aws:eks:{self.region}:{self.account_id}:{resource_path}"

    def settle(self, now: float) -> None:
        for name, cluster in list(self.clusters.items()):
            cluster.settle(now)
            for group in (cluster.nodegroups, cluster.addons, cluster.identity_providers):
                for key, child in list(group.items()):
                    child.settle(now)
                    if child.gone(now):
                        del group[key]
            if cluster.gone(now):
                del self.clusters[name]

    def resources(self) -> list[Resource]:
        found: list[Resource] = []
        for cluster in self.clusters.values():
            found += [cluster, *cluster.children()]
        return found
