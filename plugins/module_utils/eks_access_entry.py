# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decision logic and orchestration of eksforge.platform.eks_access_entry."""

import re

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksResourceRunner
from ansible_collections.eksforge.platform.plugins.module_utils.eks import call
from ansible_collections.eksforge.platform.plugins.module_utils.eks import paginate
from ansible_collections.eksforge.platform.plugins.module_utils.eks import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.eks import view_diff

ENTRY_TYPES = ("STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")

_PRINCIPAL_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)/[\w+=,.@/-]+$")


def principal_partition(principal_arn):
    """The ARN's partition; refuses anything but an IAM role or user ARN (what access entries accept)."""
    match = _PRINCIPAL_ARN.match(principal_arn or "")
    if not match:
        raise EksPlanError(
            f"principal_arn {principal_arn!r} is not an IAM role or user ARN (arn:aws:iam::123456789012:role/NAME or "
            f"arn:aws:iam::123456789012:user/NAME); assumed-role session ARNs are not accepted by EKS."
        )
    return match.group(1)


def access_policy_arn(policy, partition="aws"):
    """A full access policy ARN, or the ARN of an EKS managed policy given by its short name."""
    if policy.startswith("arn:"):
        return policy
    return f"arn:{partition}:eks::aws:cluster-access-policy/{policy}"


def normalize_scope(scope_type, namespaces):
    if scope_type == "cluster":
        if namespaces:
            raise EksPlanError("access_scope.namespaces is only valid with access_scope.type namespace.")
        return {"type": "cluster"}
    if not namespaces:
        raise EksPlanError("access_scope.type namespace needs at least one namespace.")
    return {"type": "namespace", "namespaces": sorted(set(namespaces))}


def desired_policy_associations(policy_associations, partition):
    """{policy ARN: access scope} from the module parameter; None = not managed."""
    if policy_associations is None:
        return None
    result = {}
    for item in policy_associations:
        arn = access_policy_arn(item["policy"], partition)
        if arn in result:
            raise EksPlanError(f"Access policy {arn} is listed more than once; list its namespaces in one entry.")
        scope = item.get("access_scope") or {}
        result[arn] = normalize_scope(scope.get("type") or "cluster", scope.get("namespaces"))
    return result


def current_policy_associations(associated):
    """{policy ARN: access scope} from list_associated_access_policies."""
    result = {}
    for item in associated or []:
        scope = item.get("accessScope") or {}
        scope_type = scope.get("type") or "cluster"
        namespaces = scope.get("namespaces") if scope_type == "namespace" else None
        result[item["policyArn"]] = {"type": "cluster"} if scope_type == "cluster" else {"type": "namespace", "namespaces": sorted(set(namespaces or []))}
    return result


def plan_policy_associations(current, desired, purge):
    """([(policy ARN, scope)] to associate (new or changed scope), [policy ARN] to disassociate)."""
    if desired is None:
        return [], []
    to_associate = [(arn, scope) for arn, scope in sorted(desired.items()) if current.get(arn) != scope]
    to_disassociate = sorted(arn for arn in current if arn not in desired) if purge else []
    return to_associate, to_disassociate


def entry_view(entry, associations=None):
    if not entry:
        return {}
    view = {
        "type": entry.get("type"),
        "kubernetes_username": entry.get("username"),
        "kubernetes_groups": sorted(entry.get("kubernetesGroups") or []),
        "tags": entry.get("tags") or {},
    }
    if associations is not None:
        view["policy_associations"] = associations
    return view


def desired_entry_view(params):
    groups = params.get("kubernetes_groups")
    return {
        "type": params.get("type"),
        "kubernetes_username": params.get("kubernetes_username"),
        "kubernetes_groups": None if groups is None else sorted(set(groups)),
        "tags": None,
    }


def validate_entry(desired):
    entry_type = desired.get("type") or "STANDARD"
    if entry_type != "STANDARD" and (desired.get("kubernetes_groups") or desired.get("kubernetes_username")):
        raise EksPlanError(f"kubernetes_groups and kubernetes_username can only be set on STANDARD access entries, not {entry_type}.")


