"""Clusters: create, describe, list, delete, configuration and version updates, encryption."""

from __future__ import annotations

import base64
import json
import secrets

from sandbox.aws.extensions.eks import access, ec2, iam
from sandbox.aws.extensions.eks.catalogue import (DEFAULT_KUBERNETES_VERSION, EXTENDED_SUPPORT_VERSIONS, KUBERNETES_VERSIONS,
                                                   NODE_PATCH, PLATFORM_VERSIONS)
from sandbox.aws.extensions.eks.ops import Context, operation, page, require_active
from sandbox.aws.extensions.eks.state import Cluster
from sandbox.aws.extensions.eks.wire import (InvalidParameterException, InvalidRequestException,
                                             ResourceInUseException)
from sandbox.aws.extensions.sts import principal_arn

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
AUTHENTICATION_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")
# UpdateClusterConfig fields handled here; each request may carry only one of them (as on AWS).
UPDATABLE = ("resourcesVpcConfig", "logging", "accessConfig", "upgradePolicy")


@operation("CreateCluster")
def create_cluster(ctx: Context, p: dict) -> dict:
    name = p["name"]
    if name in ctx.region.clusters:
        raise ResourceInUseException(f"Cluster already exists with name: {name}", clusterName=name)
    version = p.get("version") or DEFAULT_KUBERNETES_VERSION
    if version not in KUBERNETES_VERSIONS:
        raise InvalidParameterException(f"unsupported Kubernetes version {version}", clusterName=name)
    iam.require_role(ctx, p["roleArn"], clusterName=name)
    vpc_request = p["resourcesVpcConfig"]
    vpc_id = _vpc_of_subnets(ctx, vpc_request.get("subnetIds", []))
    access_request = p.get("accessConfig", {})
    mode = access_request.get("authenticationMode", "CONFIG_MAP")  # the API's default (console: API_AND_...)
    if mode not in AUTHENTICATION_MODES:
        raise InvalidParameterException(f"Unsupported authentication mode: {mode}", clusterName=name)
    network = p.get("kubernetesNetworkConfig", {})
    config = {
        "name": name,
        "version": version,
        "platformVersion": PLATFORM_VERSIONS[version],
        "roleArn": p["roleArn"],
        "resourcesVpcConfig": {
            "subnetIds": list(vpc_request.get("subnetIds", [])),
            "securityGroupIds": list(vpc_request.get("securityGroupIds", [])),
            "clusterSecurityGroupId": ec2.create_cluster_security_group(ctx, name, vpc_id),
            "vpcId": vpc_id,
            "endpointPublicAccess": vpc_request.get("endpointPublicAccess", True),
            "endpointPrivateAccess": vpc_request.get("endpointPrivateAccess", False),
            "publicAccessCidrs": list(vpc_request.get("publicAccessCidrs", ["0.0.0.0/0"])),
        },
        "kubernetesNetworkConfig": {
            "serviceIpv4Cidr": network.get("serviceIpv4Cidr", "172.20.0.0/16"),
            "ipFamily": network.get("ipFamily", "ipv4"),
            "elasticLoadBalancing": {"enabled": False},
        },
        "logging": _logging(p.get("logging", {}).get("clusterLogging", [])),
        "identity": {"oidc": {"issuer": f"https://oidc.eks.{ctx.region.region}.amazonaws.com/id/"
                                        f"{secrets.token_hex(16).upper()}"}},
        "accessConfig": {
            "bootstrapClusterCreatorAdminPermissions":
                access_request.get("bootstrapClusterCreatorAdminPermissions", True),
            "authenticationMode": mode,
        },
        "upgradePolicy": {"supportType": p.get("upgradePolicy", {}).get("supportType", "EXTENDED")},
        "health": {"issues": []},
        "deletionProtection": p.get("deletionProtection", False),
    }
    if p.get("encryptionConfig"):
        config["encryptionConfig"] = p["encryptionConfig"]
    creator = principal_arn(ctx.call.access_key_id, ctx.call.account_id, ctx.region.region)
    cluster = Cluster(ctx.region.arn(f"cluster/{name}"), p.get("tags"), ctx.now, config, creator)
    ctx.region.clusters[name] = cluster
    access.bootstrap_creator(ctx, cluster)
    return {"cluster": describe(ctx, cluster)}


