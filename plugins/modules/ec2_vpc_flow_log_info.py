#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log_info
short_description: List EC2 flow logs
version_added: 0.1.0
description:
  - Lists EC2 flow logs by ID and/or DescribeFlowLogs filters, for example the flow logs of a VPC or those
    carrying a tag.
author:
  - eksforge maintainers (@eksforge)
options:
  flow_log_ids:
    description:
      - The IDs of the flow logs to list; all when omitted.
    type: list
    elements: str
    default: []
  filters:
    description:
      - A dict of DescribeFlowLogs filters, each value a string or a list of strings, for example
        C(resource-id=vpc-0123456789abcdef0) or C(tag:eksforge:platform=demo) written as a YAML dict.
      - Filter names are C(deliver-log-status), C(log-destination-type), C(flow-log-id), C(log-group-name),
        C(resource-id), C(traffic-type), C(tag:<key>) and C(tag-key).
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: eksforge.platform.ec2_vpc_flow_log
"""

EXAMPLES = r"""
- name: Flow logs this platform tagged
  eksforge.platform.ec2_vpc_flow_log_info:
    filters:
      "tag:eksforge:platform": demo
  register: flow_logs
"""

RETURN = r"""
flow_logs:
  description:
    - The flow logs, each as M(eksforge.platform.ec2_vpc_flow_log) returns one (snake_case keys, tags as a dict).
  returned: always
  type: list
  elements: dict
  sample:
    - flow_log_id: fl-0123456789abcdef0
      resource_id: vpc-0123456789abcdef0
      traffic_type: ALL
      log_destination_type: cloud-watch-logs
      log_group_name: /eksforge/demo/vpc-flow-logs
      deliver_logs_permission_arn: arn:aws:iam::123456789012:role/demo-vpc-flow-logs
      max_aggregation_interval: 600
      flow_log_status: ACTIVE
      tags: {"eksforge:platform": "demo"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils import ec2_vpc_flow_log as fl


def main():
    argument_spec = dict(
        flow_log_ids=dict(type="list", elements="str", default=[]),
        filters=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ec2")
    try:
        flow_logs = fl.describe_flow_logs(client, module.params["filters"], module.params["flow_log_ids"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, flow_logs=flow_logs)


if __name__ == "__main__":
    main()
