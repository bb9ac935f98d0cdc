#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_nodegroup
short_description: Manage Amazon EKS managed nodegroups
version_added: 0.1.0
description:
  - Creates, updates and deletes EKS managed nodegroups.
  - Scaling, update strategy, labels and taints are updated with one C(UpdateNodegroupConfig) call; labels
    and taints are sent as a diff (C(addOrUpdateLabels)/C(removeLabels), C(addOrUpdateTaints)/C(removeTaints)).
  - Kubernetes version, AMI release version and launch template version are updated with C(UpdateNodegroupVersion).
  - Node role, subnets, instance types, capacity type, AMI type, disk size, remote access and the launch
    template id or name can't be changed; a different value fails before any call that mutates.
author:
  - eksforge maintainers (@eksforge)
options:
  name:
    description: Name of the nodegroup.
    required: true
    type: str
  state:
    description: Whether the nodegroup should exist.
    choices: [present, absent]
    default: present
    type: str
  node_role:
    description: ARN of the IAM role of the nodes. Required to create a nodegroup.
    type: str
  subnets:
    description: Subnet ids of the nodes. Required to create a nodegroup.
    type: list
    elements: str
  scaling_config:
    description:
      - Scaling configuration; C(min_size <= desired_size <= max_size) is checked before any call.
      - At creation, min_size defaults to 1, max_size to the larger of 2 and min_size, desired_size to min_size.
      - On an existing nodegroup, an omitted desired_size is left as it is (for a cluster autoscaler), only
        moved into the new range if it falls outside.
    type: dict
    suboptions:
      min_size:
        description: Minimum number of nodes.
        type: int
      max_size:
        description: Maximum number of nodes.
        type: int
      desired_size:
        description: Number of nodes wanted now.
        type: int
      keep_desired_size:
        description:
          - Leave the desired size of an existing nodegroup as it is (only moved into the new range if it falls
            outside); O(scaling_config.desired_size) then only sizes a nodegroup being created. For nodegroups a
            cluster autoscaler scales, which would otherwise be scaled back on every run.
        type: bool
        default: false
  instance_types:
    description: EC2 instance types of the nodes.
    type: list
    elements: str
  capacity_type:
    description: Capacity type of the nodes.
    type: str
    choices: [ON_DEMAND, SPOT, CAPACITY_BLOCK]
  ami_type:
    description: AMI type of the nodes.
    type: str
    choices: [AL2_x86_64, AL2_x86_64_GPU, AL2_ARM_64, CUSTOM, BOTTLEROCKET_ARM_64, BOTTLEROCKET_x86_64, BOTTLEROCKET_ARM_64_FIPS,
              BOTTLEROCKET_x86_64_FIPS, BOTTLEROCKET_ARM_64_NVIDIA, BOTTLEROCKET_x86_64_NVIDIA, WINDOWS_CORE_2019_x86_64,
              WINDOWS_FULL_2019_x86_64, WINDOWS_CORE_2022_x86_64, WINDOWS_FULL_2022_x86_64, AL2023_x86_64_STANDARD,
              AL2023_ARM_64_STANDARD, AL2023_x86_64_NEURON, AL2023_x86_64_NVIDIA, AL2023_ARM_64_NVIDIA]
  disk_size:
    description: Root volume size in GiB. Not with O(launch_template).
    type: int
  remote_access:
    description: SSH access to the nodes. Not with O(launch_template).
    type: dict
    suboptions:
      ec2_ssh_key:
        description: Name of the EC2 key pair.
        type: str
      source_sg:
        description: Security groups allowed to SSH to the nodes.
        type: list
        elements: str
  labels:
    description:
      - Kubernetes labels of the nodes. Labels not listed are removed.
      - When omitted, labels are left as they are.
    type: dict
  taints:
    description:
      - Kubernetes taints of the nodes, identified by key and effect. Taints not listed are removed.
      - When omitted, taints are left as they are.
    type: list
    elements: dict
    suboptions:
      key:
        description: Taint key.
        type: str
        required: true
      value:
        description: Taint value.
        type: str
      effect:
        description: Taint effect.
        type: str
        required: true
        choices: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]
  update_config:
    description: How many nodes may be unavailable during a version update; set one of the two.
    type: dict
    suboptions:
      max_unavailable:
        description: Number of nodes.
        type: int
      max_unavailable_percentage:
        description: Percentage of nodes.
        type: int
  launch_template:
    description:
      - EC2 launch template of the nodes, by id or name. Only the version can change later.
    type: dict
    suboptions:
      id:
        description: Id of the launch template.
        type: str
      name:
        description: Name of the launch template.
        type: str
      version:
        description: Version of the launch template.
        type: str
  version:
    description:
      - Kubernetes version of the nodes, a quoted string such as V('1.31'); not newer than the cluster's.
      - A higher version than the current one starts a rolling version update; downgrades fail.
    type: str
  release_version:
    description: AMI release version of the nodes; a different one starts a rolling version update.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eksforge.platform.eks
  - eksforge.platform.wait
  - eksforge.platform.check_mode
"""

EXAMPLES = r"""
- name: Managed nodegroup of Graviton spot nodes
  eksforge.platform.eks_nodegroup:
    name: workers
    cluster_name: shop-dev
    node_role: arn:aws:iam::123456789012:role/shop-dev-nodes
    subnets:
      - subnet-0a1b2c3d4e5f60718
      - subnet-0f1e2d3c4b5a69788
    scaling_config:
      min_size: 2
      max_size: 5
      desired_size: 2
    instance_types: [m7g.large]
    capacity_type: SPOT
    ami_type: AL2023_ARM_64_STANDARD
    disk_size: 40
    labels:
      workload: shop
    taints:
      - key: dedicated
        value: shop
        effect: NO_SCHEDULE
    update_config:
      max_unavailable_percentage: 33
    tags:
      eksforge:platform: shop-dev

