"""Unit tests of the resources_to_change filter (plugins/filter/network_filters.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

_PATH = Path(__file__).resolve().parents[4] / "plugins" / "filter" / "network_filters.py"
_SPEC = importlib.util.spec_from_file_location("eksforge_network_filters", _PATH)
network_filters = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(network_filters)

changes = network_filters.resources_to_change

OWNER = {"eksforge:platform": "demo"}
VPC_SPEC = {"cidr": "10.42.0.0/16", "dns_support": True, "dns_hostnames": True, "tags": dict(OWNER, Name="demo-vpc")}
VPC = {"vpc_id": "vpc-1", "cidr_block": "10.42.0.0/16", "enable_dns_support": True, "enable_dns_hostnames": True,
       "tags": {"Name": "demo-vpc", "eksforge:platform": "demo"}}
SUBNET_SPEC = {"cidr": "10.42.0.0/20", "az": "us-east-1a", "map_public": True, "tags": dict(OWNER, Name="demo-pub-a")}
SUBNET = {"subnet_id": "subnet-1", "cidr_block": "10.42.0.0/20", "availability_zone": "us-east-1a",
          "map_public_ip_on_launch": True, "tags": dict(OWNER, Name="demo-pub-a")}
TABLE_SPEC = {"tags": dict(OWNER, Name="demo-public"), "subnets": ["subnet-1", "subnet-2"],
              "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-1"}]}
TABLE = {"route_table_id": "rtb-1", "tags": dict(OWNER, Name="demo-public"),
         "associations": [{"subnet_id": "subnet-2", "main": False}, {"subnet_id": "subnet-1", "main": False}],
         "routes": [{"destination_cidr_block": "10.42.0.0/16", "gateway_id": "local", "origin": "CreateRouteTable"},
                    {"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1", "origin": "CreateRoute"},
                    {"destination_prefix_list_id": "pl-1", "gateway_id": "vpce-1", "origin": "CreateRoute"}]}


def test_a_network_that_matches_needs_no_change():
    assert changes([VPC_SPEC], [VPC], "vpc") == []
    assert changes([SUBNET_SPEC], [SUBNET], "subnet") == []
    assert changes([TABLE_SPEC], [TABLE], "route_table") == []


def test_what_is_missing_is_returned_in_input_order():
    other = dict(SUBNET_SPEC, cidr="10.42.16.0/20", az="us-east-1b")
    assert changes([other, SUBNET_SPEC], [SUBNET], "subnet") == [other]
    assert changes([VPC_SPEC], [], "vpc") == [VPC_SPEC]
    assert changes([TABLE_SPEC], None, "route_table") == [TABLE_SPEC]


@pytest.mark.parametrize("current", [
    dict(VPC, cidr_block="10.43.0.0/16"),
    dict(VPC, enable_dns_hostnames=False),
    dict(VPC, tags={"Name": "demo-vpc"}),
    dict(VPC, tags=dict(VPC["tags"], extra="purged")),
])
def test_a_vpc_with_other_settings_or_tags_changes(current):
    assert changes([VPC_SPEC], [current], "vpc") == [VPC_SPEC]


def test_two_vpcs_are_left_to_the_module_to_refuse():
    assert changes([VPC_SPEC], [VPC, dict(VPC, vpc_id="vpc-2")], "vpc") == [VPC_SPEC]


def test_aws_tags_are_ignored_and_values_compared_as_strings():
    spec = dict(SUBNET_SPEC, tags=dict(SUBNET_SPEC["tags"], cost=1))
    current = dict(SUBNET, tags=dict(SUBNET["tags"], cost="1", **{"aws:cloudformation:stack-name": "x"}))
    assert changes([spec], [current], "subnet") == []


@pytest.mark.parametrize("current", [
    dict(SUBNET, availability_zone="us-east-1b"),
    dict(SUBNET, map_public_ip_on_launch=False),
    dict(SUBNET, tags=OWNER),
])
def test_a_subnet_with_other_settings_changes(current):
    assert changes([SUBNET_SPEC], [current], "subnet") == [SUBNET_SPEC]


def test_internet_gateway_must_be_attached_to_the_vpc():
    spec = {"vpc_id": "vpc-1", "tags": dict(OWNER, Name="demo-igw")}
    attached = {"internet_gateway_id": "igw-1", "tags": spec["tags"],
                "attachments": [{"vpc_id": "vpc-1", "state": "available"}]}
    assert changes([spec], [attached], "internet_gateway") == []
    assert changes([spec], [dict(attached, attachments=[])], "internet_gateway") == [spec]
    assert changes([spec], [dict(attached, tags=OWNER)], "internet_gateway") == [spec]


def test_a_pending_nat_gateway_still_needs_its_wait():
    spec = {"subnet_id": "subnet-1", "tags": dict(OWNER, Name="demo-nat-a")}
    gateway = {"nat_gateway_id": "nat-1", "subnet_id": "subnet-1", "state": "available", "tags": spec["tags"]}
    assert changes([spec], [gateway], "nat_gateway") == []
    assert changes([spec], [dict(gateway, state="pending")], "nat_gateway") == [spec]
    assert changes([spec], [dict(gateway, subnet_id="subnet-2")], "nat_gateway") == [spec]


@pytest.mark.parametrize("current", [
    dict(TABLE, associations=TABLE["associations"][:1]),
    dict(TABLE, associations=TABLE["associations"] + [{"subnet_id": "subnet-3", "main": False}]),
    dict(TABLE, routes=TABLE["routes"][:1]),
    dict(TABLE, routes=TABLE["routes"] + [{"destination_cidr_block": "10.9.0.0/16", "gateway_id": "igw-1",
                                           "origin": "CreateRoute"}]),
    dict(TABLE, routes=[dict(TABLE["routes"][1], gateway_id="igw-2")]),
    dict(TABLE, tags=OWNER),
])
def test_a_route_table_with_other_associations_routes_or_tags_changes(current):
    assert changes([TABLE_SPEC], [current], "route_table") == [TABLE_SPEC]


def test_the_main_association_and_propagated_routes_do_not_count():
    current = dict(TABLE, associations=TABLE["associations"] + [{"main": True}],
                   routes=TABLE["routes"] + [{"destination_cidr_block": "10.8.0.0/16", "gateway_id": "vgw-1",
                                              "origin": "EnableVgwRoutePropagation"}])
    assert changes([TABLE_SPEC], [current], "route_table") == []


def test_a_nat_route_is_matched_by_its_nat_gateway():
    spec = dict(TABLE_SPEC, subnets=[], routes=[{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-1"}])
    current = dict(TABLE, associations=[], routes=[{"destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1",
                                                    "origin": "CreateRoute"}])
    assert changes([spec], [current], "route_table") == []
    assert changes([dict(spec, routes=[])], [current], "route_table") == [dict(spec, routes=[])]


def test_two_tables_of_one_name_are_left_to_the_module():
    assert changes([TABLE_SPEC], [TABLE, dict(TABLE, route_table_id="rtb-2")], "route_table") == [TABLE_SPEC]


@pytest.mark.parametrize(("planned", "kind", "message"), [
    ([VPC_SPEC], "elastic_ip", "kind must be one of"),
    ("subnets", "subnet", "must be a list of subnet specs"),
    ([["not", "a", "dict"]], "subnet", "must be a list of subnet specs"),
])
def test_bad_arguments_are_named(planned, kind, message):
    with pytest.raises(AnsibleFilterError, match=message):
        changes(planned, [], kind)
