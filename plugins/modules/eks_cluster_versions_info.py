#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_cluster_versions_info
short_description: The Kubernetes versions Amazon EKS offers
version_added: 0.2.0
description:
  - Lists the Kubernetes versions EKS offers in the region for new clusters and upgrades (C(DescribeClusterVersions)),
    newest first, with each version's support phase and default platform version.
  - The eks role reads it once before any change, so an C(eks_kubernetes_version) EKS does not offer fails first.
author:
  - eksforge maintainers (@eksforge)
options:
  versions:
    description:
      - Only these versions (such as V(1.33)). A version EKS does not offer is left out of the result, not an error.
    type: list
    elements: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The Kubernetes versions EKS offers
  eksforge.platform.eks_cluster_versions_info:
  register: offered

- name: Whether EKS offers 1.33
  eksforge.platform.eks_cluster_versions_info:
    versions: ["1.33"]
  register: wanted
"""

RETURN = r"""
cluster_versions:
  description: The versions, newest first, as C(DescribeClusterVersions) returns them with snake_case keys.
  returned: always
  type: list
  elements: dict
  contains:
    cluster_version:
      description: The Kubernetes minor version.
      type: str
      returned: always
      sample: "1.33"
    default_version:
      description: Whether EKS creates new clusters on this version when none is asked for.
      type: bool
      returned: always
    default_platform_version:
      description: The EKS platform version a new cluster of this version starts on.
      type: str
      returned: always
      sample: eks.14
    version_status:
      description: Support phase, C(STANDARD_SUPPORT) or C(EXTENDED_SUPPORT).
      type: str
      returned: always
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.eks_cluster import run_eks_cluster_versions_info


def main():
    argument_spec = dict(versions=dict(type="list", elements="str"))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_eks_cluster_versions_info(module)


if __name__ == "__main__":
    main()
