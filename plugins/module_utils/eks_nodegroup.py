# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decision logic and orchestration of eksforge.platform.eks_nodegroup."""

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksResourceRunner
from ansible_collections.eksforge.platform.plugins.module_utils.eks import call
from ansible_collections.eksforge.platform.plugins.module_utils.eks import describe_or_none
from ansible_collections.eksforge.platform.plugins.module_utils.eks import described
from ansible_collections.eksforge.platform.plugins.module_utils.eks import eks_client
from ansible_collections.eksforge.platform.plugins.module_utils.eks import fail_on_immutable
from ansible_collections.eksforge.platform.plugins.module_utils.eks import paginate
from ansible_collections.eksforge.platform.plugins.module_utils.eks import parse_kubernetes_version
from ansible_collections.eksforge.platform.plugins.module_utils.eks import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.eks import view_diff
from ansible_collections.eksforge.platform.plugins.module_utils.eks import wait_for_update

AMI_TYPES = (
    "AL2_x86_64",
    "AL2_x86_64_GPU",
    "AL2_ARM_64",
    "CUSTOM",
    "BOTTLEROCKET_ARM_64",
    "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64_FIPS",
    "BOTTLEROCKET_x86_64_FIPS",
    "BOTTLEROCKET_ARM_64_NVIDIA",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "WINDOWS_CORE_2019_x86_64",
    "WINDOWS_FULL_2019_x86_64",
    "WINDOWS_CORE_2022_x86_64",
    "WINDOWS_FULL_2022_x86_64",
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NEURON",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
)
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")

# Fixed when the nodegroup is created; a different value needs a new nodegroup.
IMMUTABLE_FIELDS = ("node_role", "subnets", "instance_types", "capacity_type", "ami_type", "disk_size", "remote_access")

SCALING_KEYS = (("min_size", "minSize"), ("max_size", "maxSize"), ("desired_size", "desiredSize"))
UPDATE_CONFIG_KEYS = (("max_unavailable", "maxUnavailable"), ("max_unavailable_percentage", "maxUnavailablePercentage"))


def normalize_taint(taint):
    result = {"key": taint["key"], "effect": taint["effect"]}
    if taint.get("value") not in (None, ""):
        result["value"] = taint["value"]
    return result


def _taint_identity(taint):
    # Kubernetes identifies a taint by key and effect; the value is what can change.
    return (taint["key"], taint["effect"])


def sorted_taints(taints):
    return sorted((normalize_taint(t) for t in taints or []), key=_taint_identity)


def nodegroup_view(nodegroup):
    if not nodegroup:
        return {}
    scaling = nodegroup.get("scalingConfig") or {}
    update = nodegroup.get("updateConfig") or {}
    remote = nodegroup.get("remoteAccess")
    template = nodegroup.get("launchTemplate")
    return {
        "node_role": nodegroup.get("nodeRole"),
        "subnets": sorted(nodegroup.get("subnets") or []),
        "instance_types": nodegroup.get("instanceTypes"),
        "capacity_type": nodegroup.get("capacityType"),
        "ami_type": nodegroup.get("amiType"),
        "disk_size": nodegroup.get("diskSize"),
        "remote_access": None if not remote else {"ec2_ssh_key": remote.get("ec2SshKey"), "source_sg": sorted(remote.get("sourceSecurityGroups") or [])},
        "launch_template": None if not template else {"id": template.get("id"), "name": template.get("name"), "version": template.get("version")},
        "scaling_config": {k: scaling.get(api) for k, api in SCALING_KEYS},
        "update_config": {k: update[api] for k, api in UPDATE_CONFIG_KEYS if update.get(api) is not None},
        "labels": dict(nodegroup.get("labels") or {}),
        "taints": sorted_taints(nodegroup.get("taints")),
        "version": nodegroup.get("version"),
        "release_version": nodegroup.get("releaseVersion"),
        "tags": nodegroup.get("tags") or {},
    }


