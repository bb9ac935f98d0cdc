"""Managed nodegroups: create, describe, list, delete, configuration and version updates."""

from __future__ import annotations

import json

from sandbox.aws.extensions.eks import access, ec2, iam
from sandbox.aws.extensions.eks.catalogue import KUBERNETES_VERSIONS, release_version
from sandbox.aws.extensions.eks.ops import Context, operation, page, require_active
from sandbox.aws.extensions.eks.state import Cluster, Nodegroup, new_id
from sandbox.aws.extensions.eks.wire import (InvalidParameterException, InvalidRequestException,
                                             ResourceInUseException, ResourceNotFoundException)

DEFAULT_AMI_TYPE = "AL2023_x86_64_STANDARD"  # EKS's default for Kubernetes 1.30 and newer
LAST_AL2_VERSION = "1.32"  # Amazon Linux 2 node AMIs end with Kubernetes 1.32


@operation("CreateNodegroup")
def create_nodegroup(ctx: Context, p: dict) -> dict:
    cluster = ctx.cluster(p["clusterName"])
    name = p["nodegroupName"]
    if cluster.status(ctx.now) not in ("ACTIVE", "UPDATING"):
        raise InvalidRequestException(f"Cluster '{cluster.name}' is not in ACTIVE status", clusterName=cluster.name)
    if name in cluster.nodegroups:
        raise ResourceInUseException(f"NodeGroup already exists with name {name} and cluster name "
                                     f"{cluster.name}", clusterName=cluster.name, nodegroupName=name)
    version = p.get("version") or cluster.version
    _check_version(cluster, version, name)
    ami_type = p.get("amiType", DEFAULT_AMI_TYPE)
    if ami_type.startswith("AL2_") and KUBERNETES_VERSIONS.index(version) > KUBERNETES_VERSIONS.index(LAST_AL2_VERSION):
        raise InvalidParameterException(f"AMI Type {ami_type} is only supported for kubernetes versions "
                                        f"{LAST_AL2_VERSION} or earlier", clusterName=cluster.name,
                                        nodegroupName=name)
    ec2.subnets(ctx, p["subnets"])
    iam.require_role(ctx, p["nodeRole"], clusterName=cluster.name, nodegroupName=name)
    scaling = _scaling({"minSize": 1, "maxSize": 2, "desiredSize": 2}, p.get("scalingConfig", {}))
    launch_template = p.get("launchTemplate")
    config = {
        "nodegroupName": name,
        "clusterName": cluster.name,
        "version": version,
        "releaseVersion": _release(p.get("releaseVersion"), version, name),
        "capacityType": p.get("capacityType", "ON_DEMAND"),
        "scalingConfig": scaling,
        "instanceTypes": p.get("instanceTypes") or (None if launch_template else ["t3.medium"]),
        "subnets": list(p["subnets"]),
        "amiType": ami_type,
        "nodeRole": p["nodeRole"],
        "labels": dict(p.get("labels", {})),
        "taints": list(p.get("taints", [])),
        "resources": {"autoScalingGroups": [{"name": f"eks-{name}-{new_id()}"}]},
        "diskSize": None if launch_template else p.get("diskSize", 20),
        "health": {"issues": []},
        "updateConfig": _update_config(p.get("updateConfig", {"maxUnavailable": 1})),
    }
    optional = {"remoteAccess": p.get("remoteAccess"), "launchTemplate": launch_template,
                "nodeRepairConfig": p.get("nodeRepairConfig")}
    config.update({key: value for key, value in optional.items() if value})
    config = {key: value for key, value in config.items() if value is not None}
    nodegroup = Nodegroup(ctx.region.arn(f"nodegroup/{cluster.name}/{name}/{new_id()}"), p.get("tags"), ctx.now,
                          config)
    cluster.nodegroups[name] = nodegroup
    access.ensure_node_entry(ctx, cluster, p["nodeRole"])
    return {"nodegroup": nodegroup.describe(ctx.now)}


@operation("DescribeNodegroup")
def describe_nodegroup(ctx: Context, p: dict) -> dict:
    return {"nodegroup": nodegroup_of(ctx, p["clusterName"], p["nodegroupName"]).describe(ctx.now)}


@operation("ListNodegroups")
def list_nodegroups(ctx: Context, p: dict) -> dict:
    names, more = page(sorted(ctx.cluster(p["clusterName"]).nodegroups), p)
    return {"nodegroups": names, **more}


@operation("DeleteNodegroup")
def delete_nodegroup(ctx: Context, p: dict) -> dict:
    nodegroup = nodegroup_of(ctx, p["clusterName"], p["nodegroupName"])
    if nodegroup.gone_at is None:
        nodegroup.delete(ctx.now)
    return {"nodegroup": nodegroup.describe(ctx.now)}


