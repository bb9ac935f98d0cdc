"""EKS Pod Identity associations: an IAM role for a Kubernetes service account."""

from __future__ import annotations

import re
import secrets
import string

from sandbox.aws.extensions.eks.ops import Context, operation, page
from sandbox.aws.extensions.eks.state import Cluster, PodIdentityAssociation, new_id
from sandbox.aws.extensions.eks.wire import (InvalidParameterException, InvalidRequestException,
                                             ResourceInUseException, ResourceNotFoundException)

ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/.+")
ID_ALPHABET = string.ascii_lowercase + string.digits


def add_association(ctx: Context, cluster: Cluster, p: dict, owner_arn: str | None = None) -> PodIdentityAssociation:
    """Create one association (directly, or on behalf of the add-on `owner_arn`)."""
    _check_roles(p)
    for existing in cluster.pod_identity.values():
        if (existing.config["namespace"], existing.config["serviceAccount"]) == (p["namespace"], p["serviceAccount"]):
            raise ResourceInUseException(f"Association already exists: {existing.config['associationId']}",
                                         clusterName=cluster.name)
    association_id = "a-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(17))
    config = {"clusterName": cluster.name, "namespace": p["namespace"], "serviceAccount": p["serviceAccount"],
              "roleArn": p["roleArn"], "associationId": association_id,
              "disableSessionTags": p.get("disableSessionTags", False)}
    if p.get("targetRoleArn"):
        # Role chaining: EKS generates the external ID the target role's trust policy must expect.
        config.update(targetRoleArn=p["targetRoleArn"], externalId=new_id())
    if p.get("policy"):
        config["policy"] = p["policy"]
    if owner_arn:
        config["ownerArn"] = owner_arn
    association = PodIdentityAssociation(
        ctx.region.arn(f"podidentityassociation/{cluster.name}/{association_id}"), p.get("tags"), ctx.now, config)
    cluster.pod_identity[association_id] = association
    return association


@operation("CreatePodIdentityAssociation")
def create_pod_identity_association(ctx: Context, p: dict) -> dict:
    association = add_association(ctx, ctx.cluster(p["clusterName"]), p)
    return {"association": association.describe(ctx.now)}


@operation("DescribePodIdentityAssociation")
def describe_pod_identity_association(ctx: Context, p: dict) -> dict:
    return {"association": _association(ctx, p).describe(ctx.now)}


@operation("ListPodIdentityAssociations")
def list_pod_identity_associations(ctx: Context, p: dict) -> dict:
    cluster = ctx.cluster(p["clusterName"])
    matching = [a.summary() for a in cluster.pod_identity.values()
                if p.get("namespace") in (None, a.config["namespace"])
                and p.get("serviceAccount") in (None, a.config["serviceAccount"])]
    found, more = page(matching, p)
    return {"associations": found, **more}


@operation("UpdatePodIdentityAssociation")
def update_pod_identity_association(ctx: Context, p: dict) -> dict:
    association = _unowned(_association(ctx, p))
    _check_roles(p)
    config = association.config
    config.update({key: p[key] for key in ("roleArn", "disableSessionTags", "policy") if key in p})
    if p.get("targetRoleArn") and p["targetRoleArn"] != config.get("targetRoleArn"):
        config.update(targetRoleArn=p["targetRoleArn"], externalId=new_id())
    elif p.get("targetRoleArn") == "":
        # An empty string removes role chaining.
        config.pop("targetRoleArn", None)
        config.pop("externalId", None)
    association.modified_at = ctx.now
    return {"association": association.describe(ctx.now)}


@operation("DeletePodIdentityAssociation")
def delete_pod_identity_association(ctx: Context, p: dict) -> dict:
    association = _unowned(_association(ctx, p))
    del ctx.cluster(p["clusterName"]).pod_identity[p["associationId"]]
    return {"association": association.describe(ctx.now)}


def _check_roles(p: dict) -> None:
    for key in ("roleArn", "targetRoleArn"):
        if p.get(key) and not ROLE_ARN.fullmatch(p[key]):
            raise InvalidParameterException(f"{key} is not a valid IAM role ARN: {p[key]}",
                                            clusterName=p["clusterName"])


def _association(ctx: Context, p: dict) -> PodIdentityAssociation:
    association = ctx.cluster(p["clusterName"]).pod_identity.get(p["associationId"])
    if association is None:
        raise ResourceNotFoundException(f"Association not found: {p['associationId']}",
                                        clusterName=p["clusterName"])
    return association


def _unowned(association: PodIdentityAssociation) -> PodIdentityAssociation:
    """Associations an add-on made belong to the add-on: change them through UpdateAddon."""
    owner = association.config.get("ownerArn")
    if owner:
        raise InvalidRequestException(f"The association is managed by the add-on {owner}; change it with the "
                                      f"add-on's podIdentityAssociations.")
    return association
