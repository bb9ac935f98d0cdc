"""OIDC identity provider configs: a cluster update that adds or removes an external OIDC issuer."""

from __future__ import annotations

import json

from sandbox.aws.extensions.eks.ops import Context, operation, page, require_active
from sandbox.aws.extensions.eks.state import IdentityProviderConfig, new_id
from sandbox.aws.extensions.eks.wire import (InvalidParameterException, ResourceInUseException,
                                             ResourceNotFoundException)

OIDC_FIELDS = ("identityProviderConfigName", "issuerUrl", "clientId", "usernameClaim", "usernamePrefix",
               "groupsClaim", "groupsPrefix", "requiredClaims")


@operation("AssociateIdentityProviderConfig")
def associate_identity_provider_config(ctx: Context, p: dict) -> dict:
    cluster = ctx.cluster(p["clusterName"])
    require_active(cluster, ctx.now, f"Cluster {cluster.name}", clusterName=cluster.name)
    oidc = p["oidc"]
    name = oidc["identityProviderConfigName"]
    if name in cluster.identity_providers:
        raise ResourceInUseException(f"Identity provider config {name} already exists", clusterName=cluster.name)
    if not oidc.get("issuerUrl", "").startswith("https://"):
        raise InvalidParameterException("issuerUrl must be an https URL", clusterName=cluster.name)
    config = {"clusterName": cluster.name, **{key: oidc[key] for key in OIDC_FIELDS if key in oidc}}
    provider = IdentityProviderConfig(ctx.region.arn(f"identityproviderconfig/{cluster.name}/oidc/{name}/{new_id()}"),
                                      p.get("tags"), ctx.now, config)
    cluster.identity_providers[name] = provider
    # The config's own CREATING -> ACTIVE carries the change; the cluster update only reports it.
    update = cluster.start_update("AssociateIdentityProviderConfig",
                                  {"IdentityProviderConfig": json.dumps([{"type": "oidc", "name": name}])},
                                  lambda: None, ctx.now)
    return {"update": update.describe(ctx.now), "tags": provider.tags}


@operation("DescribeIdentityProviderConfig")
def describe_identity_provider_config(ctx: Context, p: dict) -> dict:
    return {"identityProviderConfig": {"oidc": _provider(ctx, p).describe(ctx.now)}}


@operation("ListIdentityProviderConfigs")
def list_identity_provider_configs(ctx: Context, p: dict) -> dict:
    names = sorted(ctx.cluster(p["clusterName"]).identity_providers)
    found, more = page([{"type": "oidc", "name": name} for name in names], p)
    return {"identityProviderConfigs": found, **more}


@operation("DisassociateIdentityProviderConfig")
def disassociate_identity_provider_config(ctx: Context, p: dict) -> dict:
    provider = _provider(ctx, p)
    cluster = ctx.cluster(p["clusterName"])
    require_active(cluster, ctx.now, f"Cluster {cluster.name}", clusterName=cluster.name)
    provider.delete(ctx.now)
    update = cluster.start_update("DisassociateIdentityProviderConfig",
                                  {"IdentityProviderConfig": json.dumps([p["identityProviderConfig"]])},
                                  lambda: None, ctx.now)
    return {"update": update.describe(ctx.now)}


def _provider(ctx: Context, p: dict) -> IdentityProviderConfig:
    wanted = p["identityProviderConfig"]
    if wanted.get("type") != "oidc":
        raise InvalidParameterException("Only identity provider configs of type oidc exist",
                                        clusterName=p["clusterName"])
    provider = ctx.cluster(p["clusterName"]).identity_providers.get(wanted["name"])
    if provider is None:
        raise ResourceNotFoundException(f"No identity provider config found for name: {wanted['name']}",
                                        clusterName=p["clusterName"])
    return provider
