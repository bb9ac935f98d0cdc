"""Integration tests of eksforge.platform.ec2_vpc_network_info: the module reads what boto3 built in the AWS sandbox,
with read calls only. The reads of all tests are the steps of one playbook run on one network (`reads`)."""

from __future__ import annotations

import pytest

from tests.integration.support.runs import ModuleStep, run_module_steps

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ec2_vpc_network_info"
OWNER = {"eksforge:platform": "netinfo"}
OWNER_FILTER = {"tag:eksforge:platform": "netinfo"}


def tags(**pairs):
    return [{"Key": key, "Value": value} for key, value in pairs.items()]


def build_network(aws) -> dict:
    """A tagged VPC with a public subnet, an attached internet gateway, a NAT gateway and a tagged route table, plus
    an untagged route table and a subnet of another VPC that the read must leave out."""
    ec2 = aws.boto3_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": tags(Name="netinfo-vpc", **OWNER)}])["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.61.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": tags(**OWNER)}])["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": tags(Name="netinfo-public", **OWNER)}])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    ec2.create_route_table(VpcId=vpc)
    other = ec2.create_vpc(CidrBlock="10.62.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=other, CidrBlock="10.62.0.0/24")
    return dict(vpc=vpc, subnet=subnet, igw=igw, nat=nat, table=table)


@pytest.fixture(scope="module")
def reads(sandbox) -> tuple[dict, dict]:
    """The network, and the module's result for each read of the tests below (one playbook run)."""
    sandbox.reset()
    network = build_network(sandbox)
    steps = {
        "whole": ModuleStep(MODULE, {"filters": OWNER_FILTER, "internet_gateway_filters": OWNER_FILTER,
                                     "route_table_filters": OWNER_FILTER}, check=True),
        "by_vpc_id": ModuleStep(MODULE, {"filters": {"vpc-id": network["vpc"]}}),
        "missing": ModuleStep(MODULE, {"filters": {"tag:eksforge:platform": "nobody"}}),
        "several": ModuleStep(MODULE, {"filters": {"cidr-block-association.cidr-block": ["10.61.0.0/16",
                                                                                          "10.62.0.0/16"]}}),
    }
    return network, dict(zip(steps, run_module_steps(sandbox, *steps.values())))


def test_reads_the_whole_network_in_one_run_without_a_change(reads):
    network, results = reads
    result = results["whole"]

    assert result["changed"] is False and result["mutating_calls"] == []
    assert result["availability_zones"][:3] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    [vpc] = result["vpcs"]
    assert (vpc["vpc_id"], vpc["cidr_block"], vpc["enable_dns_support"], vpc["enable_dns_hostnames"]) == (
        network["vpc"], "10.61.0.0/16", True, True)
    assert vpc["tags"] == {"Name": "netinfo-vpc", **OWNER}
    assert [subnet["subnet_id"] for subnet in result["subnets"]] == [network["subnet"]]
    assert result["subnets"][0]["availability_zone"] == "us-east-1a"
    [igw] = result["internet_gateways"]
    assert igw["internet_gateway_id"] == network["igw"] and igw["attachments"][0]["vpc_id"] == network["vpc"]
    assert [(nat["nat_gateway_id"], nat["subnet_id"]) for nat in result["nat_gateways"]] == [
        (network["nat"], network["subnet"])]
    [table] = result["route_tables"]  # the untagged table is filtered out
    assert table["route_table_id"] == network["table"] and table["tags"]["Name"] == "netinfo-public"
    assert {"destination_cidr_block": "0.0.0.0/0", "gateway_id": network["igw"]}.items() <= next(
        route for route in table["routes"] if route.get("gateway_id") == network["igw"]).items()
    assert [association["subnet_id"] for association in table["associations"]] == [network["subnet"]]
    assert result["flow_logs"] == []


def test_without_gateway_filters_it_reads_the_attached_gateway(reads):
    network, results = reads
    result = results["by_vpc_id"]
    assert result["mutating_calls"] == []

    assert [igw["internet_gateway_id"] for igw in result["internet_gateways"]] == [network["igw"]]
    assert len(result["route_tables"]) == 3  # main, tagged and untagged


def test_no_vpc_or_several_read_no_contents(reads):
    missing, several = reads[1]["missing"], reads[1]["several"]

    assert missing["vpcs"] == [] and missing["subnets"] == [] and missing["internet_gateways"] == []
    assert len(several["vpcs"]) == 2
    assert several["subnets"] == several["route_tables"] == several["nat_gateways"] == []
