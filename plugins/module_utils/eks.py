# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared helpers for the EKS modules of eksforge.platform.

Two kinds of code live here:

* pure functions ("what to change") that take plain dicts and return plain data or raise
  :class:`EksPlanError`; the unit tests exercise them without AWS;
* thin AWS helpers (client with retries, describe-or-None, tag sync by ARN, waiting for
  ``describe_update``) and the common module flow, used by every EKS module.

Tags, retries and waiting in general live in tagging.py, retries.py and waiters.py.
"""

import re

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.eksforge.platform.plugins.module_utils import tagging
from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_EXCEPTION_AND_SERVER_ERRORS
from ansible_collections.eksforge.platform.plugins.module_utils.waiters import wait_for_absence
from ansible_collections.eksforge.platform.plugins.module_utils.waiters import wait_for_status
from ansible_collections.eksforge.platform.plugins.module_utils.waiters import wait_or_fail


class EksPlanError(Exception):
    """The requested state can't be reached; raised before any mutating call is made."""


# ---------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------

_K8S_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def parse_kubernetes_version(version):
    """'1.31' -> (1, 31). Refuses what YAML does to an unquoted 1.30 (the float 1.3)."""
    match = _K8S_VERSION.match(str(version).strip())
    if not match:
        raise EksPlanError(f"Kubernetes version {version!r} is not of the form MAJOR.MINOR (for example '1.31').")
    major, minor = int(match.group(1)), int(match.group(2))
    if major == 1 and minor < 10:
        # No EKS version has a one-digit minor; this is YAML reading 1.30 as the float 1.3.
        raise EksPlanError(f"Kubernetes version {version!r} looks like an unquoted YAML float; quote it, for example '1.30'.")
    return major, minor


def plan_version_change(current, desired, what="cluster"):
    """Return the version to move to, or None when nothing changes.

    EKS moves the control plane one minor version at a time and never backwards, so a skip or a
    downgrade is refused here, before any call that mutates.
    """
    if desired is None or current is None:
        return None
    cur, want = parse_kubernetes_version(current), parse_kubernetes_version(desired)
    if want == cur:
        return None
    if want < cur:
        raise EksPlanError(f"Refusing to downgrade {what} from Kubernetes {current} to {desired}: EKS cannot downgrade.")
    if want[0] != cur[0] or want[1] != cur[1] + 1:
        raise EksPlanError(
            f"Refusing to upgrade {what} from Kubernetes {current} to {desired}: EKS upgrades one minor version at a time; "
            f"upgrade to {cur[0]}.{cur[1] + 1} first."
        )
    return str(desired)


def immutable_violations(current, desired, fields):
    """Fields the user set to a value that differs from the existing resource's, which AWS can't change."""
    return [f for f in fields if desired.get(f) is not None and current.get(f) is not None and desired[f] != current[f]]


def fail_on_immutable(current, desired, fields, what):
    violations = immutable_violations(current, desired, fields)
    if violations:
        details = "; ".join(f"{f}: existing {current[f]!r}, requested {desired[f]!r}" for f in violations)
        raise EksPlanError(f"Cannot change {', '.join(violations)} of existing {what} (AWS does not allow it; recreate instead). {details}")


def merge_view(before, desired):
    """The view after applying every field the user set (None means 'not managed')."""
    after = dict(before)
    after.update({k: v for k, v in desired.items() if v is not None})
    return after


def view_diff(before, desired, tags, purge_tags):
    """{before, after} for diff mode: the current view, and it with every managed field and the tags applied."""
    before = {k: v for k, v in before.items() if v is not None}
    after = {k: v for k, v in merge_view(before, desired).items() if v is not None}
    after["tags"] = tagging.tags_after(before.get("tags"), tags, purge_tags)
    return {"before": before, "after": after}


def to_snake(resource):
    """camel_dict_to_snake_dict that leaves user-defined keys (tags, labels) untouched."""
    if not resource:
        return {}
    return camel_dict_to_snake_dict(resource, ignore_list=["tags", "labels"])


def update_failure(update):
    """Reason an EKS update failed, or None while it is in progress or successful."""
    if update.get("status") in ("Failed", "Cancelled"):
        errors = update.get("errors") or []
        detail = "; ".join(f"{e.get('errorCode')}: {e.get('errorMessage')}" for e in errors) or "no details"
        return f"update {update.get('id')} ({update.get('type')}) is {update.get('status')}: {detail}"
    return None


# ---------------------------------------------------------------------------
# AWS helpers
# ---------------------------------------------------------------------------


def eks_client(module):
    return module.client("eks", retry_decorator=THROTTLING_EXCEPTION_AND_SERVER_ERRORS)


def describe_or_none(module, method, result_key, what, **kwargs):
    """The described resource, or None when EKS says it does not exist."""
    try:
        return method(aws_retry=True, **kwargs)[result_key]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't describe {what}")


def call(module, method, what, **kwargs):
    """Run one EKS API call with retries, failing the module with context on error."""
    try:
        return method(aws_retry=True, **kwargs)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't {what}")


