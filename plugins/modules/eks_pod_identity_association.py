#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_pod_identity_association
short_description: Manage Amazon EKS Pod Identity associations
version_added: 0.1.0
description:
  - Creates, updates and deletes the EKS Pod Identity association of a Kubernetes service account,
    identified by cluster, namespace and service account.
  - The IAM role and session tag setting of an existing association are updated in place.
  - Pods get the role's credentials through the eks-pod-identity-agent add-on.
author:
  - eksforge maintainers (@eksforge)
options:
  namespace:
    description: Kubernetes namespace of the service account.
    required: true
    type: str
  service_account:
    description: Name of the Kubernetes service account.
    required: true
    type: str
  role_arn:
    description: ARN of the IAM role the service account's pods get. Required to create an association.
    type: str
  disable_session_tags:
    description: Whether EKS leaves out the session tags it adds to the role's sessions.
    type: bool
  state:
    description: Whether the association should exist.
    choices: [present, absent]
    default: present
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eksforge.platform.eks
  - eksforge.platform.check_mode
"""

EXAMPLES = r"""
- name: Let the shop's orders service read its queue
  eksforge.platform.eks_pod_identity_association:
    cluster_name: shop-dev
    namespace: shop
    service_account: orders
    role_arn: arn:aws:iam::123456789012:role/shop-dev-orders
    tags:
      eksforge:platform: shop-dev

- name: Remove the association
  eksforge.platform.eks_pod_identity_association:
    cluster_name: shop-dev
    namespace: shop
    service_account: orders
    state: absent
"""

RETURN = r"""
association_id:
  description: Id of the association.
  returned: when the association exists
  type: str
  sample: a-0123456789abcdef0
association_arn:
  description: ARN of the association.
  returned: when the association exists
  type: str
cluster_name:
  description: Name of the cluster.
  returned: when the association exists
  type: str
namespace:
  description: Kubernetes namespace.
  returned: when the association exists
  type: str
service_account:
  description: Kubernetes service account.
  returned: when the association exists
  type: str
role_arn:
  description: ARN of the IAM role.
  returned: when the association exists
  type: str
disable_session_tags:
  description: Whether session tags are disabled.
  returned: when EKS returns it
  type: bool
owner_arn:
  description: ARN of the EKS add-on that owns the association, if any.
  returned: when owned by an add-on
  type: str
created_at:
  description: Creation time.
  returned: when the association exists
  type: str
modified_at:
  description: Last modification time.
  returned: when the association exists
  type: str
tags:
  description: Tags of the association.
  returned: when the association exists
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import EKS_CLUSTER_NAME
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import TAGS
from ansible_collections.eksforge.platform.plugins.module_utils.eks_pod_identity_association import PodIdentityRunner


def main():
    argument_spec = dict(
        **EKS_CLUSTER_NAME,
        namespace=dict(type="str", required=True),
        service_account=dict(type="str", required=True),
        role_arn=dict(type="str"),
        disable_session_tags=dict(type="bool"),
        **STATE,
        **TAGS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    PodIdentityRunner(module).run()


if __name__ == "__main__":
    main()
