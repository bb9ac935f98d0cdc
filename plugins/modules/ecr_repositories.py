#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repositories
short_description: Create, update or delete a list of Amazon ECR repositories in one run
version_added: 0.1.0
description:
  - Converges every private ECR repository of O(repositories) in one module run (creation, scan on push, tag
    mutability, encryption set at creation, lifecycle policy, repository policy and tags).
  - Reads all the repositories with one C(DescribeRepositories); when some do not exist yet (ECR then refuses
    the whole call), lists the registry once instead.
  - Every change is planned and checked first (ECR's tag limits, encryption fixed at creation); nothing is
    changed when any repository has a problem.
  - With O(state=absent), deletes the listed repositories and, with O(delete_tagged), every repository of the
    registry that carries those tags (found with C(ListTagsForResource)), listed or not.
author:
  - eksforge maintainers (@eksforge)
options:
  repositories:
    description:
      - The repositories. With O(state=present) each is brought to exactly the settings of its item.
      - With O(state=absent) only the names are used.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Name of the repository, including any namespace (for example C(shop/front)).
        type: str
        required: true
      scan_on_push:
        description: Scan images for vulnerabilities when they are pushed.
        type: bool
        default: true
      image_tag_mutability:
        description: Whether image tags can be overwritten.
        type: str
        choices: [MUTABLE, IMMUTABLE]
        default: MUTABLE
      encryption:
        description:
          - Encryption at rest. ECR fixes it at creation; asking another one for an existing repository fails
            before any change.
        type: str
        choices: [AES256, KMS]
        default: AES256
      kms_key:
        description: KMS key (id, ARN or alias) with O(repositories[].encryption=KMS).
        type: str
      keep_last:
        description:
          - Lifecycle policy that keeps the last N images and expires older ones.
          - Ignored when O(repositories[].lifecycle_policy) is set; without either, the repository has no
            lifecycle policy.
        type: int
      lifecycle_policy:
        description: Lifecycle policy document (dict).
        type: dict
      policy:
        description: Repository policy document (dict); omitted means the repository has no policy.
        type: dict
      tags:
        description: Tags of the repository. Values are stored as strings.
        type: dict
        default: {}
  purge_tags:
    description:
      - Remove tags of the repositories that are not in their O(repositories[].tags).
      - Tags whose key starts with C(aws:) are never removed.
    type: bool
    default: true
  state:
    description: C(present) creates or updates the repositories, C(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
  delete_tagged:
    description:
      - With O(state=absent), also delete every repository of the registry that carries all these tags, for
        example the ownership tag of a platform. Repositories without them are kept.
    type: dict
  force_delete:
    description: Delete repositories that still hold images (with O(state=absent)).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - eksforge.platform.check_mode
  - eksforge.platform.ecr
notes:
  - M(eksforge.platform.ecr_repository_tags) manages the tags of one existing repository and shares this
    module's tag checks.
"""

EXAMPLES = r"""
- name: Converge the repositories of the shop
  eksforge.platform.ecr_repositories:
    repositories:
      - name: shop/front
        keep_last: 30
        tags:
          "eksforge:platform": shop-dev
      - name: shop/payments
        encryption: KMS
        kms_key: alias/ecr
        image_tag_mutability: IMMUTABLE
        keep_last: 10
  register: shop_repositories

- name: Delete them, and every other repository the platform tagged as its own
  eksforge.platform.ecr_repositories:
    repositories:
      - name: shop/front
      - name: shop/payments
    delete_tagged:
      "eksforge:platform": shop-dev
    force_delete: true
    state: absent
"""

RETURN = r"""
repositories:
  description:
    - Name, ARN and URI of each repository of O(repositories), in their order (O(state=present)).
    - Predicted for a repository that check mode would create.
  returned: success
  type: list
  elements: dict
  sample:
    - name: shop/front
      arn: arn:aws:ecr:us-east-1:123456789012:repository/shop/front
      uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/front
registry_id:
  description: Account id of the registry; null when nothing told it (nothing exists and nothing is made).
  returned: success
  type: str
  sample: "123456789012"
created:
  description: Names of the repositories created (or that would be, in check mode).
  returned: success
  type: list
  elements: str
updated:
  description: Names of the existing repositories changed (or that would be, in check mode).
  returned: success
  type: list
  elements: str
deleted:
  description: Names of the repositories deleted (or that would be, in check mode).
  returned: success
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import ECR_REGISTRY_ID
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repositories import run_ecr_repositories


def main():
    repository = dict(
        name=dict(type="str", required=True),
        scan_on_push=dict(type="bool", default=True),
        image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE"], default="MUTABLE"),
        encryption=dict(type="str", choices=["AES256", "KMS"], default="AES256"),
        kms_key=dict(type="str", no_log=False),
        keep_last=dict(type="int"),
        lifecycle_policy=dict(type="dict"),
        policy=dict(type="dict"),
        tags=dict(type="dict", default={}),
    )
    argument_spec = dict(
        repositories=dict(type="list", elements="dict", options=repository, default=[],
                          required_if=[("encryption", "KMS", ["kms_key"])]),
        purge_tags=dict(type="bool", default=True),
        delete_tagged=dict(type="dict"),
        force_delete=dict(type="bool", default=False),
        **ECR_REGISTRY_ID,
        **STATE,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_ecr_repositories(module)


if __name__ == "__main__":
    main()