@operation("DescribeCluster")
def describe_cluster(ctx: Context, p: dict) -> dict:
    return {"cluster": describe(ctx, ctx.cluster(p["name"]))}


@operation("ListClusters")
def list_clusters(ctx: Context, p: dict) -> dict:
    names, more = page(sorted(ctx.region.clusters), p)
    return {"clusters": names, **more}


@operation("DescribeClusterVersions")
def describe_cluster_versions(ctx: Context, p: dict) -> dict:
    """The Kubernetes versions EKS offers for new clusters and upgrades, newest first; `clusterVersions` narrows
    to those names (an unknown one is simply not listed), `defaultOnly` to the version CreateCluster picks,
    `versionStatus` to one support phase."""
    versions = []
    for version in reversed(KUBERNETES_VERSIONS):
        status = "EXTENDED_SUPPORT" if version in EXTENDED_SUPPORT_VERSIONS else "STANDARD_SUPPORT"
        versions.append({"clusterVersion": version, "clusterType": "eks",
                         "defaultPlatformVersion": PLATFORM_VERSIONS[version],
                         "defaultVersion": version == DEFAULT_KUBERNETES_VERSION,
                         "status": status.lower().replace("_", "-"), "versionStatus": status,
                         "kubernetesPatchVersion": NODE_PATCH[version]})
    wanted = p.get("clusterVersions")
    versions = [v for v in versions if (not wanted or v["clusterVersion"] in wanted)
                and (not p.get("defaultOnly") or v["defaultVersion"])
                and p.get("versionStatus", v["versionStatus"]) == v["versionStatus"]]
    found, more = page(versions, p)
    return {"clusterVersions": found, **more}


@operation("DeleteCluster")
def delete_cluster(ctx: Context, p: dict) -> dict:
    cluster = ctx.cluster(p["name"])
    if cluster.nodegroups:
        raise ResourceInUseException("Cluster has nodegroups attached", clusterName=cluster.name)
    if cluster.gone_at is None:
        # Add-ons, access entries and pod identity associations go with the cluster.
        for child in cluster.children():
            child.delete(ctx.now)
        cluster.delete(ctx.now)
        ec2.delete_security_group(ctx, cluster.config["resourcesVpcConfig"]["clusterSecurityGroupId"])
    return {"cluster": describe(ctx, cluster)}


@operation("UpdateClusterConfig")
def update_cluster_config(ctx: Context, p: dict) -> dict:
    cluster = ready_for_update(ctx, ctx.cluster(p["name"]))
    unmodelled = sorted(set(p) - {"name", "clientRequestToken", *UPDATABLE})
    if unmodelled:
        raise InvalidParameterException(f"The sandbox does not model updates of {', '.join(unmodelled)}",
                                        clusterName=cluster.name)
    changes = [key for key in UPDATABLE if key in p]
    vpc = p.get("resourcesVpcConfig", {})
    endpoint_keys = [k for k in ("endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs") if k in vpc]
    network_keys = [k for k in ("subnetIds", "securityGroupIds") if k in vpc]
    if len(changes) != 1 or (endpoint_keys and network_keys):
        raise InvalidParameterException("Only one type of update can be allowed.", clusterName=cluster.name)
    if endpoint_keys:
        update = _endpoint_update(ctx, cluster, vpc)
    elif network_keys:
        update = _network_update(ctx, cluster, vpc)
    elif "logging" in p:
        update = _logging_update(ctx, cluster, p["logging"])
    elif "accessConfig" in p:
        update = _access_update(ctx, cluster, p["accessConfig"])
    else:
        update = _upgrade_policy_update(ctx, cluster, p["upgradePolicy"])
    return {"update": update.describe(ctx.now)}