def paginate(module, client, operation, result_key, what, missing_ok=False, **kwargs):
    """All pages of a list/describe operation; the whole walk is retried on throttling.

    With missing_ok, a parent that does not exist (ResourceNotFoundException, for example the cluster of
    ListNodegroups) gives an empty list instead of failing.
    """

    @THROTTLING_EXCEPTION_AND_SERVER_ERRORS
    def walk():
        return client.get_paginator(operation).paginate(**kwargs).build_full_result()

    try:
        return walk().get(result_key, [])
    except is_boto3_error_code("ResourceNotFoundException") as e:
        if missing_ok:
            return []
        module.fail_json_aws(e, msg=f"Couldn't {what}")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't {what}")


def described(names, describe):
    """to_snake of each resource describe(name) finds; names gone since they were listed are left out."""
    return [to_snake(resource) for resource in map(describe, names) if resource is not None]


def sync_tags(module, client, arn, current, desired, purge_tags):
    """Tag/untag the EKS resource by ARN. Returns True when something changed (or would in check mode)."""
    return tagging.sync_tags(
        module, current, desired, purge_tags,
        tag=lambda tags: call(module, client.tag_resource, f"tag {arn}", resourceArn=arn, tags=tags),
        untag=lambda keys: call(module, client.untag_resource, f"remove tags from {arn}", resourceArn=arn, tagKeys=keys),
    )


def wait_for_update(module, client, update, **ids):
    """Poll describe_update (ids: name=cluster and optionally nodegroupName/addonName) until the update ends."""
    update_id = update["id"]

    def fetch():
        return call(module, client.describe_update, f"describe update {update_id}", updateId=update_id, **ids)["update"]

    return wait_or_fail(module, fetch, lambda u: u.get("status") == "Successful", f"EKS update {update_id} ({update.get('type')})", is_failed=update_failure)


# Statuses a resource passes through on its own; waiting ends them.
SETTLING_STATUSES = ("CREATING", "UPDATING", "PENDING")


class EksResourceRunner:
    """Common flow of the EKS modules: describe, exit with diff, delete with wait.

    Subclasses set ``what`` (for messages), ``failed_statuses``, ``ids`` (the arguments naming the resource
    in every call) with ``describe_operation``, ``result_key`` and ``delete_operation`` (or override
    ``describe``/``delete``), ``create_operation`` to use ``create``, and implement ``view`` and ``present``.
    """

    what = "resource"
    failed_statuses = ("FAILED",)
    describe_operation = result_key = delete_operation = create_operation = None

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = eks_client(module)

    def describe(self):
        return describe_or_none(self.module, getattr(self.client, self.describe_operation), self.result_key, self.what, **self.ids)

    def view(self, resource):
        raise NotImplementedError

    def delete(self, resource):
        call(self.module, getattr(self.client, self.delete_operation), f"delete {self.what}", **self.ids)

    def present(self):
        raise NotImplementedError

    def run(self):
        """Delete for state=absent, else create or update; both exit the module."""
        if self.params["state"] == "absent":
            self.absent()
        self.present()

    def wait_active(self):
        return wait_for_status(self.module, self.describe, ("ACTIVE",), self.failed_statuses + ("DELETING",), f"{self.what} to become ACTIVE")

    def settled(self, resource, refresh=False):
        """With wait, a resource still being created or updated is waited for; else re-read if asked."""
        if self.params.get("wait") and resource.get("status") in SETTLING_STATUSES:
            return self.wait_active()
        return self.describe() if refresh else resource

    def create(self, request, diff):
        """Create the missing resource and exit: no call in check mode; with wait, once it is ACTIVE."""
        if self.module.check_mode:
            self.exit(True, None, diff)
        resource = call(self.module, getattr(self.client, self.create_operation), f"create {self.what}", **request)[self.result_key]
        if self.params["wait"]:
            resource = self.wait_active()
        self.exit(True, resource, diff)

    def exit_unless_updating(self, resource, diff, planned, tags_changed):
        """Exit when there is no update to start: in check mode, or with none of the update kinds planned."""
        if self.module.check_mode or not planned:
            if not self.module.check_mode:
                resource = self.settled(resource, refresh=tags_changed)
            self.exit(bool(planned) or tags_changed, resource, diff, updates=[{"kind": kind} for kind in planned])

    def exit(self, changed, resource, diff, **extra):
        result = to_snake(resource)
        result.update(extra)
        if self.module._diff:
            result["diff"] = diff
        self.module.exit_json(changed=changed, **result)

    def start_delete(self, resource):
        """Start deleting resource (None when it is gone); returns (changed, diff). No call in check mode."""
        if resource is None:
            return False, {"before": {}, "after": {}}
        diff = {"before": self.view(resource), "after": {}}
        # A deletion already under way (started by an earlier run) is waited for but is no change.
        changed = resource.get("status") != "DELETING"
        if changed and not self.module.check_mode:
            self.delete(resource)
        return changed, diff

    def wait_deleted(self, resource):
        """With wait (and outside check mode), wait until the resource start_delete was given is gone."""
        if resource is not None and self.params.get("wait") and not self.module.check_mode:
            wait_for_absence(self.module, self.describe, f"{self.what} to be deleted")

    def absent(self):
        resource = self.describe()
        if resource is None:
            self.module.exit_json(changed=False)
        changed, diff = self.start_delete(resource)
        self.wait_deleted(resource)
        self.exit(changed, None, diff)
