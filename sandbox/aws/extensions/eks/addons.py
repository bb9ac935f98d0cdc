"""EKS add-ons and the add-on catalogue (DescribeAddonVersions, DescribeAddonConfiguration)."""

from __future__ import annotations

import json

import yaml

from sandbox.aws.extensions.eks import pod_identity
from sandbox.aws.extensions.eks.catalogue import ADDONS, AddonSpec, KUBERNETES_VERSIONS
from sandbox.aws.extensions.eks.ops import Context, operation, page, require_active
from sandbox.aws.extensions.eks.state import Addon, Cluster, new_id
from sandbox.aws.extensions.eks.wire import (InvalidParameterException, InvalidRequestException,
                                             ResourceInUseException, ResourceNotFoundException)

RESOLVE_CONFLICTS = ("NONE", "OVERWRITE", "PRESERVE")


@operation("CreateAddon")
def create_addon(ctx: Context, p: dict) -> dict:
    cluster = ctx.cluster(p["clusterName"])
    name = p["addonName"]
    if cluster.status(ctx.now) not in ("ACTIVE", "UPDATING"):
        raise InvalidRequestException(f"Cluster '{cluster.name}' is not in ACTIVE status", clusterName=cluster.name)
    spec = _spec(cluster, name)
    if name in cluster.addons:
        raise ResourceInUseException("Addon already exists.", clusterName=cluster.name, addonName=name)
    _check_common(p)
    version = _version(cluster, spec, p.get("addonVersion"))
    config = {"addonName": name, "clusterName": cluster.name, "addonVersion": version,
              "publisher": "eks", "owner": "aws", "podIdentityAssociations": []}
    config.update({key: p[key] for key in ("serviceAccountRoleArn", "configurationValues", "namespaceConfig")
                   if p.get(key)})
    addon = Addon(ctx.region.arn(f"addon/{cluster.name}/{name}/{new_id()}"), p.get("tags"), ctx.now, config)
    config["podIdentityAssociations"] = _associate(ctx, cluster, spec, addon, p.get("podIdentityAssociations", []))
    cluster.addons[name] = addon
    return {"addon": addon.describe(ctx.now)}


@operation("DescribeAddon")
def describe_addon(ctx: Context, p: dict) -> dict:
    return {"addon": _addon(ctx, p).describe(ctx.now)}


@operation("ListAddons")
def list_addons(ctx: Context, p: dict) -> dict:
    names, more = page(sorted(ctx.cluster(p["clusterName"]).addons), p)
    return {"addons": names, **more}


@operation("UpdateAddon")
def update_addon(ctx: Context, p: dict) -> dict:
    addon = _addon(ctx, p)
    cluster = ctx.cluster(p["clusterName"])
    require_active(addon, ctx.now, f"Addon {p['addonName']}", clusterName=cluster.name, addonName=p["addonName"])
    spec = _spec(cluster, p["addonName"])
    _check_common(p)
    wanted = {key: p[key] for key in ("serviceAccountRoleArn", "configurationValues") if key in p}
    params = {"ServiceAccountRoleArn": p.get("serviceAccountRoleArn"), "ResolveConflicts": p.get("resolveConflicts"),
              "ConfigurationValues": p.get("configurationValues")}
    if p.get("addonVersion"):
        wanted["addonVersion"] = params["AddonVersion"] = _version(cluster, spec, p["addonVersion"])
    pending_associations = p.get("podIdentityAssociations")
    if pending_associations is not None:
        params["PodIdentityAssociations"] = json.dumps(pending_associations)

    def apply() -> None:
        addon.config.update(wanted)
        if pending_associations is not None:
            _release_associations(cluster, addon)
            addon.config["podIdentityAssociations"] = _associate(ctx, cluster, spec, addon, pending_associations)

    update = addon.start_update("AddonUpdate", {k: v for k, v in params.items() if v is not None}, apply, ctx.now)
    return {"update": update.describe(ctx.now)}


@operation("DeleteAddon")
def delete_addon(ctx: Context, p: dict) -> dict:
    addon = _addon(ctx, p)
    if addon.gone_at is None:
        # `preserve` keeps the workloads in Kubernetes; EKS stops managing the add-on either way.
        addon.delete(ctx.now)
        _release_associations(ctx.cluster(p["clusterName"]), addon)
    return {"addon": addon.describe(ctx.now)}


