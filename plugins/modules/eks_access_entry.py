#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_access_entry
short_description: Manage Amazon EKS access entries and their access policy associations
version_added: 0.1.0
description:
  - Creates, updates and deletes an EKS access entry of an IAM role or user, and the EKS access policies
    associated with it.
  - Access policies not listed in O(policy_associations) are disassociated unless
    O(purge_policy_associations=false).
  - The cluster's O(eksforge.platform.eks_cluster#module:authentication_mode) must be V(API) or V(API_AND_CONFIG_MAP).
author:
  - eksforge maintainers (@eksforge)
options:
  principal_arn:
    description:
      - ARN of the IAM role or IAM user (not an assumed-role session) the entry is for.
    required: true
    type: str
  state:
    description: Whether the access entry should exist.
    choices: [present, absent]
    default: present
    type: str
  type:
    description:
      - Type of the access entry. EKS uses V(STANDARD) when it is not set at creation.
      - Can't be changed on an existing entry.
    type: str
    choices: [STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, EC2, HYBRID_LINUX, HYPERPOD_LINUX]
  kubernetes_username:
    description:
      - Kubernetes user name of the principal (V(STANDARD) entries only). When omitted, EKS generates one at
        creation and it is left alone afterwards.
    type: str
  kubernetes_groups:
    description:
      - Kubernetes groups of the principal, for Kubernetes RBAC bindings (V(STANDARD) entries only).
      - When omitted, the groups are left as they are.
    type: list
    elements: str
  policy_associations:
    description:
      - EKS access policies associated with the entry, and where they apply.
      - When omitted, associations are left as they are.
    type: list
    elements: dict
    suboptions:
      policy:
        description:
          - Access policy ARN, or the short name of an EKS access policy such as V(AmazonEKSClusterAdminPolicy),
            V(AmazonEKSAdminPolicy), V(AmazonEKSEditPolicy) or V(AmazonEKSViewPolicy).
        type: str
        required: true
        aliases: [policy_arn]
      access_scope:
        description: Where the policy applies.
        type: dict
        suboptions:
          type:
            description: The whole cluster, or the listed namespaces.
            type: str
            choices: [cluster, namespace]
            default: cluster
          namespaces:
            description: Namespaces, with O(policy_associations[].access_scope.type=namespace).
            type: list
            elements: str
  purge_policy_associations:
    description: Disassociate access policies that are not listed in O(policy_associations).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eksforge.platform.eks
  - eksforge.platform.check_mode
"""

EXAMPLES = r"""
- name: Cluster admins
  eksforge.platform.eks_access_entry:
    cluster_name: shop-dev
    principal_arn: arn:aws:iam::123456789012:role/platform-admins
    policy_associations:
      - policy: AmazonEKSClusterAdminPolicy

- name: Developers may edit their namespaces and are in an RBAC group
  eksforge.platform.eks_access_entry:
    cluster_name: shop-dev
    principal_arn: arn:aws:iam::123456789012:role/shop-developers
    kubernetes_groups: [shop-developers]
    policy_associations:
      - policy: AmazonEKSEditPolicy
        access_scope:
          type: namespace
          namespaces: [shop, shop-staging]
    tags:
      eksforge:platform: shop-dev

- name: Self-managed Linux nodes
  eksforge.platform.eks_access_entry:
    cluster_name: shop-dev
    principal_arn: arn:aws:iam::123456789012:role/shop-dev-self-managed-nodes
    type: EC2_LINUX

- name: Remove an entry
  eksforge.platform.eks_access_entry:
    cluster_name: shop-dev
    principal_arn: arn:aws:iam::123456789012:role/shop-developers
    state: absent
"""

RETURN = r"""
access_entry_arn:
  description: ARN of the access entry.
  returned: when the entry exists
  type: str
cluster_name:
  description: Name of the cluster.
  returned: when the entry exists
  type: str
principal_arn:
  description: ARN of the IAM principal.
  returned: when the entry exists
  type: str
type:
  description: Type of the access entry.
  returned: when the entry exists
  type: str
  sample: STANDARD
username:
  description: Kubernetes user name of the principal.
  returned: when the entry exists
  type: str
kubernetes_groups:
  description: Kubernetes groups of the principal.
  returned: when the entry exists
  type: list
  elements: str
created_at:
  description: Creation time.
  returned: when the entry exists
  type: str
modified_at:
  description: Last modification time.
  returned: when the entry exists
  type: str
tags:
  description: Tags of the access entry.
  returned: when the entry exists
  type: dict
access_policies:
  description: Access policies associated with the entry (after the change; in check mode, as planned).
  returned: when state is present
  type: list
  elements: dict
  contains:
    policy_arn:
      description: ARN of the access policy.
      type: str
      returned: always
      sample: arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy
    access_scope:
      description: C(type) cluster or namespace, and C(namespaces).
      type: dict
      returned: always
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import EKS_CLUSTER_NAME
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import TAGS
from ansible_collections.eksforge.platform.plugins.module_utils.eks_access_entry import ENTRY_TYPES
from ansible_collections.eksforge.platform.plugins.module_utils.eks_access_entry import AccessEntryRunner


def main():
    argument_spec = dict(
        **EKS_CLUSTER_NAME,
        principal_arn=dict(type="str", required=True),
        **STATE,
        type=dict(type="str", choices=list(ENTRY_TYPES)),
        kubernetes_username=dict(type="str"),
        kubernetes_groups=dict(type="list", elements="str"),
        policy_associations=dict(
            type="list",
            elements="dict",
            options=dict(
                policy=dict(type="str", required=True, aliases=["policy_arn"]),
                access_scope=dict(
                    type="dict",
                    options=dict(
                        type=dict(type="str", choices=["cluster", "namespace"], default="cluster"),
                        namespaces=dict(type="list", elements="str"),
                    ),
                ),
            ),
        ),
        purge_policy_associations=dict(type="bool", default=True),
        **TAGS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    AccessEntryRunner(module).run()


if __name__ == "__main__":
    main()
