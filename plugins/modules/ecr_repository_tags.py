#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository_tags
short_description: Manage the tags of an Amazon ECR repository
version_added: 0.1.0
description:
  - Sets and removes the tags of an existing private ECR repository, found by name, with
    C(ListTagsForResource), C(TagResource) and C(UntagResource).
  - Fills a gap of M(community.aws.ecs_ecr), which creates and configures repositories but cannot tag them;
    run this module after it.
  - Tags are checked against ECR's limits (keys 1 to 128 characters, values up to 256 characters, no C(aws:)
    prefix, at most 50 tags per repository) before any call that mutates.
author:
  - eksforge maintainers (@eksforge)
options:
  name:
    description: Name of the repository, including any namespace (for example C(shop/front)).
    required: true
    type: str
    aliases: [repository_name]
  tags:
    description:
      - The tags the repository must carry, as a dictionary. Values are stored as strings.
      - With O(purge_tags=true), C(tags={}) removes every tag.
    required: true
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags of the repository that are not in O(tags).
      - Tags whose key starts with C(aws:) are never removed.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - eksforge.platform.check_mode
  - eksforge.platform.ecr
notes:
  - A repository that does not exist fails the task, except in check mode, where an earlier task of the same
    check run (M(community.aws.ecs_ecr)) would have created it; the module then reports the tags it would set,
    starting from none, and predicts RV(repository_arn) from C(sts:GetCallerIdentity).
"""

EXAMPLES = r"""
- name: Create the repository (community.aws.ecs_ecr cannot tag it)
  community.aws.ecs_ecr:
    name: shop/front
    scan_on_push: true

- name: Tag it with the platform's tags; tags not listed are removed
  eksforge.platform.ecr_repository_tags:
    name: shop/front
    tags:
      "eksforge:platform": shop-dev
      team: storefront

- name: Add one tag and keep the others
  eksforge.platform.ecr_repository_tags:
    name: shop/front
    tags:
      cost-center: "4711"
    purge_tags: false

- name: Remove every tag
  eksforge.platform.ecr_repository_tags:
    name: shop/front
    tags: {}
"""

RETURN = r"""
repository_arn:
  description:
    - ARN of the repository.
    - Predicted from the caller's account when check mode runs before the repository exists.
  returned: success
  type: str
  sample: arn:aws:ecr:us-east-1:123456789012:repository/shop/front
tags:
  description: The tags of the repository after the task (what they would be, in check mode).
  returned: success
  type: dict
  sample:
    "eksforge:platform": shop-dev
    team: storefront
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import ECR_REGISTRY_ID
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import run_ecr_repository_tags


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["repository_name"]),
        tags=dict(type="dict", required=True, aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        **ECR_REGISTRY_ID,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_ecr_repository_tags(module)


if __name__ == "__main__":
    main()
