#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log
short_description: Manage an EC2 flow log of a VPC, subnet or network interface
version_added: 0.1.0
description:
  - Creates and deletes an EC2 flow log that publishes the IP traffic of a VPC, subnet or network interface to
    CloudWatch Logs or to an S3 bucket.
  - A flow log is found by its identity, the resource (O(resource_id)), the O(traffic_type) and the destination
    (O(log_destination_type) with O(log_group_name) or O(log_destination)), so a re-run adopts the flow log an
    earlier run made. A different traffic type or destination is a different flow log.
  - EC2 cannot modify a flow log. When O(deliver_logs_permission_arn), O(log_format) or O(max_aggregation_interval)
    differ from the existing flow log, it is B(replaced) - deleted, then created again with the new settings (with a
    new id, and no logging for the moment in between). Check mode and C(--diff) show the replacement.
  - Tags are changed in place with C(CreateTags) and C(DeleteTags).
author:
  - eksforge maintainers (@eksforge)
options:
  state:
    description:
      - Whether the flow log should exist.
      - With V(absent), every flow log with the identity is deleted.
    type: str
    choices: [present, absent]
    default: present
  resource_id:
    description:
      - The ID of the VPC, subnet or network interface whose traffic is logged.
    type: str
    required: true
  resource_type:
    description:
      - The type of O(resource_id). Used when the flow log is created.
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  traffic_type:
    description:
      - Which traffic is logged, accepted, rejected or all.
    type: str
    choices: [ALL, ACCEPT, REJECT]
    default: ALL
  log_destination_type:
    description:
      - Where the flow log records go.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description:
      - The CloudWatch Logs log group the records are published to.
      - Required when O(log_destination_type=cloud-watch-logs); not allowed with V(s3).
      - EC2 accepts a group that does not exist yet but then reports failed deliveries; create it first (for example
        with M(amazon.aws.cloudwatchlogs_log_group)).
    type: str
  deliver_logs_permission_arn:
    description:
      - The ARN of the IAM role EC2 assumes to publish to CloudWatch Logs. It must trust C(vpc-flow-logs.amazonaws.com)
        and allow C(logs:CreateLogStream), C(logs:PutLogEvents), C(logs:DescribeLogGroups) and C(logs:DescribeLogStreams).
      - Required when O(state=present) and O(log_destination_type=cloud-watch-logs); not allowed with V(s3).
      - A different role replaces the flow log.
    type: str
  log_destination:
    description:
      - The ARN of the S3 bucket, optionally with a folder, for example C(arn:aws:s3:::my-bucket/vpc/) (C(AWSLogs) is
        reserved and cannot be the folder name).
      - Required when O(log_destination_type=s3); not allowed with V(cloud-watch-logs).
      - A trailing C(/) does not make it a different destination.
    type: str
  log_format:
    description:
      - The fields of each record, for example C(${version} ${srcaddr} ${dstaddr} ${action}).
      - When omitted, a new flow log gets EC2's default format and the format of an existing one is not compared.
      - Compared with runs of spaces collapsed; a different format replaces the flow log.
    type: str
  max_aggregation_interval:
    description:
      - The longest time, in seconds, a flow is aggregated into one record, 60 or 600.
      - A different interval replaces the flow log.
    type: int
    choices: [60, 600]
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - eksforge.platform.check_mode
notes:
  - When several flow logs share the identity (made outside this module), the oldest is managed and the others are
    left alone; O(state=absent) deletes them all.
seealso:
  - module: eksforge.platform.ec2_vpc_flow_log_info
"""

EXAMPLES = r"""
- name: Log all traffic of a VPC to CloudWatch Logs
  eksforge.platform.ec2_vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    log_group_name: /eksforge/demo/vpc-flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/demo-vpc-flow-logs
    tags:
      Name: demo-vpc-flow-log
      "eksforge:platform": demo
  register: flow_log

- name: Log rejected traffic to a folder of an S3 bucket, one record per minute
  eksforge.platform.ec2_vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    traffic_type: REJECT
    log_destination_type: s3
    log_destination: arn:aws:s3:::demo-flow-logs/vpc/
    max_aggregation_interval: 60
    log_format: ${version} ${vpc-id} ${srcaddr} ${dstaddr} ${dstport} ${action}

- name: Remove the CloudWatch Logs flow log
  eksforge.platform.ec2_vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    log_group_name: /eksforge/demo/vpc-flow-logs
    state: absent
