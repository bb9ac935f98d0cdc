#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ec2_vpc_network_info
short_description: Read a VPC and the network inside it in one run
version_added: 0.1.0
description:
  - Reads the region's available zones and the VPCs matching O(filters); when exactly one VPC matches, also its
    subnets, NAT gateways (pending or available), route tables and flow logs, and its internet gateways.
  - One module run instead of one per resource family (M(amazon.aws.aws_az_info), M(amazon.aws.ec2_vpc_net_info),
    M(amazon.aws.ec2_vpc_subnet_info) ...), so a role can decide what to change before it changes anything.
author:
  - eksforge maintainers (@eksforge)
options:
  filters:
    description:
      - DescribeVpcs filters that find the VPC, as a dict (for example C(tag:eksforge:platform=demo)).
    type: dict
    required: true
  internet_gateway_filters:
    description:
      - DescribeInternetGateways filters for the internet gateways to return, for example an ownership tag, which
        also finds a gateway that is not attached yet.
      - When empty, the gateways attached to the one VPC.
    type: dict
    default: {}
  route_table_filters:
    description:
      - Further DescribeRouteTables filters for the route tables of the one VPC, for example an ownership tag.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: amazon.aws.ec2_vpc_net_info
  - module: amazon.aws.ec2_vpc_subnet_info
  - module: amazon.aws.ec2_vpc_route_table_info
"""

EXAMPLES = r"""
- name: Read the platform network
  eksforge.platform.ec2_vpc_network_info:
    filters:
      "tag:eksforge:platform": demo
    internet_gateway_filters:
      "tag:eksforge:platform": demo
    route_table_filters:
      "tag:eksforge:platform": demo
  register: network
"""

RETURN = r"""
availability_zones:
  description: Names of the region's available zones (zone type availability-zone), sorted.
  returned: always
  type: list
  elements: str
  sample: [us-east-1a, us-east-1b, us-east-1c]
vpcs:
  description:
    - The VPCs matching O(filters) (snake_case keys, tags as a dict), with C(enable_dns_support) and
      C(enable_dns_hostnames).
  returned: always
  type: list
  elements: dict
  sample:
    - vpc_id: vpc-0123456789abcdef0
      cidr_block: 10.42.0.0/16
      enable_dns_support: true
      enable_dns_hostnames: true
      tags: {"Name": "demo-vpc", "eksforge:platform": "demo"}
internet_gateways:
  description: The internet gateways matching O(internet_gateway_filters), or attached to the one VPC.
  returned: always
  type: list
  elements: dict
  sample:
    - internet_gateway_id: igw-0123456789abcdef0
      attachments: [{state: available, vpc_id: vpc-0123456789abcdef0}]
      tags: {"Name": "demo-igw"}
subnets:
  description: The subnets of the one VPC; empty unless exactly one VPC matched.
  returned: always
  type: list
  elements: dict
  sample:
    - subnet_id: subnet-0123456789abcdef0
      cidr_block: 10.42.0.0/20
      availability_zone: us-east-1a
      map_public_ip_on_launch: true
      tags: {"Name": "demo-public-us-east-1a"}
nat_gateways:
  description: The pending or available NAT gateways of the one VPC.
  returned: always
  type: list
  elements: dict
  sample:
    - nat_gateway_id: nat-0123456789abcdef0
      subnet_id: subnet-0123456789abcdef0
      state: available
      nat_gateway_addresses: [{allocation_id: eipalloc-0123456789abcdef0, public_ip: 198.51.100.7}]
      tags: {"Name": "demo-nat-us-east-1a"}
route_tables:
  description: The route tables of the one VPC matching O(route_table_filters).
  returned: always
  type: list
  elements: dict
  sample:
    - route_table_id: rtb-0123456789abcdef0
      associations: [{subnet_id: subnet-0123456789abcdef0, main: false}]
      routes: [{destination_cidr_block: 0.0.0.0/0, gateway_id: igw-0123456789abcdef0, origin: CreateRoute}]
      tags: {"Name": "demo-public"}
flow_logs:
  description: The flow logs of the one VPC, as M(eksforge.platform.ec2_vpc_flow_log_info) returns them.
  returned: always
  type: list
  elements: dict
  sample:
    - flow_log_id: fl-0123456789abcdef0
      traffic_type: ALL
      tags: {"eksforge:platform": "demo"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.ec2_vpc_network_info import read_network


def main():
    argument_spec = dict(
        filters=dict(type="dict", required=True),
        internet_gateway_filters=dict(type="dict", default={}),
        route_table_filters=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ec2")
    try:
        network = read_network(client, module.params["filters"], module.params["internet_gateway_filters"],
                               module.params["route_table_filters"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **network)


if __name__ == "__main__":
    main()