@operation("DescribeAddonVersions")
def describe_addon_versions(ctx: Context, p: dict) -> dict:
    version = p.get("kubernetesVersion")
    if version is not None and version not in KUBERNETES_VERSIONS:
        raise InvalidParameterException(f"unsupported Kubernetes version {version}")
    infos = [spec.info(version) for spec in ADDONS.values()
             if p.get("addonName") in (None, spec.name) and spec.type in p.get("types", [spec.type])
             and "eks" in p.get("publishers", ["eks"]) and "aws" in p.get("owners", ["aws"])]
    found, more = page([info for info in infos if info["addonVersions"]], p)
    return {"addons": found, **more}


@operation("DescribeAddonConfiguration")
def describe_addon_configuration(ctx: Context, p: dict) -> dict:
    spec = ADDONS.get(p["addonName"])
    if spec is None or spec.version(p["addonVersion"]) is None:
        raise ResourceNotFoundException(f"Addon {p['addonName']} version {p['addonVersion']} was not found",
                                        addonName=p["addonName"])
    return {"addonName": spec.name, "addonVersion": p["addonVersion"],
            "configurationSchema": spec.configuration_schema(),
            "podIdentityConfiguration": spec.pod_identity_configuration()}


def _addon(ctx: Context, p: dict) -> Addon:
    return addon_of(ctx, p["clusterName"], p["addonName"])


def addon_of(ctx: Context, cluster_name: str, name: str) -> Addon:
    addon = ctx.cluster(cluster_name).addons.get(name)
    if addon is None:
        raise ResourceNotFoundException(f"No addon: {name} found in cluster: {cluster_name}",
                                        clusterName=cluster_name, addonName=name)
    return addon


def _spec(cluster: Cluster, name: str) -> AddonSpec:
    spec = ADDONS.get(name)
    if spec is None:
        raise InvalidParameterException(f"Addon {name} specified is not supported in {cluster.version} "
                                        f"kubernetes version", clusterName=cluster.name, addonName=name)
    return spec


def _version(cluster: Cluster, spec: AddonSpec, requested: str | None) -> str:
    """The requested version if it runs on the cluster's Kubernetes version, else EKS's default for it."""
    if requested is None:
        return spec.default_version(cluster.version).version
    candidate = spec.version(requested)
    if candidate is None or cluster.version not in candidate.cluster_versions:
        raise InvalidParameterException(f"Addon version specified is not supported: {spec.name} {requested} on "
                                        f"Kubernetes {cluster.version}", clusterName=cluster.name,
                                        addonName=spec.name)
    return candidate.version


def _check_common(p: dict) -> None:
    if p.get("resolveConflicts", "NONE") not in RESOLVE_CONFLICTS:
        raise InvalidParameterException(f"resolveConflicts must be one of {', '.join(RESOLVE_CONFLICTS)}")
    if p.get("configurationValues"):
        _check_configuration(ADDONS[p["addonName"]], p["configurationValues"])


def _check_configuration(spec: AddonSpec, values: str) -> None:
    """EKS validates configurationValues (JSON or YAML) against the version's schema; top-level keys here."""
    try:
        parsed = yaml.safe_load(values)
    except yaml.YAMLError as err:
        raise InvalidParameterException(f"ConfigurationValue provided in request is not supported: {err}") from None
    if not isinstance(parsed, dict):
        raise InvalidParameterException("ConfigurationValue provided in request is not supported: "
                                        "expected a JSON or YAML object")
    unknown = sorted(set(parsed) - set(spec.schema_properties))
    if unknown:
        raise InvalidParameterException(f"ConfigurationValue provided in request is not supported: Json schema "
                                        f"validation failed with error: [$.{unknown[0]}: is not defined in the "
                                        f"schema and the schema does not allow additional properties]")


def _associate(ctx: Context, cluster: Cluster, spec: AddonSpec, addon: Addon, requested: list[dict]) -> list[str]:
    """Pod identity associations EKS makes for the add-on's service account, owned by the add-on."""
    arns = []
    namespace = addon.config.get("namespaceConfig", {}).get("namespace", spec.namespace)
    for item in requested:
        if spec.service_account and item["serviceAccount"] != spec.service_account:
            raise InvalidParameterException(f"Service account {item['serviceAccount']} is not used by the add-on "
                                            f"{spec.name} (expected {spec.service_account})",
                                            clusterName=cluster.name, addonName=spec.name)
    for item in requested:
        association = pod_identity.add_association(
            ctx, cluster, {"namespace": namespace, "serviceAccount": item["serviceAccount"],
                           "roleArn": item["roleArn"], "clusterName": cluster.name}, owner_arn=addon.arn)
        arns.append(association.arn)
    return arns


def _release_associations(cluster: Cluster, addon: Addon) -> None:
    for association_id, association in list(cluster.pod_identity.items()):
        if association.config.get("ownerArn") == addon.arn:
            del cluster.pod_identity[association_id]