- name: Upgrade the nodes after the control plane
  eksforge.platform.eks_nodegroup:
    name: workers
    cluster_name: shop-dev
    version: "1.32"

- name: Delete the nodegroup
  eksforge.platform.eks_nodegroup:
    name: workers
    cluster_name: shop-dev
    state: absent
"""

RETURN = r"""
nodegroup_name:
  description: Name of the nodegroup.
  returned: when the nodegroup exists
  type: str
  sample: workers
nodegroup_arn:
  description: ARN of the nodegroup.
  returned: when the nodegroup exists
  type: str
cluster_name:
  description: Name of the cluster.
  returned: when the nodegroup exists
  type: str
version:
  description: Kubernetes version of the nodes.
  returned: when the nodegroup exists
  type: str
  sample: "1.31"
release_version:
  description: AMI release version of the nodes.
  returned: when the nodegroup exists
  type: str
status:
  description: Status of the nodegroup.
  returned: when the nodegroup exists
  type: str
  sample: ACTIVE
capacity_type:
  description: Capacity type of the nodes.
  returned: when the nodegroup exists
  type: str
scaling_config:
  description: Scaling configuration (min_size, max_size, desired_size).
  returned: when the nodegroup exists
  type: dict
instance_types:
  description: Instance types of the nodes.
  returned: when the nodegroup exists
  type: list
  elements: str
subnets:
  description: Subnets of the nodes.
  returned: when the nodegroup exists
  type: list
  elements: str
ami_type:
  description: AMI type of the nodes.
  returned: when the nodegroup exists
  type: str
node_role:
  description: IAM role of the nodes.
  returned: when the nodegroup exists
  type: str
disk_size:
  description: Root volume size in GiB.
  returned: when set
  type: int
labels:
  description: Kubernetes labels of the nodes.
  returned: when the nodegroup exists
  type: dict
taints:
  description: Kubernetes taints of the nodes (key, value, effect).
  returned: when set
  type: list
  elements: dict
update_config:
  description: Update configuration (max_unavailable or max_unavailable_percentage).
  returned: when the nodegroup exists
  type: dict
launch_template:
  description: Launch template (id, name, version).
  returned: when the nodegroup uses one
  type: dict
remote_access:
  description: SSH access configuration.
  returned: when set
  type: dict
resources:
  description: Resources of the nodegroup (auto scaling groups, remote access security group).
  returned: when the nodegroup exists
  type: dict
health:
  description: Health issues reported by EKS.
  returned: when the nodegroup exists
  type: dict
created_at:
  description: Creation time.
  returned: when the nodegroup exists
  type: str
modified_at:
  description: Last modification time.
  returned: when the nodegroup exists
  type: str
tags:
  description: Tags of the nodegroup.
  returned: when the nodegroup exists
  type: dict
updates:
  description: Updates made (or, in check mode, that would be made); C(kind) is config or version.
  returned: when state is present and the nodegroup already existed
  type: list
  elements: dict
  sample: [{"kind": "config", "id": "0f1e2d3c-4b5a-6978-8899-aabbccddeeff", "type": "ConfigUpdate"}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import EKS_CLUSTER_NAME
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import TAGS
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import wait
from ansible_collections.eksforge.platform.plugins.module_utils.eks_nodegroup import AMI_TYPES
from ansible_collections.eksforge.platform.plugins.module_utils.eks_nodegroup import TAINT_EFFECTS
from ansible_collections.eksforge.platform.plugins.module_utils.eks_nodegroup import NodegroupRunner


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        **EKS_CLUSTER_NAME,
        **STATE,
        node_role=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        scaling_config=dict(
            type="dict",
            options=dict(min_size=dict(type="int"), max_size=dict(type="int"), desired_size=dict(type="int"),
                         keep_desired_size=dict(type="bool", default=False)),
        ),
        instance_types=dict(type="list", elements="str"),
        capacity_type=dict(type="str", choices=["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"]),
        ami_type=dict(type="str", choices=list(AMI_TYPES)),
        disk_size=dict(type="int"),
        remote_access=dict(
            type="dict",
            options=dict(ec2_ssh_key=dict(type="str", no_log=False), source_sg=dict(type="list", elements="str")),
        ),
        labels=dict(type="dict"),
        taints=dict(
            type="list",
            elements="dict",
            options=dict(
                key=dict(type="str", required=True, no_log=False),
                value=dict(type="str"),
                effect=dict(type="str", required=True, choices=list(TAINT_EFFECTS)),
            ),
        ),
        update_config=dict(
            type="dict",
            options=dict(max_unavailable=dict(type="int"), max_unavailable_percentage=dict(type="int")),
            mutually_exclusive=[("max_unavailable", "max_unavailable_percentage")],
        ),
        launch_template=dict(
            type="dict",
            options=dict(id=dict(type="str"), name=dict(type="str"), version=dict(type="str")),
            required_one_of=[("id", "name")],
            mutually_exclusive=[("id", "name")],
        ),
        version=dict(type="str"),
        release_version=dict(type="str"),
        **TAGS,
        **wait(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("launch_template", "disk_size"), ("launch_template", "remote_access")],
        supports_check_mode=True,
    )
    NodegroupRunner(module).run()


if __name__ == "__main__":
    main()
