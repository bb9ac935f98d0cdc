# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decision logic and orchestration of eksforge.platform.eks_addon."""

import json
import re

from collections import namedtuple

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import EKS_CLUSTER_NAME
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import TAGS
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import wait
from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksResourceRunner
from ansible_collections.eksforge.platform.plugins.module_utils.eks import call
from ansible_collections.eksforge.platform.plugins.module_utils.eks import describe_or_none
from ansible_collections.eksforge.platform.plugins.module_utils.eks import eks_client
from ansible_collections.eksforge.platform.plugins.module_utils.eks import paginate
from ansible_collections.eksforge.platform.plugins.module_utils.eks import parse_kubernetes_version
from ansible_collections.eksforge.platform.plugins.module_utils.eks import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.eks import to_snake
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


# What AddonRunner.plan decided for one add-on: the add-on as described (None: missing), the desired view,
# the diff and the update_addon request ({} when nothing changes; None for a new add-on).
AddonPlan = namedtuple("AddonPlan", "addon desired diff update")

# Not read yet (None means: read, and the cluster does not exist).
_UNREAD = object()


class AddonRunner(EksResourceRunner):
    """One add-on. eks_addon runs it whole; eks_addons plans every add-on first, then starts and finishes each.

    params defaults to the module's; eks_addons passes each add-on's options merged with its common ones, with
    the one client and the cluster it read once.
    """

    # As botocore's AddonActive waiter: a DEGRADED add-on is a failure, not something to wait out.
    failed_statuses = ("CREATE_FAILED", "UPDATE_FAILED", "DEGRADED")
    describe_operation, result_key = "describe_addon", "addon"

    def __init__(self, module, params=None, client=None, cluster=_UNREAD):
        self.module = module
        self.params = params if params is not None else module.params
        self.client = client or eks_client(module)
        self.name = self.params["name"]
        self.cluster_name = self.params["cluster_name"]
        self.what = f"add-on {self.name} of cluster {self.cluster_name}"
        self.ids = {"clusterName": self.cluster_name, "addonName": self.name}
        self.cluster = cluster

    def view(self, resource):
        return addon_view(resource)

    def delete(self, resource):
        call(self.module, self.client.delete_addon, f"delete {self.what}", preserve=self.params["preserve"], **self.ids)

    def resolve_version(self, requested):
        if self.cluster is _UNREAD:
            self.cluster = read_cluster(self.module, self.client, self.cluster_name)
        kubernetes_version = planning_kubernetes_version(
            self.cluster_name, (self.cluster or {}).get("version"), self.params.get("kubernetes_version"), self.module.check_mode
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

    def plan(self):
        """Read-only: what state=present changes. Raises EksPlanError for a version EKS does not offer."""
        addon = self.describe()
        requested = self.params.get("version")
        if addon is None and requested is None:
            requested = "default"
        resolved = self.resolve_version(requested) if requested else None
        desired = desired_addon_view(self.params, resolved)
        pod_identities = None
        if addon is not None and desired["pod_identity_associations"] is not None:
            pod_identities = self.current_pod_identities(addon)
        diff = view_diff(addon_view(addon, pod_identities), desired, self.params.get("tags"), self.params["purge_tags"])
        if addon is None:
            return AddonPlan(None, desired, diff, None)
        if addon.get("status") in ("DELETING", "DELETE_FAILED"):
            raise EksPlanError(f"Add-on {self.name} is {addon['status']}; it can't be updated.")
        return AddonPlan(addon, desired, diff, plan_addon_update(diff["before"], desired))

    def start(self, plan):
        """Create, tag or update as planned, without waiting for the result; no call in check mode.

        Returns (changed, add-on, the update started or None).
        """
        addon = plan.addon
        if addon is None:
            if not self.module.check_mode:
                addon = call(self.module, self.client.create_addon, f"create {self.what}", **create_addon_request(self.params, plan.desired))["addon"]
            return True, addon, None
        tags_changed = sync_tags(self.module, self.client, addon["addonArn"], addon.get("tags"), self.params.get("tags"), self.params["purge_tags"])
        if self.module.check_mode or not plan.update:
            if tags_changed and not self.module.check_mode:
                addon = self.describe()
            return bool(plan.update) or tags_changed, addon, None
        if addon.get("status") not in ("ACTIVE", "DEGRADED", "UPDATE_FAILED", "CREATE_FAILED"):
            # EKS refuses an add-on update while the add-on is being created or updated.
            self.wait_active()
        update = dict(plan.update)
        if self.params.get("resolve_conflicts"):
            update["resolveConflicts"] = self.params["resolve_conflicts"]
        started = call(self.module, self.client.update_addon, f"update {self.what}", **self.ids, **update)["update"]
        return True, addon, started

    def finish(self, addon, started):
        """With wait, the add-on once its update (or creation) has ended; else as it is now."""
        if self.module.check_mode or addon is None:
            return addon
        if started is None:
            return self.settled(addon)
        if not self.params["wait"]:
            return self.describe()
        wait_for_update(self.module, self.client, started, name=self.cluster_name, addonName=self.name)
        return self.wait_active()

    def present(self):
        try:
            plan = self.plan()
        except EksPlanError as e:
            self.module.fail_json(msg=str(e))
        changed, addon, started = self.start(plan)
        addon = self.finish(addon, started)
        self.exit(changed, addon, plan.diff, **({"update_id": started["id"]} if started else {}))


def read_cluster(module, client, cluster_name):
    return describe_or_none(module, client.describe_cluster, "cluster", f"cluster {cluster_name}", name=cluster_name)


class AddonsRunner:
    """eks_addons: every add-on of the list is planned (read-only) before the first change, then every change is
    started, then each is waited for, so the add-ons converge together. The cluster is read once."""

    def __init__(self, module):
        self.module = module
        client = eks_client(module)
        common = {k: module.params[k] for k in COMMON_OPTIONS}
        names = [a["name"] for a in module.params["addons"]]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            module.fail_json(msg=f"addons names each add-on once; repeated: {', '.join(duplicates)}.")
        needs_version = any(a["state"] == "present" for a in module.params["addons"])
        cluster = read_cluster(module, client, common["cluster_name"]) if needs_version else None
        self.runners = [AddonRunner(module, {**addon, **common}, client, cluster) for addon in module.params["addons"]]

    def plan(self, runner):
        if runner.params["state"] == "absent":
            return runner.describe()
        return runner.plan()

    def start(self, runner, plan):
        if runner.params["state"] == "absent":
            changed, diff = runner.start_delete(plan)
            return changed, diff, None
        changed, addon, started = runner.start(plan)
        return changed, plan.diff, (addon, started)

    def finish(self, runner, plan, progress):
        if runner.params["state"] == "absent":
            runner.wait_deleted(plan)
            return {}
        addon, started = progress
        result = to_snake(runner.finish(addon, started))
        if started:
            result["update_id"] = started["id"]
        return result

    def run(self):
        plans, problems = [], []
        for runner in self.runners:
            try:
                plans.append(self.plan(runner))
            except EksPlanError as e:
                problems.append(str(e))
        if problems:
            self.module.fail_json(msg=" ".join(problems))
        started = [self.start(runner, plan) for runner, plan in zip(self.runners, plans)]
        results = []
        for runner, plan, (changed, diff, progress) in zip(self.runners, plans, started):
            result = self.finish(runner, plan, progress)
            results.append(dict(result, name=runner.name, state=runner.params["state"], changed=changed))
        output = {"changed": any(r["changed"] for r in results), "addons": results}
        if self.module._diff:
            output["diff"] = {
                "before": {r.name: d["before"] for r, (dummy, d, dummy2) in zip(self.runners, started)},
                "after": {r.name: d["after"] for r, (dummy, d, dummy2) in zip(self.runners, started)},
            }
        self.module.exit_json(**output)


# The options of eks_addon and eks_addons beside the add-on's own (doc fragments eksforge.platform.eks,
# eks_addon, amazon.aws.tags and wait); eks_addons applies them to every add-on of its list.
COMMON_OPTIONS = dict(
    **EKS_CLUSTER_NAME,
    kubernetes_version=dict(type="str"),
    **TAGS,
    # Add-ons settle within minutes; the eks_addon fragment documents this default.
    **wait(900),
)

# The options of one add-on: eks_addon's own, and each item of eks_addons' addons.
ADDON_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    version=dict(type="str"),
    configuration_values=dict(type="dict"),
    service_account_role_arn=dict(type="str"),
    pod_identity_associations=dict(
        type="list",
        elements="dict",
        options=dict(service_account=dict(type="str", required=True), role_arn=dict(type="str", required=True)),
    ),
    resolve_conflicts=dict(type="str", choices=["NONE", "OVERWRITE", "PRESERVE"]),
    preserve=dict(type="bool", default=False),
)
