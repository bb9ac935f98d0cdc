# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which EC2 instance types are offered where (DescribeInstanceTypeOfferings) and, on request, what the offered ones
are (DescribeInstanceTypes), for eksforge.platform.ec2_instance_type_offerings_info. `not_offered` is pure and unit
tested."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import EC2InstanceTypeErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_AND_SERVER_ERRORS


@EC2InstanceTypeErrorHandler.list_error_handler("describe instance type offerings", [])
@THROTTLING_AND_SERVER_ERRORS
def describe_instance_type_offerings(client, **params):
    paginator = client.get_paginator("describe_instance_type_offerings")
    return paginator.paginate(**params).build_full_result()["InstanceTypeOfferings"]


@EC2InstanceTypeErrorHandler.list_error_handler("describe instance types", [])
@THROTTLING_AND_SERVER_ERRORS
def describe_instance_types(client, **params):
    paginator = client.get_paginator("describe_instance_types")
    return paginator.paginate(**params).build_full_result()["InstanceTypes"]


def not_offered(instance_types, offerings):
    """The names of `instance_types` no offering lists, in the order given, each once."""
    offered = set(offering["instance_type"] for offering in offerings)
    missing = []
    for name in instance_types:
        if name not in offered and name not in missing:
            missing.append(name)
    return missing


def read_offerings(client, location_type, instance_types, filters, describe=False):
    """The offerings in one call (paginated): only those of `instance_types` when given, and matching `filters`.
    With `describe`, also the offered ones of `instance_types` as DescribeInstanceTypes describes them (one more call,
    none when no type is offered: that call refuses a type the region does not have)."""
    wanted = dict(filters)
    if instance_types:
        wanted["instance-type"] = list(instance_types)
    raw = describe_instance_type_offerings(client, LocationType=location_type,
                                           Filters=ansible_dict_to_boto3_filter_list(wanted))
    offerings = [camel_dict_to_snake_dict(offering) for offering in raw]
    result = dict(instance_type_offerings=offerings, not_offered=not_offered(instance_types or [], offerings))
    if describe:
        offered = sorted(set(offering["instance_type"] for offering in offerings) & set(instance_types or []))
        described = describe_instance_types(client, InstanceTypes=offered) if offered else []
        result["instance_types"] = [camel_dict_to_snake_dict(item) for item in described]
    return result


def run_instance_type_offerings_info(module):
    """The module's whole run: one read (two with describe), its result or EC2's error."""
    params = module.params
    try:
        result = read_offerings(module.client("ec2"), params["location_type"], params["instance_types"], params["filters"],
                                params["describe"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **result)
