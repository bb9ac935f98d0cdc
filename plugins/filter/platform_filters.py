# Copyright: eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform filters shared by the roles: ``owned_tags`` and ``aws_partition`` (documentation in <name>.yml)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

OWNERSHIP_TAG = "eksforge:platform"

# Region name prefixes of the partitions other than `aws`.
PARTITION_PREFIXES = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"))


def owned_tags(platform_tags, platform_name, *more_tags):
    """platform_tags, then each dict of more_tags in order, then the ownership tag (which always wins)."""
    if not isinstance(platform_name, str) or not platform_name:
        raise AnsibleFilterError(f"owned_tags needs platform_name as a non-empty string, got {platform_name!r}")
    merged = {}
    for position, tags in enumerate((platform_tags, *more_tags)):
        if tags is None:
            continue
        if not isinstance(tags, Mapping):
            where = "the input (platform_tags)" if position == 0 else f"tag dict #{position}"
            raise AnsibleFilterError(f"owned_tags: {where} must be a dict of tags, got {tags!r}")
        merged.update(tags)
    merged[OWNERSHIP_TAG] = platform_name
    return merged


def aws_partition(region):
    """The ARN partition of an AWS region: aws-cn for cn-*, aws-us-gov for us-gov-*, else aws."""
    if not isinstance(region, str) or not region:
        raise AnsibleFilterError(f"aws_partition needs an AWS region name such as us-east-1, got {region!r}")
    for prefix, partition in PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


class FilterModule:
    """Tags and ARNs of the platform's resources."""

    def filters(self):
        return {"owned_tags": owned_tags, "aws_partition": aws_partition}