def desired_nodegroup_view(params):
    """Module parameters in nodegroup_view's vocabulary; None = not managed."""
    remote = params.get("remote_access")
    update = params.get("update_config")
    labels = params.get("labels")
    return {
        "node_role": params.get("node_role"),
        "subnets": None if params.get("subnets") is None else sorted(params["subnets"]),
        "instance_types": params.get("instance_types"),
        "capacity_type": params.get("capacity_type"),
        "ami_type": params.get("ami_type"),
        "disk_size": params.get("disk_size"),
        "remote_access": None if not remote else {"ec2_ssh_key": remote.get("ec2_ssh_key"), "source_sg": sorted(remote.get("source_sg") or [])},
        "launch_template": params.get("launch_template"),
        "scaling_config": params.get("scaling_config"),
        "update_config": None if not update else {k: v for k, v in update.items() if v is not None},
        "labels": None if labels is None else {str(k): str(v) for k, v in labels.items()},
        "taints": None if params.get("taints") is None else sorted_taints(params["taints"]),
        "version": None if params.get("version") is None else str(params["version"]),
        "release_version": params.get("release_version"),
        "tags": None,
    }


def validate_scaling(scaling):
    low, high, want = scaling.get("min_size"), scaling.get("max_size"), scaling.get("desired_size")
    if low < 0 or high < 1:
        raise EksPlanError(f"scaling_config needs min_size >= 0 and max_size >= 1 (got min_size={low}, max_size={high}).")
    if not low <= want <= high:
        raise EksPlanError(f"scaling_config must satisfy min_size <= desired_size <= max_size (got {low} <= {want} <= {high}).")


def plan_scaling(current, desired):
    """Full scaling config after the change (EKS wants all three), validated.

    When desired_size is not given it is left to whoever scales the nodegroup (a cluster
    autoscaler, for example), only clipped into the new [min_size, max_size] range. With
    keep_desired_size, a given desired_size only sizes a nodegroup that does not exist yet.
    """
    desired = desired or {}
    if current and desired.get("keep_desired_size"):
        desired = dict(desired, desired_size=None)
    current = current or {}
    merged = {k: desired.get(k) if desired.get(k) is not None else current.get(k) for k, dummy in SCALING_KEYS}
    if merged["min_size"] is None:
        merged["min_size"] = 1
    if merged["max_size"] is None:
        merged["max_size"] = max(2, merged["min_size"])
    if desired.get("desired_size") is None:
        start = merged["desired_size"] if merged["desired_size"] is not None else merged["min_size"]
        merged["desired_size"] = min(max(start, merged["min_size"]), merged["max_size"])
    validate_scaling(merged)
    return merged


def scaling_request(scaling):
    return {api: scaling[k] for k, api in SCALING_KEYS}


def diff_labels(current, desired):
    """(labels to add or update, label keys to remove); desired None = labels not managed."""
    if desired is None:
        return {}, []
    current = current or {}
    to_set = {k: v for k, v in desired.items() if current.get(k) != v}
    to_remove = sorted(k for k in current if k not in desired)
    return to_set, to_remove


def diff_taints(current, desired):
    """(taints to add or update, taints to remove), both in API shape; desired None = not managed."""
    if desired is None:
        return [], []
    have = {_taint_identity(t): t for t in sorted_taints(current)}
    want = {_taint_identity(t): t for t in sorted_taints(desired)}
    to_set = [want[k] for k in sorted(want) if have.get(k) != want[k]]
    to_remove = [have[k] for k in sorted(have) if k not in want]
    return to_set, to_remove


def _template_reference(template):
    return {k: v for k, v in template.items() if k in ("id", "name") and v}


def check_launch_template(current, desired):
    if desired is None:
        return
    if current is None:
        raise EksPlanError("Cannot add a launch template to an existing nodegroup created without one (recreate the nodegroup).")
    for key in ("id", "name"):
        if desired.get(key) and current.get(key) and desired[key] != current[key]:
            raise EksPlanError(f"Cannot change launch_template.{key} of an existing nodegroup (existing {current[key]!r}, requested {desired[key]!r}).")


