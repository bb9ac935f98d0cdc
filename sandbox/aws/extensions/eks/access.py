"""Access entries and their access policy associations (the EKS API authentication mode)."""

from __future__ import annotations

import re

from sandbox.aws.extensions.eks.catalogue import CLUSTER_ADMIN_POLICY, access_policies
from sandbox.aws.extensions.eks.ops import Context, operation, page
from sandbox.aws.extensions.eks.state import AccessEntry, Cluster, new_id
from sandbox.aws.extensions.eks.wire import (InvalidParameterException, InvalidRequestException,
                                             ResourceInUseException, ResourceNotFoundException)

PRINCIPAL = re.compile(r"arn:aws[a-z-]*:(iam|sts)::(?P<account>\d{12}):(?P<kind>role|user)/(?:.*/)?(?P<name>[^/]+)")
ENTRY_TYPES = ("STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")
# Node-style entries get their username and groups from EKS and cannot hold access policies.
NODE_USERNAMES = {"EC2_LINUX": "system:node:{{EC2PrivateDNSName}}",
                  "EC2_WINDOWS": "system:node:{{EC2PrivateDNSName}}",
                  "EC2": "system:node:{{EC2PrivateDNSName}}",
                  "HYBRID_LINUX": "system:node:{{SessionName}}",
                  "HYPERPOD_LINUX": "system:node:{{EC2PrivateDNSName}}",
                  "FARGATE_LINUX": "system:node:{{SessionName}}"}
RESERVED_PREFIXES = ("system:", "amazon:", "aws:", "eks:", "iam:")


def bootstrap_creator(ctx: Context, cluster: Cluster) -> None:
    """With bootstrapClusterCreatorAdminPermissions, the creator becomes cluster admin once access entries
    are in use (an authentication mode with API), as EKS does."""
    access_config = cluster.config["accessConfig"]
    if (not access_config["bootstrapClusterCreatorAdminPermissions"]
            or access_config["authenticationMode"] == "CONFIG_MAP"
            or cluster.creator_arn in cluster.access_entries):
        return
    entry = _add_entry(ctx, cluster, cluster.creator_arn, "STANDARD", [], None, None)
    _associate(ctx, entry, CLUSTER_ADMIN_POLICY, {"type": "cluster"})


def ensure_node_entry(ctx: Context, cluster: Cluster, role_arn: str) -> None:
    """EKS adds an EC2_LINUX entry for a managed nodegroup's node role when access entries are in use."""
    if cluster.config["accessConfig"]["authenticationMode"] != "CONFIG_MAP" and role_arn not in cluster.access_entries:
        _add_entry(ctx, cluster, role_arn, "EC2_LINUX", [], None, None)


@operation("CreateAccessEntry")
def create_access_entry(ctx: Context, p: dict) -> dict:
    cluster = _api_cluster(ctx, p["clusterName"])
    principal = p["principalArn"]
    if PRINCIPAL.fullmatch(principal) is None or ":sts::" in principal:
        raise InvalidParameterException(f"The specified principalArn is invalid: {principal}",
                                        clusterName=cluster.name)
    if principal in cluster.access_entries:
        raise ResourceInUseException("The specified access entry resource is already in use on this cluster.",
                                     clusterName=cluster.name)
    entry_type = p.get("type", "STANDARD")
    if entry_type not in ENTRY_TYPES:
        raise InvalidParameterException(f"The specified type {entry_type} is invalid", clusterName=cluster.name)
    if entry_type != "STANDARD" and (p.get("kubernetesGroups") or p.get("username")):
        raise InvalidParameterException(f"kubernetesGroups and username can't be set for type {entry_type}",
                                        clusterName=cluster.name)
    _check_identity(cluster, p)
    entry = _add_entry(ctx, cluster, principal, entry_type, p.get("kubernetesGroups", []), p.get("username"),
                       p.get("tags"))
    return {"accessEntry": entry.describe(ctx.now)}


@operation("DescribeAccessEntry")
def describe_access_entry(ctx: Context, p: dict) -> dict:
    return {"accessEntry": _entry(ctx, p).describe(ctx.now)}


@operation("ListAccessEntries")
def list_access_entries(ctx: Context, p: dict) -> dict:
    cluster = _api_cluster(ctx, p["clusterName"])
    policy = p.get("associatedPolicyArn")
    principals = [arn for arn, entry in cluster.access_entries.items() if policy is None or policy in entry.policies]
    found, more = page(principals, p)
    return {"accessEntries": found, **more}


@operation("UpdateAccessEntry")
def update_access_entry(ctx: Context, p: dict) -> dict:
    entry = _entry(ctx, p)
    if entry.config["type"] != "STANDARD":
        raise InvalidParameterException(f"An access entry of type {entry.config['type']} can't be updated",
                                        clusterName=p["clusterName"])
    _check_identity(ctx.cluster(p["clusterName"]), p)
    if "kubernetesGroups" in p:
        entry.config["kubernetesGroups"] = list(p["kubernetesGroups"])
    if p.get("username"):
        entry.config["username"] = p["username"]
    entry.modified_at = ctx.now
    return {"accessEntry": entry.describe(ctx.now)}


