# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Decision logic and orchestration of eksforge.platform.eks_pod_identity_association."""

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksResourceRunner
from ansible_collections.eksforge.platform.plugins.module_utils.eks import call
from ansible_collections.eksforge.platform.plugins.module_utils.eks import describe_or_none
from ansible_collections.eksforge.platform.plugins.module_utils.eks import paginate
from ansible_collections.eksforge.platform.plugins.module_utils.eks import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.eks import view_diff


def association_view(association):
    if not association:
        return {}
    return {
        "namespace": association.get("namespace"),
        "service_account": association.get("serviceAccount"),
        "role_arn": association.get("roleArn"),
        "disable_session_tags": association.get("disableSessionTags"),
        "tags": association.get("tags") or {},
    }


def desired_association_view(params):
    return {
        "namespace": params["namespace"],
        "service_account": params["service_account"],
        "role_arn": params.get("role_arn"),
        "disable_session_tags": params.get("disable_session_tags"),
        "tags": None,
    }


def plan_association_update(current, desired):
    """update_pod_identity_association kwargs (without cluster and association id); {} when nothing changes."""
    request = {}
    if desired.get("role_arn") is not None and desired["role_arn"] != current.get("role_arn"):
        request["roleArn"] = desired["role_arn"]
    if desired.get("disable_session_tags") is not None and desired["disable_session_tags"] != bool(current.get("disable_session_tags")):
        request["disableSessionTags"] = desired["disable_session_tags"]
    return request


def pick_association(summaries, namespace, service_account):
    """The association of exactly this namespace/service account (the list filter is a server-side hint)."""
    for summary in summaries or []:
        if summary.get("namespace") == namespace and summary.get("serviceAccount") == service_account:
            return summary
    return None


class PodIdentityRunner(EksResourceRunner):
    def __init__(self, module):
        super().__init__(module)
        self.cluster_name = module.params["cluster_name"]
        self.namespace = module.params["namespace"]
        self.service_account = module.params["service_account"]
        self.what = f"pod identity association of {self.namespace}/{self.service_account} in cluster {self.cluster_name}"

    def describe(self):
        summaries = paginate(
            self.module,
            self.client,
            "list_pod_identity_associations",
            "associations",
            f"list pod identity associations of cluster {self.cluster_name}",
            clusterName=self.cluster_name,
            namespace=self.namespace,
            serviceAccount=self.service_account,
        )
        summary = pick_association(summaries, self.namespace, self.service_account)
        if summary is None:
            return None
        return describe_or_none(self.module, self.client.describe_pod_identity_association, "association", self.what, **self.association_ids(summary))

    def association_ids(self, association):
        """The arguments naming an association (found by its service account) in the calls that take its id."""
        return {"clusterName": self.cluster_name, "associationId": association["associationId"]}

    def view(self, resource):
        return association_view(resource)

    def delete(self, resource):
        call(self.module, self.client.delete_pod_identity_association, f"delete {self.what}", **self.association_ids(resource))

    def present(self):
        association = self.describe()
        desired = desired_association_view(self.params)
        diff = view_diff(association_view(association), desired, self.params.get("tags"), self.params["purge_tags"])

        if association is None:
            if not self.params.get("role_arn"):
                self.module.fail_json(msg=f"role_arn is required to create the {self.what}.")
            if self.module.check_mode:
                self.exit(True, None, diff)
            request = {
                "clusterName": self.cluster_name,
                "namespace": self.namespace,
                "serviceAccount": self.service_account,
                "roleArn": self.params["role_arn"],
            }
            if self.params.get("disable_session_tags") is not None:
                request["disableSessionTags"] = self.params["disable_session_tags"]
            if self.params.get("tags"):
                request["tags"] = {k: str(v) for k, v in self.params["tags"].items()}
            created = call(self.module, self.client.create_pod_identity_association, f"create {self.what}", **request)["association"]
            self.exit(True, created, diff)

        update = plan_association_update(association_view(association), desired)
        changed = sync_tags(
            self.module, self.client, association["associationArn"], association.get("tags"), self.params.get("tags"), self.params["purge_tags"]
        )
        if update and not self.module.check_mode:
            call(self.module, self.client.update_pod_identity_association, f"update {self.what}", **self.association_ids(association), **update)
        changed = changed or bool(update)
        if changed and not self.module.check_mode:
            association = self.describe()
        self.exit(changed, association, diff)