def plan_entry_update(current, desired):
    """update_access_entry kwargs (without cluster and principal); {} when nothing changes."""
    if desired.get("type") is not None and desired["type"] != current.get("type"):
        raise EksPlanError(f"Cannot change the type of an existing access entry from {current.get('type')} to {desired['type']} (delete it first).")
    request = {}
    if desired.get("kubernetes_groups") is not None and desired["kubernetes_groups"] != current.get("kubernetes_groups"):
        request["kubernetesGroups"] = desired["kubernetes_groups"]
    if desired.get("kubernetes_username") is not None and desired["kubernetes_username"] != current.get("kubernetes_username"):
        request["username"] = desired["kubernetes_username"]
    return request


def policies_view(associations):
    return [{"policy_arn": arn, "access_scope": scope} for arn, scope in sorted((associations or {}).items())]


class AccessEntryRunner(EksResourceRunner):
    describe_operation, result_key, delete_operation = "describe_access_entry", "accessEntry", "delete_access_entry"

    def __init__(self, module):
        super().__init__(module)
        self.cluster_name = module.params["cluster_name"]
        self.principal_arn = module.params["principal_arn"]
        self.what = f"access entry {self.principal_arn} of cluster {self.cluster_name}"
        self.ids = {"clusterName": self.cluster_name, "principalArn": self.principal_arn}

    def view(self, resource):
        return entry_view(resource)

    def associations(self):
        listed = paginate(
            self.module, self.client, "list_associated_access_policies", "associatedAccessPolicies", f"list access policies of {self.what}", **self.ids
        )
        return current_policy_associations(listed)

    def exit_with_policies(self, changed, diff):
        entry = self.describe()
        policies = policies_view(self.associations()) if entry is not None else []
        self.exit(changed, entry, diff, access_policies=policies)

    def present(self):
        entry = self.describe()
        try:
            partition = principal_partition(self.principal_arn)
            desired = desired_entry_view(self.params)
            validate_entry(dict(desired, type=desired["type"] or (entry or {}).get("type")))
            wanted_policies = desired_policy_associations(self.params.get("policy_associations"), partition)
            update = plan_entry_update(entry_view(entry), desired) if entry is not None else {}
        except EksPlanError as e:
            self.module.fail_json(msg=str(e))
        current_policies = self.associations() if entry is not None else {}
        to_associate, to_disassociate = plan_policy_associations(current_policies, wanted_policies, self.params["purge_policy_associations"])

        planned_policies = {arn: scope for arn, scope in current_policies.items() if arn not in to_disassociate}
        planned_policies.update(dict(to_associate))
        current_view = entry_view(entry, policies_view(current_policies) if entry is not None else None)
        diff = view_diff(current_view, dict(desired, policy_associations=policies_view(planned_policies)), self.params.get("tags"), self.params["purge_tags"])

        changed = entry is None or bool(update or to_associate or to_disassociate)
        if entry is None:
            if not self.module.check_mode:
                request = dict(self.ids)
                optional = (
                    ("type", self.params.get("type")),
                    ("username", self.params.get("kubernetes_username")),
                    ("kubernetesGroups", desired.get("kubernetes_groups")),
                    ("tags", {k: str(v) for k, v in self.params["tags"].items()} if self.params.get("tags") else None),
                )
                request.update({k: v for k, v in optional if v is not None})
                call(self.module, self.client.create_access_entry, f"create {self.what}", **request)
        else:
            changed |= sync_tags(self.module, self.client, entry["accessEntryArn"], entry.get("tags"), self.params.get("tags"), self.params["purge_tags"])
            if update and not self.module.check_mode:
                call(self.module, self.client.update_access_entry, f"update {self.what}", **self.ids, **update)

        if not self.module.check_mode:
            for arn, scope in to_associate:
                what = f"associate {arn} with {self.what}"
                call(self.module, self.client.associate_access_policy, what, policyArn=arn, accessScope=dict(scope), **self.ids)
            for arn in to_disassociate:
                call(self.module, self.client.disassociate_access_policy, f"disassociate {arn} from {self.what}", policyArn=arn, **self.ids)
        if self.module.check_mode:
            self.exit(changed, entry, diff, access_policies=diff["after"]["policy_associations"])
        if changed:
            self.exit_with_policies(changed, diff)
        self.exit(False, entry, diff, access_policies=diff["before"].get("policy_associations", []))