"""

RETURN = r"""
flow_log:
  description:
    - The flow log as DescribeFlowLogs reports it, keys in snake_case.
    - In check mode, a flow log that would be created or replaced has an empty RV(flow_log.flow_log_id).
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: The ID of the flow log.
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The VPC, subnet or network interface whose traffic is logged.
      type: str
      sample: vpc-0123456789abcdef0
    traffic_type:
      description: ALL, ACCEPT or REJECT.
      type: str
      sample: ALL
    log_destination_type:
      description: cloud-watch-logs or s3.
      type: str
      sample: cloud-watch-logs
    log_group_name:
      description: The log group, for a CloudWatch Logs destination.
      type: str
      sample: /eksforge/demo/vpc-flow-logs
    log_destination:
      description: The ARN of the destination (log group or S3 bucket).
      type: str
      sample: arn:aws:s3:::demo-flow-logs/vpc/
    deliver_logs_permission_arn:
      description: The IAM role that delivers to CloudWatch Logs.
      type: str
      sample: arn:aws:iam::123456789012:role/demo-vpc-flow-logs
    log_format:
      description: The fields of each record.
      type: str
      sample: >-
        ${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport}
        ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}
    max_aggregation_interval:
      description: Seconds a flow is aggregated into one record.
      type: int
      sample: 600
    flow_log_status:
      description: ACTIVE once created.
      type: str
      sample: ACTIVE
    deliver_logs_status:
      description: SUCCESS or FAILED (for example when the role may not write to the log group).
      type: str
      sample: SUCCESS
    creation_time:
      description: When the flow log was created.
      type: str
      sample: "2026-01-01 12:00:00+00:00"
    tags:
      description: The tags of the flow log.
      type: dict
      sample: {"eksforge:platform": "demo"}
replaced:
  description: Whether an existing flow log was (or, in check mode, would be) deleted and created again.
  returned: when O(state=present)
  type: bool
  sample: false
replacement_reasons:
  description: The settings that differed and forced the replacement.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [max_aggregation_interval]
"""

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import add_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import remove_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import STATE
from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import TAGS
from ansible_collections.eksforge.platform.plugins.module_utils import ec2_vpc_flow_log as fl
from ansible_collections.eksforge.platform.plugins.module_utils.tagging import sync_tags
from ansible_collections.eksforge.platform.plugins.module_utils.tagging import tags_after


def ensure_absent(module, client, found):
    if found and not module.check_mode:
        fl.delete_flow_logs(client, [flow_log["flow_log_id"] for flow_log in found])
    return dict(changed=bool(found), flow_log={})


def create(module, client, desired):
    if module.check_mode:
        return fl.planned_flow_log(desired)
    flow_log_id = fl.create_flow_log(client, desired, module.params["resource_type"])
    created = fl.describe_flow_logs(client, flow_log_ids=[flow_log_id])
    # DescribeFlowLogs may lag behind CreateFlowLogs for a moment (eventual consistency).
    return created[0] if created else fl.planned_flow_log(desired, flow_log_id)


def update_tags(module, client, current):
    wanted, purge = module.params["tags"], module.params["purge_tags"]
    flow_log_id = current["flow_log_id"]
    changed = sync_tags(
        module, current["tags"], wanted, purge,
        tag=lambda tags: add_ec2_tags(client, module, flow_log_id, tags),
        untag=lambda keys: remove_ec2_tags(client, module, flow_log_id, keys),
    )
    if not changed:
        return False, current
    return True, dict(current, tags=tags_after(current["tags"], wanted, purge))


def ensure_present(module, client, desired, current):
    if current is None:
        return dict(changed=True, flow_log=create(module, client, desired), replaced=False, replacement_reasons=[])
    reasons = fl.replacement_reasons(current, desired)
    if reasons:
        if module.params["tags"] is None:
            desired = dict(desired, tags=current["tags"])
        if not module.check_mode:
            fl.delete_flow_logs(client, [current["flow_log_id"]])
        return dict(changed=True, flow_log=create(module, client, desired), replaced=True, replacement_reasons=reasons)
    changed, after = update_tags(module, client, current)
    return dict(changed=changed, flow_log=after, replaced=False, replacement_reasons=[])


def main():
    argument_spec = dict(
        **STATE,
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", choices=["VPC", "Subnet", "NetworkInterface"], default="VPC"),
        traffic_type=dict(type="str", choices=["ALL", "ACCEPT", "REJECT"], default="ALL"),
        log_destination_type=dict(type="str", choices=[fl.CLOUDWATCH, fl.S3], default=fl.CLOUDWATCH),
        log_group_name=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        log_destination=dict(type="str"),
        log_format=dict(type="str"),
        max_aggregation_interval=dict(type="int", choices=[60, 600], default=600),
        **TAGS,
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = fl.parameter_problem(module.params)
    if problem:
        module.fail_json(msg=problem)

    desired = fl.desired_flow_log(module.params)
    client = module.client("ec2")
    try:
        found = fl.find_flow_logs(client, desired)
        current = found[0] if found else None
        if module.params["state"] == "absent":
            result = ensure_absent(module, client, found)
        else:
            result = ensure_present(module, client, desired, current)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    if module._diff:
        result["diff"] = dict(before=fl.diff_view(current), after=fl.diff_view(result["flow_log"]))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