@operation("UpdateNodegroupConfig")
def update_nodegroup_config(ctx: Context, p: dict) -> dict:
    nodegroup = _ready(ctx, p)
    config = nodegroup.config
    params: dict[str, str] = {}
    wanted: dict = {}
    if "labels" in p:
        add, remove = p["labels"].get("addOrUpdateLabels", {}), p["labels"].get("removeLabels", [])
        if set(add) & set(remove):
            raise InvalidParameterException("The same label can't be both added and removed",
                                            nodegroupName=p["nodegroupName"])
        wanted["labels"] = {k: v for k, v in {**config["labels"], **add}.items() if k not in remove}
        params.update(_json_params(LabelsToAdd=add, LabelsToRemove=remove))
    if "taints" in p:
        add, remove = p["taints"].get("addOrUpdateTaints", []), p["taints"].get("removeTaints", [])
        replaced = {(taint["key"], taint["effect"]) for taint in add + remove}
        wanted["taints"] = [t for t in config["taints"] if (t["key"], t["effect"]) not in replaced] + add
        params.update(_json_params(TaintsToAdd=add, TaintsToRemove=remove))
    if "scalingConfig" in p:
        wanted["scalingConfig"] = _scaling(config["scalingConfig"], p["scalingConfig"])
        params.update({key[0].upper() + key[1:]: str(value) for key, value in p["scalingConfig"].items()})
    if "updateConfig" in p:
        wanted["updateConfig"] = _update_config(p["updateConfig"])
        params.update({key[0].upper() + key[1:]: str(value) for key, value in p["updateConfig"].items()})
    if not params:
        raise InvalidParameterException("No changes were requested: give labels, taints, scalingConfig or "
                                        "updateConfig", nodegroupName=p["nodegroupName"])
    update = nodegroup.start_update("ConfigUpdate", params, lambda: config.update(wanted), ctx.now)
    return {"update": update.describe(ctx.now)}


@operation("UpdateNodegroupVersion")
def update_nodegroup_version(ctx: Context, p: dict) -> dict:
    nodegroup = _ready(ctx, p)
    cluster = ctx.cluster(p["clusterName"])
    version = p.get("version") or cluster.version
    _check_version(cluster, version, p["nodegroupName"])
    if KUBERNETES_VERSIONS.index(version) < KUBERNETES_VERSIONS.index(nodegroup.config["version"]):
        raise InvalidParameterException(f"Nodegroup can't be downgraded from {nodegroup.config['version']} to "
                                        f"{version}", nodegroupName=p["nodegroupName"])
    release = _release(p.get("releaseVersion"), version, p["nodegroupName"])
    wanted = {"version": version, "releaseVersion": release}
    if p.get("launchTemplate"):
        wanted["launchTemplate"] = p["launchTemplate"]
    elif all(nodegroup.config[key] == value for key, value in wanted.items()):
        raise InvalidParameterException(f"Nodegroup {p['nodegroupName']} is already on version {version} with "
                                        f"release version {release}", nodegroupName=p["nodegroupName"])
    update = nodegroup.start_update("VersionUpdate", {"Version": version, "ReleaseVersion": release},
                                    lambda: nodegroup.config.update(wanted), ctx.now)
    return {"update": update.describe(ctx.now)}


def nodegroup_of(ctx: Context, cluster_name: str, name: str) -> Nodegroup:
    nodegroup = ctx.cluster(cluster_name).nodegroups.get(name)
    if nodegroup is None:
        raise ResourceNotFoundException(f"No node group found for name: {name}.", clusterName=cluster_name,
                                        nodegroupName=name)
    return nodegroup


def _ready(ctx: Context, p: dict) -> Nodegroup:
    nodegroup = nodegroup_of(ctx, p["clusterName"], p["nodegroupName"])
    require_active(nodegroup, ctx.now, "Nodegroup", clusterName=p["clusterName"], nodegroupName=p["nodegroupName"])
    return nodegroup


def _check_version(cluster: Cluster, version: str, name: str) -> None:
    # Nodes may lag the control plane but never run ahead of it.
    if version not in KUBERNETES_VERSIONS or \
            KUBERNETES_VERSIONS.index(version) > KUBERNETES_VERSIONS.index(cluster.version):
        raise InvalidParameterException(f"Requested Nodegroup Kubernetes Version {version} is not supported on "
                                        f"cluster {cluster.name} running {cluster.version}",
                                        clusterName=cluster.name, nodegroupName=name)


def _release(requested: str | None, version: str, name: str) -> str:
    if requested is None:
        return release_version(version)
    if not requested.startswith(version + "."):
        raise InvalidParameterException(f"Requested release version {requested} is not valid for kubernetes "
                                        f"version {version}", nodegroupName=name)
    return requested


def _scaling(current: dict, requested: dict) -> dict:
    scaling = {**current, **requested}
    if not 0 <= scaling["minSize"] <= scaling["desiredSize"] <= scaling["maxSize"] or scaling["maxSize"] < 1:
        raise InvalidParameterException("Minimum capacity {minSize} can't be greater than desired size "
                                        "{desiredSize}, desired size can't be greater than maximum capacity "
                                        "{maxSize}, and maximum capacity must be at least 1".format(**scaling))
    return scaling


def _update_config(requested: dict) -> dict:
    limits = [key for key in ("maxUnavailable", "maxUnavailablePercentage") if key in requested]
    if len(limits) != 1:
        raise InvalidParameterException("updateConfig needs exactly one of maxUnavailable and "
                                        "maxUnavailablePercentage")
    return dict(requested)


def _json_params(**values) -> dict[str, str]:
    return {key: json.dumps(value) for key, value in values.items() if value}
