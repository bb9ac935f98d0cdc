#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_cluster_info
short_description: Describe Amazon EKS clusters
version_added: 0.1.0
description:
  - Describes one EKS cluster by name, or every cluster of the region.
author:
  - eksforge maintainers (@eksforge)
options:
  name:
    description:
      - Name of the cluster to describe. When omitted, every cluster of the region is described.
      - A cluster that does not exist gives an empty list.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Describe one cluster
  eksforge.platform.eks_cluster_info:
    name: shop-dev
  register: info

- name: Show its OIDC issuer
  ansible.builtin.debug:
    msg: "{{ info.clusters[0].identity.oidc.issuer }}"
  when: info.clusters | length > 0

- name: Describe every cluster of the region
  eksforge.platform.eks_cluster_info:
  register: all_clusters
"""

RETURN = r"""
clusters:
  description:
    - The clusters found, as returned by C(DescribeCluster) with snake_case keys (tags kept as they are).
    - See M(eksforge.platform.eks_cluster) for the meaning of each key.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the cluster.
      type: str
      returned: always
      sample: shop-dev
    arn:
      description: ARN of the cluster.
      type: str
      returned: always
    version:
      description: Kubernetes version.
      type: str
      returned: always
      sample: "1.31"
    platform_version:
      description: EKS platform version.
      type: str
      returned: always
    status:
      description: Status of the cluster.
      type: str
      returned: always
      sample: ACTIVE
    endpoint:
      description: URL of the Kubernetes API server.
      type: str
      returned: when the cluster is active
    certificate_authority:
      description: Certificate authority of the API server (C(data) is the base64 PEM).
      type: dict
      returned: when the cluster is active
    identity:
      description: OIDC identity provider (C(oidc.issuer)).
      type: dict
      returned: when the cluster is active
    role_arn:
      description: IAM role of the control plane.
      type: str
      returned: always
    resources_vpc_config:
      description: VPC configuration (subnet_ids, security_group_ids, cluster_security_group_id, vpc_id, endpoint access, public_access_cidrs).
      type: dict
      returned: always
    kubernetes_network_config:
      description: Kubernetes network configuration.
      type: dict
      returned: always
    logging:
      description: Control plane logging configuration.
      type: dict
      returned: always
    access_config:
      description: Access configuration.
      type: dict
      returned: always
    upgrade_policy:
      description: Upgrade policy.
      type: dict
      returned: always
    encryption_config:
      description: Secrets encryption configuration.
      type: list
      elements: dict
      returned: when configured
    created_at:
      description: Creation time.
      type: str
      returned: always
    tags:
      description: Tags of the cluster.
      type: dict
      returned: always
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.eks_cluster import run_eks_cluster_info


def main():
    argument_spec = dict(name=dict(type="str"))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_eks_cluster_info(module)


if __name__ == "__main__":
    main()
