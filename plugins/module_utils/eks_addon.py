# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decision logic and orchestration of eksforge.platform.eks_addon."""

import json
import re

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksResourceRunner
from ansible_collections.eksforge.platform.plugins.module_utils.eks import call
from ansible_collections.eksforge.platform.plugins.module_utils.eks import describe_or_none
from ansible_collections.eksforge.platform.plugins.module_utils.eks import paginate
from ansible_collections.eksforge.platform.plugins.module_utils.eks import parse_kubernetes_version
from ansible_collections.eksforge.platform.plugins.module_utils.eks import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.eks import view_diff
from ansible_collections.eksforge.platform.plugins.module_utils.eks import wait_for_update

VERSION_ALIASES = ("latest", "default")


def addon_version_key(version):
    """'v1.19.0-eksbuild.1' -> (1, 19, 0, 1), so that versions sort numerically."""
    return tuple(int(n) for n in re.findall(r"\d+", version))


def compatible_addon_versions(addon_infos, addon_name, kubernetes_version):
    """[(version, is_default)] of the add-on that list kubernetes_version among their compatibilities."""
    versions = []
    for info in addon_infos or []:
        if info.get("addonName") != addon_name:
            continue
        for candidate in info.get("addonVersions") or []:
            matches = [c for c in candidate.get("compatibilities") or [] if c.get("clusterVersion") == kubernetes_version]
            if matches:
                versions.append((candidate["addonVersion"], any(c.get("defaultVersion") for c in matches)))
    return versions


def resolve_addon_version(addon_infos, addon_name, kubernetes_version, requested):
    """The exact add-on version for 'latest', 'default' or an exact version, checked against the cluster version."""
    versions = compatible_addon_versions(addon_infos, addon_name, kubernetes_version)
    if not versions:
        raise EksPlanError(f"Add-on {addon_name!r} is unknown to EKS or has no version for Kubernetes {kubernetes_version}.")
    names = sorted({v for v, dummy in versions}, key=addon_version_key)
    if requested == "latest":
        return names[-1]
    if requested == "default":
        defaults = sorted({v for v, is_default in versions if is_default}, key=addon_version_key)
        if not defaults:
            raise EksPlanError(f"EKS names no default version of add-on {addon_name!r} for Kubernetes {kubernetes_version}; set version.")
        return defaults[-1]
    if requested in names:
        return requested
    raise EksPlanError(
        f"Add-on {addon_name!r} version {requested!r} is not available for Kubernetes {kubernetes_version}; "
        f"compatible versions: {', '.join(reversed(names))}."
    )


def planning_kubernetes_version(cluster_name, cluster_version, kubernetes_version, check_mode):
    """The Kubernetes version add-on versions are resolved for.

    cluster_version is the version the cluster runs (None when it does not exist), kubernetes_version the one
    the caller says it will run (None when not given). A plan (check mode) may be made for a cluster that
    this run creates or upgrades first, so there the stated version wins; a real change must be made for
    the version the cluster actually runs.
    """
    if kubernetes_version is not None:
        parse_kubernetes_version(kubernetes_version)
    if cluster_version is None:
        if not check_mode:
            raise EksPlanError(f"Cluster {cluster_name} does not exist.")
        if kubernetes_version is None:
            raise EksPlanError(
                f"Cluster {cluster_name} does not exist; set kubernetes_version to the version it will be created with "
                "to resolve the add-on version in check mode."
            )
        return kubernetes_version
    if kubernetes_version is None or kubernetes_version == cluster_version or check_mode:
        return kubernetes_version or cluster_version
    raise EksPlanError(
        f"Cluster {cluster_name} runs Kubernetes {cluster_version}, not kubernetes_version {kubernetes_version}; "
        "upgrade the cluster first."
    )


def configuration_json(values):
    """Compact, key-sorted JSON: what the module sends as configurationValues."""
    return json.dumps(values or {}, separators=(",", ":"), sort_keys=True)


def parse_configuration(text):
    """configurationValues as EKS returns it -> dict; text that isn't JSON is kept so it compares unequal."""
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text


def association_id(association_arn):
    return association_arn.rsplit("/", 1)[-1]


def normalize_pod_identities(associations):
    """[{service_account, role_arn}] sorted, from module params or from describe_pod_identity_association."""
    if associations is None:
        return None
    return sorted(
        ({"service_account": a["service_account"], "role_arn": a["role_arn"]} for a in associations),
        key=lambda a: (a["service_account"], a["role_arn"]),
    )


def addon_view(addon, pod_identities=None):
    if not addon:
        return {}
    return {
        "version": addon.get("addonVersion"),
        "configuration_values": parse_configuration(addon.get("configurationValues")),
        "service_account_role_arn": addon.get("serviceAccountRoleArn"),
        "pod_identity_associations": normalize_pod_identities(pod_identities),
        "tags": addon.get("tags") or {},
    }


def desired_addon_view(params, resolved_version):
    return {
        "version": resolved_version,
        "configuration_values": params.get("configuration_values"),
        "service_account_role_arn": params.get("service_account_role_arn"),
        "pod_identity_associations": normalize_pod_identities(params.get("pod_identity_associations")),
        "tags": None,
    }


def pod_identity_request(associations):
    return [{"serviceAccount": a["service_account"], "roleArn": a["role_arn"]} for a in associations]