@operation("UpdateClusterVersion")
def update_cluster_version(ctx: Context, p: dict) -> dict:
    cluster = ready_for_update(ctx, ctx.cluster(p["name"]))
    target = p["version"]
    if target not in KUBERNETES_VERSIONS:
        raise InvalidParameterException(f"unsupported Kubernetes version {target}", clusterName=cluster.name)
    # EKS upgrades the control plane one minor version at a time and never downgrades.
    if KUBERNETES_VERSIONS.index(target) != KUBERNETES_VERSIONS.index(cluster.version) + 1:
        raise InvalidParameterException(
            f"Unsupported Kubernetes minor version update from {cluster.version} to {target}",
            clusterName=cluster.name)

    def apply() -> None:
        cluster.config["version"] = target
        cluster.config["platformVersion"] = PLATFORM_VERSIONS[target]

    update = cluster.start_update("VersionUpdate", {"Version": target, "PlatformVersion": PLATFORM_VERSIONS[target]},
                                  apply, ctx.now)
    return {"update": update.describe(ctx.now)}


@operation("AssociateEncryptionConfig")
def associate_encryption_config(ctx: Context, p: dict) -> dict:
    cluster = ready_for_update(ctx, ctx.cluster(p["clusterName"]))
    if cluster.config.get("encryptionConfig"):
        raise InvalidRequestException("Encryption is already enabled on the cluster", clusterName=cluster.name)
    encryption = p["encryptionConfig"]
    update = cluster.start_update("AssociateEncryptionConfig", {"EncryptionConfig": json.dumps(encryption)},
                                  lambda: cluster.config.update(encryptionConfig=encryption), ctx.now)
    return {"update": update.describe(ctx.now)}


def describe(ctx: Context, cluster: Cluster) -> dict:
    return cluster.describe(ctx.now, {
        "endpoint": ctx.config.cluster_endpoint(ctx.region.region, cluster.name),
        "certificateAuthority": {"data": _ca_data(ctx)},
    })


def ready_for_update(ctx: Context, cluster: Cluster) -> Cluster:
    """EKS takes one change at a time, and only on an ACTIVE cluster."""
    require_active(cluster, ctx.now, f"Cluster {cluster.name}", clusterName=cluster.name)
    return cluster


def _ca_data(ctx: Context) -> str:
    # The sandbox CA that signs the Kubernetes emulator's certificate, made by `python -m sandbox up`.
    try:
        return base64.b64encode(ctx.config.ca_cert_path.read_bytes()).decode()
    except FileNotFoundError:
        return ""


def _vpc_of_subnets(ctx: Context, subnet_ids: list[str]) -> str:
    found = ec2.subnets(ctx, subnet_ids)
    if len({subnet.availability_zone for subnet in found}) < 2:
        raise InvalidParameterException("Subnets specified must be in at least two different AZs")
    vpcs = {subnet.vpc_id for subnet in found}
    if len(vpcs) != 1:
        raise InvalidParameterException("Subnets must all be in the same VPC")
    return vpcs.pop()


def _logging(requested: list[dict], current: list[dict] | None = None) -> dict:
    """Normalise to EKS's answer: one entry for enabled types, one for disabled, every type listed once."""
    enabled = {t for setup in current or [] if setup.get("enabled") for t in setup["types"]}
    for setup in requested:
        unknown = set(setup.get("types", [])) - set(LOG_TYPES)
        if unknown:
            raise InvalidParameterException(f"Unsupported log types: {sorted(unknown)}")
        if setup.get("enabled"):
            enabled |= set(setup.get("types", []))
        else:
            enabled -= set(setup.get("types", []))
    groups = [([t for t in LOG_TYPES if t in enabled], True), ([t for t in LOG_TYPES if t not in enabled], False)]
    return {"clusterLogging": [{"types": types, "enabled": flag} for types, flag in groups if types]}


