# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A whole list of ECR repositories converged in one module run (used by eksforge.platform.ecr_repositories).

The repositories are read with one DescribeRepositories, then every change is planned and checked (tag
limits, encryption fixed at creation) before the first call that mutates. The planning functions are pure
and unit tested.
"""

import json

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import converge_tags
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import count_problem
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import read_tags
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import repository_arn
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import tag_problems
from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_EXCEPTION_AND_SERVER_ERRORS
from ansible_collections.eksforge.platform.plugins.module_utils.tagging import diff_tags
from ansible_collections.eksforge.platform.plugins.module_utils.tagging import tags_after

# DescribeRepositories takes at most 100 names per call.
NAMES_PER_CALL = 100


def keep_last_policy(count):
    """The lifecycle policy that keeps the last ``count`` images and expires older ones."""
    return {"rules": [{
        "rulePriority": 1,
        "description": f"Keep the last {count} images",
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": int(count)},
        "action": {"type": "expire"},
    }]}


def wanted_settings(item):
    """The settings one item of the module's ``repositories`` asks for, in the shape of current_settings."""
    lifecycle = item.get("lifecycle_policy")
    if lifecycle is None and item.get("keep_last") is not None:
        lifecycle = keep_last_policy(item["keep_last"])
    return {
        "scan_on_push": item["scan_on_push"],
        "image_tag_mutability": item["image_tag_mutability"],
        "encryption": item["encryption"],
        "kms_key": item.get("kms_key") if item["encryption"] == "KMS" else None,
        "lifecycle_policy": lifecycle,
        "policy": item.get("policy"),
        "tags": item.get("tags") or {},
    }


def current_settings(repository, lifecycle, policy, tags):
    """The settings of an existing repository (DescribeRepositories entry plus its policies and tags)."""
    encryption = repository.get("encryptionConfiguration") or {"encryptionType": "AES256"}
    return {
        "scan_on_push": repository.get("imageScanningConfiguration", {}).get("scanOnPush", False),
        "image_tag_mutability": repository.get("imageTagMutability", "MUTABLE"),
        "encryption": encryption["encryptionType"],
        "kms_key": encryption.get("kmsKey"),
        "lifecycle_policy": lifecycle,
        "policy": policy,
        "tags": tags,
    }


def encryption_problem(name, current, wanted):
    """Why the encryption asked for cannot be applied to the existing repository (fixed at creation), or None."""
    kms_arn = wanted["kms_key"] if (wanted["kms_key"] or "").startswith("arn:") and ":key/" in wanted["kms_key"] else None
    if current["encryption"] != wanted["encryption"] or (kms_arn and current["kms_key"] != kms_arn):
        have = current["encryption"] + (f" ({current['kms_key']})" if current["kms_key"] else "")
        want = wanted["encryption"] + (f" ({wanted['kms_key']})" if wanted["kms_key"] else "")
        return (f"repository {name!r}: encryption cannot change after creation ({have} exists, {want} wanted); "
                "keep the existing encryption, or delete and recreate the repository")
    return None


def policy_differs(current, wanted):
    if current is None or wanted is None:
        return current != wanted
    return compare_policies(current, wanted, default_version=None)


def setting_changes(current, wanted, purge_tags):
    """The names of the settings of an existing repository that must change (tags included)."""
    changes = [key for key in ("scan_on_push", "image_tag_mutability") if current[key] != wanted[key]]
    changes += [key for key in ("lifecycle_policy", "policy") if policy_differs(current[key], wanted[key])]
    to_set, to_unset = diff_tags(current["tags"], wanted["tags"], purge_tags)
    if to_set or to_unset:
        changes.append("tags")
    return changes


def settings_after(current, wanted, purge_tags):
    """What an existing repository looks like once converged (encryption is never changed)."""
    after = dict(wanted, encryption=current["encryption"], kms_key=current["kms_key"])
    after["tags"] = tags_after(current["tags"], wanted["tags"], purge_tags)
    return after


def carries(tags, wanted):
    """Whether ``tags`` hold every key/value of ``wanted`` (values compared as strings)."""
    return all(tags.get(key) == str(value) for key, value in wanted.items())


def registry_host(registry_id, region):
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{registry_id}.dkr.ecr.{region}.{suffix}"


