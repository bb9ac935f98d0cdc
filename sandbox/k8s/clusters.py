"""Which clusters exist, their Kubernetes version, nodegroups and access entries.

They come from the AWS sandbox's EKS API, through internal calls the sandbox does not count.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sandbox.config import ACCESS_KEY_ID, INTERNAL_HEADER, SECRET_ACCESS_KEY, SandboxConfig

from .auth import TokenCache

CACHE_SECONDS = 2.0


@dataclass(frozen=True)
class PolicyAssociation:
    policy: str  # short name, e.g. AmazonEKSViewPolicy
    namespaces: tuple[str, ...] | None = None  # None: cluster-wide; else the namespaces (patterns) it covers


@dataclass(frozen=True)
class AccessEntry:
    principal_arn: str
    policies: tuple[PolicyAssociation, ...] = ()


@dataclass(frozen=True)
class Subnet:
    cidr: str  # "10.0.1.0/24"
    zone: str  # "eu-west-1a"


@dataclass(frozen=True)
class Nodegroup:
    name: str
    desired_size: int
    instance_type: str = "t3.medium"
    subnets: tuple[Subnet, ...] = ()  # where its instances (and, with the VPC CNI, their pods) get addresses


@dataclass(frozen=True)
class ClusterInfo:
    region: str
    name: str
    version: str  # "1.33"
    nodegroups: tuple[Nodegroup, ...] = ()
    access_entries: tuple[AccessEntry, ...] = field(default=(), compare=False)
    oidc_issuer: str = ""  # identity.oidc.issuer: the `iss` of the service account tokens the cluster issues

    @property
    def key(self) -> str:
        return f"{self.region}/{self.name}"


class DirectoryUnavailable(Exception):
    """The AWS sandbox did not answer; requests get 503 rather than a guess."""


class AwsClusterDirectory:
    """Reads clusters from the AWS sandbox's EKS API, caching answers for a couple of seconds."""

    def __init__(self, config: SandboxConfig):
        self.config = config
        self._cache: dict[tuple[str, str], tuple[float, ClusterInfo | None]] = {}
        self._lock = threading.Lock()
        self._tokens = TokenCache()
        self._clients: dict[tuple[str, str], object] = {}

    def client(self, service: str, region: str):
        """A boto3 client of the AWS sandbox whose calls are internal (not counted, never faulted); kept for reuse
        (boto3 clients are thread-safe)."""
        with self._lock:
            client = self._clients.get((service, region))
        if client is None:
            import boto3  # heavy: only when a cluster is first looked up

            client = boto3.client(service, region_name=region, endpoint_url=self.config.aws_endpoint,
                                  aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
            service_id = client.meta.service_model.service_id.hyphenize()
            client.meta.events.register(f"before-sign.{service_id}.*", _mark_internal)
            with self._lock:
                client = self._clients.setdefault((service, region), client)
        return client

    def cluster(self, region: str, name: str, fresh: bool = False) -> ClusterInfo | None:
        """The cluster as EKS describes it; `fresh` skips the cache (before answering 403 or 404)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get((region, name))
        if cached and now - cached[0] < CACHE_SECONDS and not fresh:
            return cached[1]
        info = self._fetch(region, name)
        with self._lock:
            self._cache[(region, name)] = (now, info)
        return info

    def _fetch(self, region: str, name: str) -> ClusterInfo | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._describe(region, name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise DirectoryUnavailable(f"EKS in the AWS sandbox failed: {error}") from None
        except BotoCoreError as error:
            raise DirectoryUnavailable(f"the AWS sandbox at {self.config.aws_endpoint} is not reachable: "
                                       f"{error}") from None

    def _describe(self, region: str, name: str) -> ClusterInfo:
        eks = self.client("eks", region)
        cluster = eks.describe_cluster(name=name)["cluster"]
        described = [eks.describe_nodegroup(clusterName=name, nodegroupName=ng_name)["nodegroup"]
                     for ng_name in _all_pages(eks, "list_nodegroups", "nodegroups", clusterName=name)]
        subnets = self._subnets(region, {s for ng in described for s in ng.get("subnets") or []})
        nodegroups = [Nodegroup(ng["nodegroupName"], int((ng.get("scalingConfig") or {}).get("desiredSize", 0)),
                                (ng.get("instanceTypes") or ["t3.medium"])[0],
                                tuple(subnets[s] for s in ng.get("subnets") or [] if s in subnets))
                      for ng in described]
        entries = []
        for arn in _all_pages(eks, "list_access_entries", "accessEntries", clusterName=name):
            associations = _all_pages(eks, "list_associated_access_policies", "associatedAccessPolicies",
                                      clusterName=name, principalArn=arn)
            entries.append(AccessEntry(arn, tuple(
                PolicyAssociation(a["policyArn"].rsplit("/", 1)[-1], _scope_namespaces(a.get("accessScope") or {}))
                for a in associations)))
        return ClusterInfo(region, name, cluster.get("version", "1.33"), tuple(nodegroups), tuple(entries),
                           ((cluster.get("identity") or {}).get("oidc") or {}).get("issuer", ""))

    def _subnets(self, region: str, ids: set[str]) -> dict[str, Subnet]:
        """The nodegroups' subnets by id (a subnet deleted meanwhile is left out)."""
        if not ids:
            return {}
        # A filter rather than SubnetIds: a subnet deleted meanwhile is left out instead of failing the call.
        found = self.client("ec2", region).describe_subnets(
            Filters=[{"Name": "subnet-id", "Values": sorted(ids)}])["Subnets"]
        return {s["SubnetId"]: Subnet(s["CidrBlock"], s["AvailabilityZone"]) for s in found}

    def identity(self, token: str, cluster: ClusterInfo) -> str | None:
        return self._tokens.verify(token, cluster.name, self.config.aws_endpoint)


def _scope_namespaces(scope: dict) -> tuple[str, ...] | None:
    if scope.get("type") == "namespace":
        return tuple(scope.get("namespaces") or ())
    return None


def _mark_internal(request, **_):
    request.headers[INTERNAL_HEADER] = "1"


def _all_pages(client, operation: str, key: str, **params) -> list:
    results, token = [], None
    while True:
        page = getattr(client, operation)(**params, **({"nextToken": token} if token else {}))
        results += page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return results