def _endpoint_update(ctx: Context, cluster: Cluster, vpc: dict):
    current = cluster.config["resourcesVpcConfig"]
    wanted = {k: vpc.get(k, current[k]) for k in ("endpointPublicAccess", "endpointPrivateAccess",
                                                  "publicAccessCidrs")}
    if not wanted["endpointPublicAccess"] and not wanted["endpointPrivateAccess"]:
        raise InvalidParameterException("Private and public endpoint access can't both be disabled",
                                        clusterName=cluster.name)
    if all(wanted[k] == current[k] for k in wanted):
        raise InvalidParameterException(
            f"Cluster is already at the desired configuration with endpointPrivateAccess: "
            f"{str(current['endpointPrivateAccess']).lower()} , endpointPublicAccess: "
            f"{str(current['endpointPublicAccess']).lower()}, and Public Endpoint Restrictions: "
            f"[{', '.join(current['publicAccessCidrs'])}]", clusterName=cluster.name)
    params = {"EndpointPublicAccess": str(wanted["endpointPublicAccess"]).lower(),
              "EndpointPrivateAccess": str(wanted["endpointPrivateAccess"]).lower(),
              "PublicAccessCidrs": json.dumps(wanted["publicAccessCidrs"])}
    return cluster.start_update("EndpointAccessUpdate", params, lambda: current.update(wanted), ctx.now)


def _network_update(ctx: Context, cluster: Cluster, vpc: dict):
    current = cluster.config["resourcesVpcConfig"]
    wanted = {k: list(vpc.get(k, current[k])) for k in ("subnetIds", "securityGroupIds")}
    if "subnetIds" in vpc and _vpc_of_subnets(ctx, wanted["subnetIds"]) != current["vpcId"]:
        raise InvalidParameterException("Subnets must belong to the cluster's VPC", clusterName=cluster.name)
    params = {"Subnets": json.dumps(wanted["subnetIds"]), "SecurityGroups": json.dumps(wanted["securityGroupIds"])}
    return cluster.start_update("VpcConfigUpdate", params, lambda: current.update(wanted), ctx.now)


def _logging_update(ctx: Context, cluster: Cluster, logging: dict):
    current = cluster.config["logging"]
    wanted = _logging(logging.get("clusterLogging", []), current["clusterLogging"])
    if wanted == current:
        raise InvalidParameterException("No changes needed for the logging config provided",
                                        clusterName=cluster.name)
    return cluster.start_update("LoggingUpdate", {"ClusterLogging": json.dumps(wanted["clusterLogging"])},
                                lambda: cluster.config.update(logging=wanted), ctx.now)


def _access_update(ctx: Context, cluster: Cluster, access_config: dict):
    current = cluster.config["accessConfig"]["authenticationMode"]
    wanted = access_config.get("authenticationMode", current)
    if wanted not in AUTHENTICATION_MODES:
        raise InvalidParameterException(f"Unsupported authentication mode: {wanted}", clusterName=cluster.name)
    # The mode only moves towards API: CONFIG_MAP -> API_AND_CONFIG_MAP -> API.
    if AUTHENTICATION_MODES.index(wanted) <= AUTHENTICATION_MODES.index(current):
        raise InvalidParameterException(f"Unsupported authentication mode update from {current} to {wanted}",
                                        clusterName=cluster.name)

    def apply() -> None:
        cluster.config["accessConfig"]["authenticationMode"] = wanted
        access.bootstrap_creator(ctx, cluster)

    return cluster.start_update("AccessConfigUpdate", {"AuthenticationMode": wanted}, apply, ctx.now)


def _upgrade_policy_update(ctx: Context, cluster: Cluster, policy: dict):
    support = policy.get("supportType")
    if support not in ("STANDARD", "EXTENDED"):
        raise InvalidParameterException(f"Unsupported support type: {support}", clusterName=cluster.name)
    return cluster.start_update("UpgradePolicyUpdate", {"UpgradePolicy": support},
                                lambda: cluster.config["upgradePolicy"].update(supportType=support),
                                ctx.now)
