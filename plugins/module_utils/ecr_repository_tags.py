# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags of an existing ECR repository (used by eksforge.platform.ecr_repository_tags).

community.aws.ecs_ecr cannot tag repositories; this fills that gap with ListTagsForResource,
UntagResource and TagResource. The limit checks are pure and unit tested; they run before any
mutating call, so check mode reports the same refusal a real run would meet.
"""

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_EXCEPTION_AND_SERVER_ERRORS
from ansible_collections.eksforge.platform.plugins.module_utils.tagging import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.tagging import tags_after

# ECR's documented tag limits (TagResource / CreateRepository: InvalidTagParameterException, TooManyTagsException).
MAX_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
# Keys under this prefix belong to AWS: users cannot set them, they don't count towards MAX_TAGS,
# and compare_aws_tags never purges them.
RESERVED_PREFIX = "aws:"


def tag_problems(tags):
    """Why ECR would refuse to set ``tags`` (key/value limits, reserved keys), as messages; [] if none."""
    problems = []
    for key, value in (tags or {}).items():
        key = str(key)
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            problems.append(f"tag key {key!r} must be 1 to {MAX_KEY_LENGTH} characters long")
        if key.lower().startswith(RESERVED_PREFIX):
            problems.append(f"tag key {key!r} uses the prefix {RESERVED_PREFIX!r}, reserved for AWS")
        if len(str(value)) > MAX_VALUE_LENGTH:
            problems.append(f"the value of tag {key!r} is longer than {MAX_VALUE_LENGTH} characters")
    return problems


def count_problem(tags):
    """Why ECR would refuse a repository carrying ``tags`` (too many), or None."""
    counted = [key for key in tags if not key.lower().startswith(RESERVED_PREFIX)]
    if len(counted) > MAX_TAGS:
        return f"the repository would carry {len(counted)} tags; ECR allows at most {MAX_TAGS}"
    return None


def repository_arn(partition, region, registry_id, name):
    return f"arn:{partition}:ecr:{region}:{registry_id}:repository/{name}"


def read_tags(client, arn):
    """The tags of the repository ``arn`` as a dict (client made with a retry_decorator)."""
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags", []))


def converge_tags(module, client, arn, before, wanted, purge):
    """Bring the tags of repository ``arn`` from ``before`` to ``wanted``; True when they change (or would)."""
    return sync_tags(
        module, before, wanted, purge,
        tag=lambda tags: client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True),
        untag=lambda keys: client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True),
    )


class RepositoryTags:
    """One repository, found by name through a retrying ECR client."""

    def __init__(self, module):
        self.module = module
        self.name = module.params["name"]
        self.registry_id = module.params["registry_id"]
        self.client = module.client("ecr", retry_decorator=THROTTLING_EXCEPTION_AND_SERVER_ERRORS)

    def find_arn(self):
        """The repository's ARN, or None when it does not exist."""
        kwargs = {"repositoryNames": [self.name]}
        if self.registry_id:
            kwargs["registryId"] = self.registry_id
        try:
            found = self.client.describe_repositories(aws_retry=True, **kwargs)["repositories"]
        except is_boto3_error_code("RepositoryNotFoundException"):
            return None
        return found[0]["repositoryArn"]

    def planned_arn(self):
        """The ARN a repository that check mode expects an earlier task to create will have."""
        account_id, partition = get_aws_account_info(self.module)
        return repository_arn(partition, self.module.region, self.registry_id or account_id, self.name)


def sync_repository_tags(module, repository):
    """(changed, arn, tags before, tags after) for the module's tags and purge_tags."""
    wanted, purge = module.params["tags"], module.params["purge_tags"]
    arn = repository.find_arn()
    if arn is None:
        if not module.check_mode:
            module.fail_json(
                msg=f"ECR repository {repository.name!r} does not exist in registry "
                f"{repository.registry_id or 'of the caller'}; create it first (community.aws.ecs_ecr)."
            )
        arn, before = repository.planned_arn(), {}
    else:
        before = read_tags(repository.client, arn)
    after = tags_after(before, wanted, purge)
    problem = count_problem(after)
    if problem:
        module.fail_json(msg=f"Cannot tag ECR repository {repository.name!r}: {problem}.")
    changed = converge_tags(module, repository.client, arn, before, wanted, purge)
    if changed and not module.check_mode:
        after = read_tags(repository.client, arn)
    return changed, arn, before, after


def run_ecr_repository_tags(module):
    problems = tag_problems(module.params["tags"])
    if problems:
        module.fail_json(msg="Invalid tags: " + "; ".join(problems) + ".")
    repository = RepositoryTags(module)
    try:
        changed, arn, before, after = sync_repository_tags(module, repository)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Could not manage the tags of ECR repository {repository.name!r}")
    result = {"changed": changed, "repository_arn": arn, "tags": after}
    if module._diff:
        result["diff"] = {"before": {"tags": before}, "after": {"tags": after}}
    module.exit_json(**result)