def item_problems(item, purge_tags):
    """Why ECR would refuse an item's tags (checked before any call), as messages."""
    problems = [f"repository {item['name']!r}: {problem}" for problem in tag_problems(item.get("tags"))]
    if purge_tags:
        problem = count_problem(item.get("tags") or {})
        if problem:
            problems.append(f"repository {item['name']!r}: {problem}")
    return problems


class Registry:
    """The ECR registry, read and changed through a retrying client."""

    def __init__(self, module):
        self.module = module
        self.registry_id = module.params["registry_id"]
        self.client = module.client("ecr", retry_decorator=THROTTLING_EXCEPTION_AND_SERVER_ERRORS)

    def _args(self, **kwargs):
        if self.registry_id:
            kwargs["registryId"] = self.registry_id
        return kwargs

    def describe(self, names):
        """{name: DescribeRepositories entry} of the repositories of ``names`` that exist.

        DescribeRepositories with names fails as a whole (RepositoryNotFoundException) when one of them is
        missing; then the registry is listed once instead and filtered.
        """
        found = {}
        for start in range(0, len(names), NAMES_PER_CALL):
            chunk = names[start:start + NAMES_PER_CALL]
            try:
                listed = self.client.describe_repositories(aws_retry=True, **self._args(repositoryNames=chunk))
            except is_boto3_error_code("RepositoryNotFoundException"):
                return {name: repo for name, repo in self.describe_all().items() if name in names}
            found.update((repo["repositoryName"], repo) for repo in listed["repositories"])
        return found

    def describe_all(self):
        """{name: DescribeRepositories entry} of every repository of the registry."""
        @THROTTLING_EXCEPTION_AND_SERVER_ERRORS
        def pages():
            paginator = self.client.get_paginator("describe_repositories")
            return paginator.paginate(**self._args()).build_full_result()["repositories"]

        return {repo["repositoryName"]: repo for repo in pages()}

    def read(self, repository):
        """current_settings of an existing repository."""
        name = repository["repositoryName"]
        try:
            text = self.client.get_lifecycle_policy(aws_retry=True, **self._args(repositoryName=name))
            lifecycle = json.loads(text["lifecyclePolicyText"])
        except is_boto3_error_code("LifecyclePolicyNotFoundException"):
            lifecycle = None
        try:
            text = self.client.get_repository_policy(aws_retry=True, **self._args(repositoryName=name))
            policy = json.loads(text["policyText"])
        except is_boto3_error_code("RepositoryPolicyNotFoundException"):
            policy = None
        return current_settings(repository, lifecycle, policy, read_tags(self.client, repository["repositoryArn"]))

    def create(self, name, wanted, purge_tags):
        encryption = {"encryptionType": wanted["encryption"]}
        if wanted["kms_key"]:
            encryption["kmsKey"] = wanted["kms_key"]
        try:
            created = self.client.create_repository(aws_retry=True, **self._args(
                repositoryName=name, imageTagMutability=wanted["image_tag_mutability"],
                imageScanningConfiguration={"scanOnPush": wanted["scan_on_push"]},
                encryptionConfiguration=encryption, tags=ansible_dict_to_boto3_tag_list(wanted["tags"])))
        except is_boto3_error_code("RepositoryAlreadyExistsException"):
            # The create took effect but its answer was lost and botocore's retry met the repository it had made
            # (or another run made it meanwhile): converge that repository instead of failing.
            repository = self.describe([name])[name]
            current = self.read(repository)
            self.update(repository, current, wanted, setting_changes(current, wanted, purge_tags), purge_tags)
            return repository
        self.put_policies(name, {"lifecycle_policy": None, "policy": None}, wanted)
        return created["repository"]

    def update(self, repository, current, wanted, changes, purge_tags):
        name = repository["repositoryName"]
        if "scan_on_push" in changes:
            self.client.put_image_scanning_configuration(aws_retry=True, **self._args(
                repositoryName=name, imageScanningConfiguration={"scanOnPush": wanted["scan_on_push"]}))
        if "image_tag_mutability" in changes:
            self.client.put_image_tag_mutability(aws_retry=True, **self._args(
                repositoryName=name, imageTagMutability=wanted["image_tag_mutability"]))
        self.put_policies(name, current, wanted)
        if "tags" in changes:
            converge_tags(self.module, self.client, repository["repositoryArn"], current["tags"], wanted["tags"],
                          purge_tags)

    def put_policies(self, name, current, wanted):
        """Set or delete the lifecycle and repository policies that differ from ``current``."""
        if policy_differs(current["lifecycle_policy"], wanted["lifecycle_policy"]):
            if wanted["lifecycle_policy"] is None:
                self.client.delete_lifecycle_policy(aws_retry=True, **self._args(repositoryName=name))
            else:
                self.client.put_lifecycle_policy(aws_retry=True, **self._args(
                    repositoryName=name, lifecyclePolicyText=json.dumps(wanted["lifecycle_policy"])))
        if policy_differs(current["policy"], wanted["policy"]):
            if wanted["policy"] is None:
                self.client.delete_repository_policy(aws_retry=True, **self._args(repositoryName=name))
            else:
                self.client.set_repository_policy(aws_retry=True, **self._args(
                    repositoryName=name, policyText=json.dumps(wanted["policy"])))

    def delete(self, name, force):
        self.client.delete_repository(aws_retry=True, **self._args(repositoryName=name, force=force))

    def planned(self, name, registry_id):
        """ARN and URI of a repository that check mode would create."""
        account_id, partition = get_aws_account_info(self.module)
        registry_id = registry_id or account_id
        return (repository_arn(partition, self.module.region, registry_id, name),
                f"{registry_host(registry_id, self.module.region)}/{name}", registry_id)


