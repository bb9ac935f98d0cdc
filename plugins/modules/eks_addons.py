#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_addons
short_description: Manage a list of Amazon EKS add-ons in one call
version_added: 0.1.0
description:
  - Converges several add-ons of one cluster as M(eksforge.platform.eks_addon) does for one, in one module run.
  - The cluster is read once. Every add-on is planned first (each version resolved with C(DescribeAddonVersions)), so an
    unknown add-on or a version not available fails before any call that mutates; then every creation, update or
    deletion is started, and only then each is waited for.
author:
  - eksforge maintainers (@eksforge)
options:
  addons:
    description: The add-ons, each with the options of M(eksforge.platform.eks_addon).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the add-on.
        type: str
        required: true
      state:
        description: Whether the add-on should be installed.
        type: str
        choices: [present, absent]
        default: present
      version:
        description:
          - V(latest), V(default) or an exact version, resolved as M(eksforge.platform.eks_addon) does.
          - When omitted, a new add-on gets the default version and an installed add-on keeps its version.
        type: str
      configuration_values:
        description: Add-on configuration, compared with the installed one as data; V({}) removes it, omitted leaves it.
        type: dict
      service_account_role_arn:
        description: IAM role for the add-on's service account (IRSA).
        type: str
      pod_identity_associations:
        description: EKS Pod Identity associations owned by the add-on; V([]) removes all, omitted leaves them.
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
        description: With O(addons[].state=absent), keep the add-on's Kubernetes objects in the cluster.
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
- name: Networking add-ons before the nodegroups
  eksforge.platform.eks_addons:
    cluster_name: shop-dev
    kubernetes_version: "1.33"
    addons:
      - name: vpc-cni
        version: latest
        configuration_values:
          env:
            ENABLE_PREFIX_DELEGATION: "true"
        resolve_conflicts: OVERWRITE
      - name: kube-proxy
        version: default
      - name: aws-ebs-csi-driver
        state: absent
"""

RETURN = r"""
addons:
  description: Each add-on of O(addons), in order, as M(eksforge.platform.eks_addon) returns it (empty when absent).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the add-on.
      type: str
      sample: vpc-cni
    state:
      description: The state asked for.
      type: str
      sample: present
    changed:
      description: Whether this add-on changed (or would in check mode).
      type: bool
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
    update_id:
      description: Id of the EKS update started.
      returned: when the add-on was updated
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.eks_addon import ADDON_OPTIONS
from ansible_collections.eksforge.platform.plugins.module_utils.eks_addon import COMMON_OPTIONS
from ansible_collections.eksforge.platform.plugins.module_utils.eks_addon import AddonsRunner


def main():
    argument_spec = dict(addons=dict(type="list", elements="dict", required=True, options=ADDON_OPTIONS), **COMMON_OPTIONS)
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    AddonsRunner(module).run()


if __name__ == "__main__":
    main()