def plan_nodegroup_updates(current, desired, cluster_version=None):
    """(update_nodegroup_config kwargs, update_nodegroup_version kwargs), each {} when nothing to do."""
    fail_on_immutable(current, desired, IMMUTABLE_FIELDS, "nodegroup")
    check_launch_template(current.get("launch_template"), desired.get("launch_template"))

    config = {}
    if desired.get("scaling_config") is not None:
        scaling = plan_scaling(current.get("scaling_config"), desired["scaling_config"])
        if scaling != current.get("scaling_config"):
            config["scalingConfig"] = scaling_request(scaling)
    if desired.get("update_config") and desired["update_config"] != current.get("update_config"):
        config["updateConfig"] = {api: desired["update_config"][k] for k, api in UPDATE_CONFIG_KEYS if k in desired["update_config"]}
    labels_to_set, labels_to_remove = diff_labels(current.get("labels"), desired.get("labels"))
    if labels_to_set or labels_to_remove:
        config["labels"] = {"addOrUpdateLabels": labels_to_set, "removeLabels": labels_to_remove}
    taints_to_set, taints_to_remove = diff_taints(current.get("taints"), desired.get("taints"))
    if taints_to_set or taints_to_remove:
        config["taints"] = {"addOrUpdateTaints": taints_to_set, "removeTaints": taints_to_remove}

    version = {}
    want, have = desired.get("version"), current.get("version")
    if want is not None and want != have:
        if have is not None and parse_kubernetes_version(want) < parse_kubernetes_version(have):
            raise EksPlanError(f"Refusing to downgrade nodegroup from Kubernetes {have} to {want}: EKS cannot downgrade nodes.")
        if cluster_version is not None and parse_kubernetes_version(want) > parse_kubernetes_version(cluster_version):
            raise EksPlanError(f"Nodegroup version {want} is newer than its cluster's ({cluster_version}); upgrade the cluster first.")
        version["version"] = want
    if desired.get("release_version") is not None and desired["release_version"] != current.get("release_version"):
        version["releaseVersion"] = desired["release_version"]
    template = desired.get("launch_template")
    if template and template.get("version") is not None and template["version"] != (current.get("launch_template") or {}).get("version"):
        version["launchTemplate"] = dict(_template_reference(current["launch_template"]), version=template["version"])
    return config, version


def create_nodegroup_request(params, desired):
    missing = [p for p in ("node_role", "subnets") if not params.get(p)]
    if missing:
        raise EksPlanError(f"{' and '.join(missing)} required to create nodegroup {params['name']}.")
    if desired.get("version") is not None:
        parse_kubernetes_version(desired["version"])
    request = {
        "clusterName": params["cluster_name"],
        "nodegroupName": params["name"],
        "nodeRole": params["node_role"],
        "subnets": params["subnets"],
        "scalingConfig": scaling_request(plan_scaling(None, params.get("scaling_config"))),
    }
    optional = (
        ("instanceTypes", params.get("instance_types")),
        ("capacityType", params.get("capacity_type")),
        ("amiType", params.get("ami_type")),
        ("diskSize", params.get("disk_size")),
        ("labels", desired.get("labels")),
        ("taints", desired.get("taints")),
        ("version", desired.get("version")),
        ("releaseVersion", params.get("release_version")),
    )
    request.update({k: v for k, v in optional if v is not None})
    if desired.get("update_config"):
        request["updateConfig"] = {api: desired["update_config"][k] for k, api in UPDATE_CONFIG_KEYS if k in desired["update_config"]}
    if params.get("launch_template"):
        request["launchTemplate"] = {k: v for k, v in params["launch_template"].items() if v is not None}
    remote = params.get("remote_access")
    if remote:
        request["remoteAccess"] = {k: v for k, v in (("ec2SshKey", remote.get("ec2_ssh_key")), ("sourceSecurityGroups", remote.get("source_sg"))) if v}
    if params.get("tags"):
        request["tags"] = {k: str(v) for k, v in params["tags"].items()}
    return request


