# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One read of a VPC and what is inside it (used by eksforge.platform.ec2_vpc_network_info).

A role that converges a network needs the region's zones, the VPC, its internet gateway, subnets, NAT
gateways, route tables and flow logs before it decides what to change. Read one by one, that is one
module start per family; read here, it is one. The describe calls are amazon.aws' (with their retries).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils import ec2
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.eksforge.platform.plugins.module_utils.ec2_vpc_flow_log import describe_flow_logs

# NAT gateways that exist or are being made; deleting, deleted and failed ones are history.
LIVE_NAT_GATEWAY_STATES = ["pending", "available"]
# (DescribeVpcAttribute attribute, its key in the answer, the key returned)
DNS_ATTRIBUTES = (("enableDnsSupport", "EnableDnsSupport", "enable_dns_support"),
                  ("enableDnsHostnames", "EnableDnsHostnames", "enable_dns_hostnames"))


def snake_resource(raw):
    """A describe item with snake_case keys and its tags as a dict (amazon.aws' *_info shape)."""
    result = camel_dict_to_snake_dict(raw, ignore_list=["Tags"])
    result.pop("tags", None)
    result["tags"] = boto3_tag_list_to_ansible_dict(raw.get("Tags") or [])
    return result


def _filters(filters):
    return ansible_dict_to_boto3_filter_list(filters)


def describe_vpcs(client, filters):
    vpcs = []
    for raw in ec2.describe_vpcs(client, Filters=_filters(filters)):
        vpc = snake_resource(raw)
        for attribute, answer_key, key in DNS_ATTRIBUTES:
            vpc[key] = ec2.describe_vpc_attribute(client, vpc_id=raw["VpcId"], attribute=attribute)[answer_key]["Value"]
        vpcs.append(vpc)
    return vpcs


def read_network(client, vpc_filters, internet_gateway_filters, route_table_filters):
    """The region's available zones and the VPCs matching ``vpc_filters``; when exactly one matches, also its
    subnets, live NAT gateways, route tables (also matching ``route_table_filters``) and flow logs. Internet
    gateways are those matching ``internet_gateway_filters`` (when given) or attached to the one VPC."""
    zones = ec2.describe_availability_zones(client, Filters=_filters({"state": "available", "zone-type": "availability-zone"}))
    network = dict(
        availability_zones=sorted(zone["ZoneName"] for zone in zones),
        vpcs=describe_vpcs(client, vpc_filters),
        internet_gateways=[], subnets=[], nat_gateways=[], route_tables=[], flow_logs=[],
    )
    vpc_id = network["vpcs"][0]["vpc_id"] if len(network["vpcs"]) == 1 else None
    if internet_gateway_filters:
        network["internet_gateways"] = _describe(ec2.describe_internet_gateways, client, internet_gateway_filters)
    elif vpc_id:
        network["internet_gateways"] = _describe(ec2.describe_internet_gateways, client, {"attachment.vpc-id": vpc_id})
    if not vpc_id:
        return network
    in_vpc = {"vpc-id": vpc_id}
    network["subnets"] = _describe(ec2.describe_subnets, client, in_vpc)
    # DescribeNatGateways names its parameter Filter, not Filters.
    network["nat_gateways"] = [snake_resource(raw) for raw in ec2.describe_nat_gateways(
        client, Filter=_filters(dict(in_vpc, state=LIVE_NAT_GATEWAY_STATES)))]
    network["route_tables"] = _describe(ec2.describe_route_tables, client, dict(route_table_filters, **in_vpc))
    network["flow_logs"] = describe_flow_logs(client, {"resource-id": vpc_id})
    return network


def _describe(describe, client, filters):
    return [snake_resource(raw) for raw in describe(client, Filters=_filters(filters))]