def plan_addon_update(current, desired):
    """update_addon kwargs (without cluster/add-on names and resolveConflicts); {} when nothing changes."""
    request = {}
    if desired.get("version") is not None and desired["version"] != current.get("version"):
        request["addonVersion"] = desired["version"]
    if desired.get("configuration_values") is not None and desired["configuration_values"] != current.get("configuration_values"):
        request["configurationValues"] = configuration_json(desired["configuration_values"])
    if desired.get("service_account_role_arn") is not None and desired["service_account_role_arn"] != current.get("service_account_role_arn"):
        request["serviceAccountRoleArn"] = desired["service_account_role_arn"]
    if desired.get("pod_identity_associations") is not None and desired["pod_identity_associations"] != current.get("pod_identity_associations"):
        request["podIdentityAssociations"] = pod_identity_request(desired["pod_identity_associations"])
    return request


def create_addon_request(params, desired):
    request = {"clusterName": params["cluster_name"], "addonName": params["name"], "addonVersion": desired["version"]}
    if params.get("configuration_values") is not None:
        request["configurationValues"] = configuration_json(params["configuration_values"])
    if params.get("service_account_role_arn"):
        request["serviceAccountRoleArn"] = params["service_account_role_arn"]
    if desired.get("pod_identity_associations"):
        request["podIdentityAssociations"] = pod_identity_request(desired["pod_identity_associations"])
    if params.get("resolve_conflicts"):
        request["resolveConflicts"] = params["resolve_conflicts"]
    if params.get("tags"):
        request["tags"] = {k: str(v) for k, v in params["tags"].items()}
    return request


class AddonRunner(EksResourceRunner):
    # As botocore's AddonActive waiter: a DEGRADED add-on is a failure, not something to wait out.
    failed_statuses = ("CREATE_FAILED", "UPDATE_FAILED", "DEGRADED")
    describe_operation, result_key = "describe_addon", "addon"

    def __init__(self, module):
        super().__init__(module)
        self.name = module.params["name"]
        self.cluster_name = module.params["cluster_name"]
        self.what = f"add-on {self.name} of cluster {self.cluster_name}"
        self.ids = {"clusterName": self.cluster_name, "addonName": self.name}

    def view(self, resource):
        return addon_view(resource)

    def delete(self, resource):
        call(self.module, self.client.delete_addon, f"delete {self.what}", preserve=self.params["preserve"], **self.ids)

    def resolve_version(self, requested):
        cluster = describe_or_none(self.module, self.client.describe_cluster, "cluster", f"cluster {self.cluster_name}", name=self.cluster_name)
        kubernetes_version = planning_kubernetes_version(
            self.cluster_name, (cluster or {}).get("version"), self.params.get("kubernetes_version"), self.module.check_mode
        )
        infos = paginate(
            self.module,
            self.client,
            "describe_addon_versions",
            "addons",
            f"list versions of add-on {self.name}",
            addonName=self.name,
            kubernetesVersion=kubernetes_version,
        )
        return resolve_addon_version(infos, self.name, kubernetes_version, requested)

    def current_pod_identities(self, addon):
        identities = []
        for arn in addon.get("podIdentityAssociations") or []:
            association = call(
                self.module,
                self.client.describe_pod_identity_association,
                f"describe pod identity association {arn}",
                clusterName=self.cluster_name,
                associationId=association_id(arn),
            )["association"]
            identities.append({"service_account": association["serviceAccount"], "role_arn": association["roleArn"]})
        return identities

    def present(self):
        addon = self.describe()
        requested = self.params.get("version")
        if addon is None and requested is None:
            requested = "default"
        try:
            resolved = self.resolve_version(requested) if requested else None
        except EksPlanError as e:
            self.module.fail_json(msg=str(e))
        desired = desired_addon_view(self.params, resolved)
        pod_identities = None
        if addon is not None and desired["pod_identity_associations"] is not None:
            pod_identities = self.current_pod_identities(addon)
        diff = view_diff(addon_view(addon, pod_identities), desired, self.params.get("tags"), self.params["purge_tags"])
        before = diff["before"]

        if addon is None:
            if self.module.check_mode:
                self.exit(True, None, diff)
            addon = call(self.module, self.client.create_addon, f"create {self.what}", **create_addon_request(self.params, desired))["addon"]
            if self.params["wait"]:
                addon = self.wait_active()
            self.exit(True, addon, diff)

        if addon.get("status") in ("DELETING", "DELETE_FAILED"):
            self.module.fail_json(msg=f"Add-on {self.name} is {addon['status']}; it can't be updated.")
        update = plan_addon_update(before, desired)
        tags_changed = sync_tags(self.module, self.client, addon["addonArn"], addon.get("tags"), self.params.get("tags"), self.params["purge_tags"])
        if self.module.check_mode or not update:
            if not self.module.check_mode:
                addon = self.settled(addon, refresh=tags_changed)
            self.exit(bool(update) or tags_changed, addon, diff)

        if addon.get("status") not in ("ACTIVE", "DEGRADED", "UPDATE_FAILED", "CREATE_FAILED"):
            # EKS refuses an add-on update while the add-on is being created or updated.
            self.wait_active()
        if self.params.get("resolve_conflicts"):
            update["resolveConflicts"] = self.params["resolve_conflicts"]
        started = call(self.module, self.client.update_addon, f"update {self.what}", **self.ids, **update)["update"]
        if self.params["wait"]:
            wait_for_update(self.module, self.client, started, name=self.cluster_name, addonName=self.name)
            addon = self.wait_active()
        else:
            addon = self.describe()
        self.exit(True, addon, diff, update_id=started["id"])