def nodegroup_diff(current, desired, params):
    before = nodegroup_view(current)
    wanted = dict(desired)
    if desired.get("scaling_config") is not None:
        # Show the full scaling config the update sends, not the partial one the user wrote.
        wanted["scaling_config"] = plan_scaling(before.get("scaling_config"), desired["scaling_config"])
    return view_diff(before, wanted, params.get("tags"), params.get("purge_tags"))


class NodegroupRunner(EksResourceRunner):
    failed_statuses = ("CREATE_FAILED", "DELETE_FAILED")
    describe_operation, result_key, delete_operation = "describe_nodegroup", "nodegroup", "delete_nodegroup"
    create_operation = "create_nodegroup"

    def __init__(self, module):
        super().__init__(module)
        self.name = module.params["name"]
        self.cluster_name = module.params["cluster_name"]
        self.what = f"nodegroup {self.name} of cluster {self.cluster_name}"
        self.ids = {"clusterName": self.cluster_name, "nodegroupName": self.name}

    def view(self, resource):
        return nodegroup_view(resource)

    def cluster_version(self):
        cluster = describe_or_none(self.module, self.client.describe_cluster, "cluster", f"cluster {self.cluster_name}", name=self.cluster_name)
        if cluster is None:
            self.module.fail_json(msg=f"Cluster {self.cluster_name} does not exist.")
        return cluster.get("version")

    def apply(self, method, kwargs, kind, wait):
        update = call(self.module, method, f"{kind} {self.what}", **self.ids, **kwargs)["update"]
        if wait:
            wait_for_update(self.module, self.client, update, name=self.cluster_name, nodegroupName=self.name)
        return {"kind": kind, "id": update["id"], "type": update.get("type")}

    def present(self):
        nodegroup = self.describe()
        desired = desired_nodegroup_view(self.params)
        config = version = request = None
        try:
            if nodegroup is None:
                request = create_nodegroup_request(self.params, desired)
            else:
                cluster_version = self.cluster_version() if desired.get("version") else None
                config, version = plan_nodegroup_updates(nodegroup_view(nodegroup), desired, cluster_version)
        except EksPlanError as e:
            self.module.fail_json(msg=str(e))
        diff = nodegroup_diff(nodegroup, desired, self.params)

        if nodegroup is None:
            self.create(request, diff)

        if nodegroup.get("status") in ("DELETING",) + self.failed_statuses:
            self.module.fail_json(msg=f"Nodegroup {self.name} is {nodegroup['status']}; it can't be updated.")
        tags_changed = sync_tags(self.module, self.client, nodegroup["nodegroupArn"], nodegroup.get("tags"), self.params.get("tags"), self.params["purge_tags"])
        planned = [kind for kind, request_kwargs in (("config", config), ("version", version)) if request_kwargs]
        self.exit_unless_updating(nodegroup, diff, planned, tags_changed)

        applied = []
        if nodegroup.get("status") != "ACTIVE":
            # EKS refuses a nodegroup update while another one is running.
            self.wait_active()
        if config:
            # The version update below can only start once this one is over.
            applied.append(self.apply(self.client.update_nodegroup_config, config, "config", self.params["wait"] or bool(version)))
        if version:
            applied.append(self.apply(self.client.update_nodegroup_version, version, "version", self.params["wait"]))
        nodegroup = self.wait_active() if self.params["wait"] else self.describe()
        self.exit(True, nodegroup, diff, updates=applied)


def run_eks_nodegroup_info(module):
    client = eks_client(module)
    cluster_name, name = module.params["cluster_name"], module.params.get("name")
    if name:
        names = [name]
    else:
        # A cluster that does not exist has no nodegroups.
        what = f"list nodegroups of cluster {cluster_name}"
        names = paginate(module, client, "list_nodegroups", "nodegroups", what, missing_ok=True, clusterName=cluster_name)

    def describe(nodegroup_name):
        what = f"nodegroup {nodegroup_name} of cluster {cluster_name}"
        return describe_or_none(module, client.describe_nodegroup, "nodegroup", what, clusterName=cluster_name, nodegroupName=nodegroup_name)

    module.exit_json(changed=False, nodegroups=described(names, describe))