def converge_present(module, registry):
    items, purge = module.params["repositories"], module.params["purge_tags"]
    problems = [problem for item in items for problem in item_problems(item, purge)]
    if problems:
        module.fail_json(msg="Cannot converge the ECR repositories: " + "; ".join(problems) + ".")
    existing = registry.describe([item["name"] for item in items])
    plans, problems, before, after = [], [], {}, {}
    for item in items:
        name, wanted = item["name"], wanted_settings(item)
        repository = existing.get(name)
        if repository is None:
            plans.append((name, None, None, wanted, ["create"]))
            after[name] = wanted
            continue
        current = registry.read(repository)
        problem = encryption_problem(name, current, wanted)
        if problem:
            problems.append(problem)
        count = count_problem(tags_after(current["tags"], wanted["tags"], purge))
        if count:
            problems.append(f"repository {name!r}: {count}")
        plans.append((name, repository, current, wanted, setting_changes(current, wanted, purge)))
        before[name], after[name] = current, settings_after(current, wanted, purge)
    if problems:
        module.fail_json(msg="Cannot converge the ECR repositories: " + "; ".join(problems) + ".")

    registry_id = registry.registry_id or next((repo["registryId"] for repo in existing.values()), None)
    results, created, updated = [], [], []
    for name, repository, current, wanted, changes in plans:
        if repository is None:
            created.append(name)
            if module.check_mode:
                arn, uri, registry_id = registry.planned(name, registry_id)
                results.append({"name": name, "arn": arn, "uri": uri})
                continue
            repository = registry.create(name, wanted, purge)
            registry_id = repository["registryId"]
        elif changes:
            updated.append(name)
            if not module.check_mode:
                registry.update(repository, current, wanted, changes, purge)
        results.append({"name": name, "arn": repository["repositoryArn"], "uri": repository["repositoryUri"]})
    if registry_id is None:  # nothing listed: the caller's account, so the registry URI is still known
        registry_id = get_aws_account_info(module)[0]
    return {"changed": bool(created or updated), "repositories": results, "registry_id": registry_id,
            "created": created, "updated": updated, "deleted": []}, before, after


def converge_absent(module, registry):
    names = [item["name"] for item in module.params["repositories"]]
    owned_by = module.params["delete_tagged"]
    if owned_by:
        everything = registry.describe_all()
        doomed = {name: repo for name, repo in everything.items()
                  if name in names or carries(read_tags(registry.client, repo["repositoryArn"]), owned_by)}
    else:
        doomed = registry.describe(names) if names else {}
    if not module.check_mode:
        for name in doomed:
            registry.delete(name, module.params["force_delete"])
    deleted = sorted(doomed)
    result = {"changed": bool(deleted), "repositories": [], "registry_id": registry.registry_id,
              "created": [], "updated": [], "deleted": deleted}
    return result, {name: "present" for name in deleted}, {name: "absent" for name in deleted}


def run_ecr_repositories(module):
    registry = Registry(module)
    converge = converge_present if module.params["state"] == "present" else converge_absent
    try:
        result, before, after = converge(module, registry)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Could not converge the ECR repositories")
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)
