#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_nodegroup_info
short_description: Describe the managed nodegroups of an Amazon EKS cluster
version_added: 0.1.0
description:
  - Describes one managed nodegroup of an EKS cluster by name, or every nodegroup of the cluster.
  - Each nodegroup has the keys M(eksforge.platform.eks_nodegroup) returns, so the results can be filtered by
    their tags, for example to find the nodegroups a platform made.
author:
  - eksforge maintainers (@eksforge)
options:
  cluster_name:
    description:
      - Name of the EKS cluster.
      - A cluster that does not exist has no nodegroups (an empty list).
    required: true
    type: str
  name:
    description:
      - Name of the nodegroup to describe. When omitted, every nodegroup of the cluster is described.
      - A nodegroup that does not exist gives an empty list.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Every nodegroup of the cluster
  eksforge.platform.eks_nodegroup_info:
    cluster_name: shop-dev
  register: found

- name: Names of the nodegroups the platform made
  ansible.builtin.debug:
    msg: "{{ found.nodegroups | selectattr('tags.eksforge:platform', 'defined')
             | selectattr('tags.eksforge:platform', '==', 'shop-dev') | map(attribute='nodegroup_name') }}"

- name: One nodegroup
  eksforge.platform.eks_nodegroup_info:
    cluster_name: shop-dev
    name: workers
  register: workers
"""

RETURN = r"""
nodegroups:
  description:
    - The nodegroups found, as returned by C(DescribeNodegroup) with snake_case keys (tags and labels kept as they are).
    - The keys are those M(eksforge.platform.eks_nodegroup) returns (for example instance_types, ami_type, capacity_type,
      node_role, labels, taints, update_config, launch_template, resources, health); see there for their meaning.
  returned: always
  type: list
  elements: dict
  contains:
    nodegroup_name:
      description: Name of the nodegroup.
      returned: always
      type: str
      sample: workers
    nodegroup_arn:
      description: ARN of the nodegroup.
      returned: always
      type: str
    cluster_name:
      description: Name of the cluster.
      returned: always
      type: str
    version:
      description: Kubernetes version of the nodes.
      returned: always
      type: str
      sample: "1.31"
    release_version:
      description: AMI release version of the nodes.
      returned: always
      type: str
    status:
      description: Status of the nodegroup.
      returned: always
      type: str
      sample: ACTIVE
    scaling_config:
      description: Scaling configuration (min_size, max_size, desired_size).
      returned: always
      type: dict
    subnets:
      description: Subnets of the nodes.
      returned: always
      type: list
      elements: str
    tags:
      description: Tags of the nodegroup.
      returned: always
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.eks_nodegroup import run_eks_nodegroup_info


def main():
    argument_spec = dict(cluster_name=dict(type="str", required=True), name=dict(type="str"))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_eks_nodegroup_info(module)


if __name__ == "__main__":
    main()