@operation("DeleteAccessEntry")
def delete_access_entry(ctx: Context, p: dict) -> dict:
    entry = _entry(ctx, p)
    del ctx.cluster(p["clusterName"]).access_entries[entry.config["principalArn"]]
    return {}


@operation("AssociateAccessPolicy")
def associate_access_policy(ctx: Context, p: dict) -> dict:
    entry = _entry(ctx, p)
    if entry.config["type"] != "STANDARD":
        raise InvalidRequestException(f"Access policies can't be associated with an access entry of type "
                                      f"{entry.config['type']}", clusterName=p["clusterName"])
    if p["policyArn"] not in {policy["arn"] for policy in access_policies()}:
        raise InvalidParameterException(f"The specified policyArn is invalid: {p['policyArn']}",
                                        clusterName=p["clusterName"])
    scope = p["accessScope"]
    if scope.get("type") not in ("cluster", "namespace") or \
            (scope["type"] == "namespace") != bool(scope.get("namespaces")):
        raise InvalidParameterException("accessScope needs type cluster without namespaces, or type namespace "
                                        "with at least one namespace", clusterName=p["clusterName"])
    associated = _associate(ctx, entry, p["policyArn"], scope)
    return {"clusterName": p["clusterName"], "principalArn": entry.config["principalArn"],
            "associatedAccessPolicy": associated}


@operation("DisassociateAccessPolicy")
def disassociate_access_policy(ctx: Context, p: dict) -> dict:
    entry = _entry(ctx, p)
    if entry.policies.pop(p["policyArn"], None) is None:
        raise ResourceNotFoundException(f"The policy {p['policyArn']} is not associated with the access entry",
                                        clusterName=p["clusterName"])
    return {}


@operation("ListAssociatedAccessPolicies")
def list_associated_access_policies(ctx: Context, p: dict) -> dict:
    entry = _entry(ctx, p)
    found, more = page(list(entry.policies.values()), p)
    return {"clusterName": p["clusterName"], "principalArn": entry.config["principalArn"],
            "associatedAccessPolicies": found, **more}


@operation("ListAccessPolicies")
def list_access_policies(ctx: Context, p: dict) -> dict:
    found, more = page(access_policies(), p)
    return {"accessPolicies": found, **more}


def _api_cluster(ctx: Context, name: str) -> Cluster:
    cluster = ctx.cluster(name)
    if cluster.config["accessConfig"]["authenticationMode"] == "CONFIG_MAP":
        raise InvalidRequestException("The cluster's authentication mode must be set to one of "
                                      "[API, API_AND_CONFIG_MAP] to perform this operation.", clusterName=name)
    return cluster


def _entry(ctx: Context, p: dict) -> AccessEntry:
    cluster = _api_cluster(ctx, p["clusterName"])
    entry = cluster.access_entries.get(p["principalArn"])
    if entry is None:
        raise ResourceNotFoundException("The specified principalArn could not be found. You can view your "
                                        "available access entries with 'list-access-entries'.",
                                        clusterName=cluster.name)
    return entry


def _check_identity(cluster: Cluster, p: dict) -> None:
    reserved = [name for name in [p.get("username") or "", *p.get("kubernetesGroups", [])]
                if name.startswith(RESERVED_PREFIXES)]
    if reserved:
        raise InvalidParameterException(f"The names {reserved} use a prefix reserved by Kubernetes or EKS",
                                        clusterName=cluster.name)


def _default_username(principal: str) -> str:
    """EKS's default: the session ARN for a role (one per session), the user ARN for a user."""
    found = PRINCIPAL.fullmatch(principal)
    if found and found["kind"] == "role":
        return f"arn:aws:sts::{found['account']}:assumed-role/{found['name']}/{{{{SessionName}}}}"
    return principal


def _add_entry(ctx: Context, cluster: Cluster, principal: str, entry_type: str, groups: list[str],
               username: str | None, tags: dict | None) -> AccessEntry:
    found = PRINCIPAL.fullmatch(principal)
    kind, name = (found["kind"], found["name"]) if found else ("user", principal.rsplit("/", 1)[-1])
    arn = ctx.region.arn(f"access-entry/{cluster.name}/{kind}/{ctx.call.account_id}/{name}/{new_id()}")
    entry = AccessEntry(arn, tags, ctx.now, {
        "clusterName": cluster.name, "principalArn": principal, "kubernetesGroups": list(groups),
        "username": username or NODE_USERNAMES.get(entry_type) or _default_username(principal),
        "type": entry_type})
    cluster.access_entries[principal] = entry
    return entry


def _associate(ctx: Context, entry: AccessEntry, policy_arn: str, scope: dict) -> dict:
    """Associate, or re-scope an existing association (which keeps its associatedAt)."""
    associated_at = entry.policies.get(policy_arn, {}).get("associatedAt", ctx.now)
    scope = {"type": scope["type"], "namespaces": list(scope.get("namespaces", []))}
    entry.policies[policy_arn] = {"policyArn": policy_arn, "accessScope": scope,
                                  "associatedAt": associated_at, "modifiedAt": ctx.now}
    return entry.policies[policy_arn]

