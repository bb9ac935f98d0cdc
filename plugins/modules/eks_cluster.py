#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_cluster
short_description: Create, update and delete Amazon EKS clusters
version_added: 0.1.0
description:
  - Creates, updates and deletes Amazon EKS clusters.
  - Unlike M(community.aws.eks_cluster), updates existing clusters - Kubernetes version upgrades one minor
    version at a time, endpoint access, control plane logging, secrets encryption, authentication mode,
    upgrade policy, security groups and tags.
  - Each change is sent as its own C(UpdateClusterConfig), C(UpdateClusterVersion) or
    C(AssociateEncryptionConfig) call, because EKS accepts a single kind of change per update and only one
    update at a time; every update but the last is followed until it completes (C(DescribeUpdate)).
  - Changes AWS can't make (subnets, IAM role, Kubernetes network config, removing or replacing secrets
    encryption, skipping or downgrading Kubernetes versions, moving the authentication mode back towards
    C(CONFIG_MAP)) fail before any call that mutates.
author:
  - eksforge maintainers (@eksforge)
options:
  name:
    description: Name of the EKS cluster.
    required: true
    type: str
  state:
    description: Whether the cluster should exist.
    choices: [present, absent]
    default: present
    type: str
  version:
    description:
      - Kubernetes version, as a quoted string such as V('1.31').
      - On an existing cluster a higher version upgrades the control plane; only the next minor
        version is accepted, and downgrades are refused.
      - When omitted, EKS picks its default version at creation and the version is left alone afterwards.
    type: str
  role_arn:
    description:
      - ARN of the IAM role the EKS control plane assumes. Required to create a cluster; can't be changed.
    type: str
  subnets:
    description:
      - Subnet ids of the control plane network interfaces. Required to create a cluster.
      - Can't be changed by this module on an existing cluster; a different list fails.
    type: list
    elements: str
  security_groups:
    description:
      - Security group ids or names for the control plane network interfaces.
      - Changing them on an existing cluster sends a VPC config update.
    type: list
    elements: str
  endpoint_public_access:
    description: Whether the Kubernetes API server endpoint is reachable from the internet.
    type: bool
  endpoint_private_access:
    description: Whether the Kubernetes API server endpoint is reachable from within the VPC.
    type: bool
  public_access_cidrs:
    description: CIDR blocks allowed to reach the public endpoint.
    type: list
    elements: str
  enabled_log_types:
    description:
      - Control plane log types sent to CloudWatch Logs; types not listed are disabled.
      - When omitted, logging is left as it is.
    type: list
    elements: str
    choices: [api, audit, authenticator, controllerManager, scheduler]
  encryption_key_arn:
    description:
      - ARN of the KMS key used for envelope encryption of Kubernetes secrets.
      - Can be added to an existing cluster, but never removed or replaced; an empty string means no
        encryption and fails on a cluster that has it.
    type: str
  authentication_mode:
    description:
      - How the cluster authenticates IAM principals.
      - EKS only moves from V(CONFIG_MAP) to V(API_AND_CONFIG_MAP) to V(API); going back fails.
    type: str
    choices: [API, API_AND_CONFIG_MAP, CONFIG_MAP]
  bootstrap_cluster_creator_admin_permissions:
    description:
      - Whether the IAM principal creating the cluster gets a cluster admin access entry.
      - Used at creation only; EKS can't change it afterwards, so it is ignored on existing clusters.
    type: bool
  support_type:
    description: Upgrade policy of the cluster, standard or extended support.
    type: str
    choices: [STANDARD, EXTENDED]
  kubernetes_network_config:
    description: Kubernetes network configuration, set at creation only; a different value on an existing cluster fails.
    type: dict
    suboptions:
      service_ipv4_cidr:
        description: CIDR block Kubernetes service IP addresses are taken from.
        type: str
      ip_family:
        description: IP family of pod and service addresses.
        type: str
        choices: [ipv4, ipv6]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eksforge.platform.wait
  - eksforge.platform.check_mode
notes:
  - When several updates are needed, every update but the last is waited for, even with O(wait=false).
"""

EXAMPLES = r"""
- name: Create a cluster with private and restricted public endpoint access
  eksforge.platform.eks_cluster:
    name: shop-dev
    version: "1.31"
    role_arn: arn:aws:iam::123456789012:role/shop-dev-cluster
    subnets:
      - subnet-0a1b2c3d4e5f60718
      - subnet-0f1e2d3c4b5a69788
    security_groups:
      - sg-0123456789abcdef0
    endpoint_private_access: true
    endpoint_public_access: true
    public_access_cidrs:
      - 203.0.113.0/24
    enabled_log_types: [api, audit, authenticator]
    encryption_key_arn: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    authentication_mode: API
    bootstrap_cluster_creator_admin_permissions: true
    support_type: STANDARD
    tags:
      eksforge:platform: shop-dev
  register: cluster

- name: Upgrade the control plane to the next minor version
  eksforge.platform.eks_cluster:
    name: shop-dev
    version: "1.32"

- name: Delete the cluster and wait until it is gone
  eksforge.platform.eks_cluster:
    name: shop-dev
    state: absent
