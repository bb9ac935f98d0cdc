#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_addon
short_description: Manage Amazon EKS add-ons
version_added: 0.1.0
description:
  - Installs, updates and deletes EKS add-ons (for example vpc-cni, coredns, kube-proxy,
    aws-ebs-csi-driver, eks-pod-identity-agent).
  - The version is resolved with C(DescribeAddonVersions) for the cluster's Kubernetes version (or, in check mode,
    O(kubernetes_version)); an unknown add-on or a version not available for that Kubernetes version fails before
    any call that mutates.
author:
  - eksforge maintainers (@eksforge)
options:
  name:
    description: Name of the add-on.
    required: true
    type: str
  state:
    description: Whether the add-on should be installed.
    choices: [present, absent]
    default: present
    type: str
  version:
    description:
      - V(latest) is the newest version available for the cluster's Kubernetes version, V(default) the one
        EKS marks as default for it, anything else an exact version such as V(v1.19.0-eksbuild.1).
      - When omitted, a new add-on gets the default version and an installed add-on keeps its version.
    type: str
  configuration_values:
    description:
      - Add-on configuration, sent as compact JSON and compared with the installed configuration as data
        (key order and formatting don't matter).
      - V({}) removes all configuration. When omitted, the configuration is left as it is.
    type: dict
  service_account_role_arn:
    description: IAM role for the add-on's service account (IAM roles for service accounts).
    type: str
  pod_identity_associations:
    description:
      - EKS Pod Identity associations owned by the add-on. Associations not listed are removed; V([]) removes all.
      - When omitted, the associations are left as they are.
    type: list
    elements: dict
    suboptions:
      service_account:
        description: Kubernetes service account of the add-on.
        type: str
        required: true
      role_arn:
        description: IAM role the service account gets.
        type: str
        required: true
  resolve_conflicts:
    description: How EKS treats fields of the add-on's Kubernetes objects that were changed outside EKS.
    type: str
    choices: [NONE, OVERWRITE, PRESERVE]
  preserve:
    description: With O(state=absent), keep the add-on's Kubernetes objects in the cluster.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eksforge.platform.eks
  - eksforge.platform.eks_addon
  - eksforge.platform.wait
  - eksforge.platform.check_mode
"""

EXAMPLES = r"""
- name: Latest vpc-cni with prefix delegation
  eksforge.platform.eks_addon:
    cluster_name: shop-dev
    name: vpc-cni
    version: latest
    configuration_values:
      env:
        ENABLE_PREFIX_DELEGATION: "true"
    resolve_conflicts: OVERWRITE

- name: EBS CSI driver with EKS Pod Identity
  eksforge.platform.eks_addon:
    cluster_name: shop-dev
    name: aws-ebs-csi-driver
    version: default
    pod_identity_associations:
      - service_account: ebs-csi-controller-sa
        role_arn: arn:aws:iam::123456789012:role/shop-dev-ebs-csi

- name: Plan an add-on for a cluster the play creates later (check mode)
  eksforge.platform.eks_addon:
    cluster_name: shop-dev
    name: coredns
    version: default
    kubernetes_version: "1.33"
  check_mode: true

- name: Remove the add-on but keep its Kubernetes objects
  eksforge.platform.eks_addon:
    cluster_name: shop-dev
    name: kube-proxy
    state: absent
    preserve: true
"""

RETURN = r"""
addon_name:
  description: Name of the add-on.
  returned: when the add-on exists
  type: str
  sample: vpc-cni
addon_arn:
  description: ARN of the add-on.
  returned: when the add-on exists
  type: str
cluster_name:
  description: Name of the cluster.
  returned: when the add-on exists
  type: str
addon_version:
  description: Installed version.
  returned: when the add-on exists
  type: str
  sample: v1.19.0-eksbuild.1
status:
  description: Status of the add-on.
  returned: when the add-on exists
  type: str
  sample: ACTIVE
configuration_values:
  description: Configuration of the add-on, as EKS stores it (a JSON or YAML string).
  returned: when set
  type: str
service_account_role_arn:
  description: IAM role of the add-on's service account.
  returned: when set
  type: str
pod_identity_associations:
  description: ARNs of the pod identity associations owned by the add-on.
  returned: when the add-on exists
  type: list
  elements: str
health:
  description: Health issues reported by EKS.
  returned: when the add-on exists
  type: dict
created_at:
  description: Creation time.
  returned: when the add-on exists
  type: str
modified_at:
  description: Last modification time.
  returned: when the add-on exists
  type: str
tags:
  description: Tags of the add-on.
  returned: when the add-on exists
  type: dict
update_id:
  description: Id of the EKS update started.
  returned: when the add-on was updated
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.eks_addon import ADDON_OPTIONS
from ansible_collections.eksforge.platform.plugins.module_utils.eks_addon import COMMON_OPTIONS
from ansible_collections.eksforge.platform.plugins.module_utils.eks_addon import AddonRunner


def main():
    module = AnsibleAWSModule(argument_spec=dict(**ADDON_OPTIONS, **COMMON_OPTIONS), supports_check_mode=True)
    AddonRunner(module).run()


if __name__ == "__main__":
    main()