"""

RETURN = r"""
name:
  description: Name of the cluster.
  returned: when the cluster exists
  type: str
  sample: shop-dev
arn:
  description: ARN of the cluster.
  returned: when the cluster exists
  type: str
  sample: arn:aws:eks:eu-west-1:123456789012:cluster/shop-dev
id:
  description: Id of the cluster (Outposts clusters only).
  returned: when EKS returns it
  type: str
created_at:
  description: When the cluster was created.
  returned: when the cluster exists
  type: str
  sample: "2026-11-22T03:00:00+00:00"
version:
  description: Kubernetes version of the control plane.
  returned: when the cluster exists
  type: str
  sample: "1.31"
platform_version:
  description: EKS platform version of the control plane.
  returned: when the cluster exists
  type: str
  sample: eks.5
status:
  description: Status of the cluster.
  returned: when the cluster exists
  type: str
  sample: ACTIVE
endpoint:
  description: URL of the Kubernetes API server.
  returned: when the cluster is active
  type: str
  sample: https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com
role_arn:
  description: ARN of the IAM role of the control plane.
  returned: when the cluster exists
  type: str
certificate_authority:
  description: Certificate authority of the API server.
  returned: when the cluster is active
  type: dict
  contains:
    data:
      description: Base64 encoded PEM of the cluster CA certificate.
      type: str
      returned: when the cluster is active
identity:
  description: Identity provider information of the cluster.
  returned: when the cluster is active
  type: dict
  contains:
    oidc:
      description: OIDC identity provider of the cluster.
      type: dict
      returned: when the cluster is active
      contains:
        issuer:
          description: Issuer URL of the cluster's OIDC provider (used for IAM roles for service accounts).
          type: str
          returned: when the cluster is active
          sample: https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF
resources_vpc_config:
  description: VPC configuration of the cluster.
  returned: when the cluster exists
  type: dict
  contains:
    subnet_ids:
      description: Subnets of the control plane network interfaces.
      type: list
      elements: str
      returned: always
    security_group_ids:
      description: Additional security groups of the control plane network interfaces.
      type: list
      elements: str
      returned: always
    cluster_security_group_id:
      description: Security group EKS created for the cluster.
      type: str
      returned: when the cluster is active
    vpc_id:
      description: VPC of the cluster.
      type: str
      returned: always
    endpoint_public_access:
      description: Whether the public endpoint is enabled.
      type: bool
      returned: always
    endpoint_private_access:
      description: Whether the private endpoint is enabled.
      type: bool
      returned: always
    public_access_cidrs:
      description: CIDR blocks allowed to reach the public endpoint.
      type: list
      elements: str
      returned: always
kubernetes_network_config:
  description: Kubernetes network configuration (service_ipv4_cidr, service_ipv6_cidr, ip_family).
  returned: when the cluster exists
  type: dict
logging:
  description: Control plane logging configuration, as C(cluster_logging) entries of C(types) and C(enabled).
  returned: when the cluster exists
  type: dict
encryption_config:
  description: Secrets encryption configuration (C(resources) and C(provider.key_arn)).
  returned: when secrets encryption is configured
  type: list
  elements: dict
access_config:
  description: Access configuration (C(authentication_mode), C(bootstrap_cluster_creator_admin_permissions)).
  returned: when the cluster exists
  type: dict
upgrade_policy:
  description: Upgrade policy (C(support_type)).
  returned: when the cluster exists
  type: dict
health:
  description: Health issues reported by EKS.
  returned: when EKS returns it
  type: dict
tags:
  description: Tags of the cluster.
  returned: when the cluster exists
  type: dict
  sample: {"eksforge:platform": "shop-dev"}
updates:
  description:
    - Updates made (or, in check mode, that would be made), in order.
    - C(kind) is one of encryption, endpoint_access, security_groups, logging, access_config, upgrade_policy, version.
  returned: when state is present and the cluster already existed
  type: list
  elements: dict
  sample: [{"kind": "version", "id": "b7ab1c2e-0b1d-3c45-9c3f-4d5e6f7a8b9c", "type": "VersionUpdate"}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import TAGS
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import wait
from ansible_collections.eksforge.platform.plugins.module_utils.eks_cluster import LOG_TYPES
from ansible_collections.eksforge.platform.plugins.module_utils.eks_cluster import ClusterRunner


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        **STATE,
        version=dict(type="str"),
        role_arn=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        endpoint_public_access=dict(type="bool"),
        endpoint_private_access=dict(type="bool"),
        public_access_cidrs=dict(type="list", elements="str"),
        enabled_log_types=dict(type="list", elements="str", choices=list(LOG_TYPES)),
        encryption_key_arn=dict(type="str", no_log=False),
        authentication_mode=dict(type="str", choices=["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"]),
        bootstrap_cluster_creator_admin_permissions=dict(type="bool"),
        support_type=dict(type="str", choices=["STANDARD", "EXTENDED"]),
        kubernetes_network_config=dict(
            type="dict",
            options=dict(
                service_ipv4_cidr=dict(type="str"),
                ip_family=dict(type="str", choices=["ipv4", "ipv6"]),
            ),
        ),
        **TAGS,
        **wait(),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    ClusterRunner(module).run()


if __name__ == "__main__":
    main()
