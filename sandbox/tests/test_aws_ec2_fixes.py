"""Real EC2 behaviour the collection relies on, where moto 5.2.5 differs (fixed in sandbox/aws/extensions/ec2.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

OWNER = {"Key": "eksforge:platform", "Value": "demo"}


@pytest.fixture
def ec2(sandbox):
    return sandbox.client("ec2")


@pytest.fixture
def subnet_id(ec2) -> str:
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]


def nat_gateway(ec2, subnet_id: str, tags: list[dict] | None = None, **extra) -> dict:
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    specs = [{"ResourceType": "natgateway", "Tags": tags}] if tags else []
    return ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id, TagSpecifications=specs,
                                  **extra)["NatGateway"]


def test_create_nat_gateway_keeps_tags_given_with_resource_type_natgateway(ec2, subnet_id):
    """AWS's own type name for NAT gateway tag specifications; moto 5.2.5 keeps these tags (guard)."""
    created = nat_gateway(ec2, subnet_id, [OWNER])
    described = ec2.describe_nat_gateways(NatGatewayIds=[created["NatGatewayId"]])["NatGateways"][0]
    assert described["Tags"] == [OWNER]


def test_describe_tags_names_nat_gateways_natgateway_and_filters_by_that_type(ec2, subnet_id):
    nat_id = nat_gateway(ec2, subnet_id, [OWNER])["NatGatewayId"]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [nat_id]},
                                      {"Name": "resource-type", "Values": ["natgateway"]}])["Tags"]
    assert tags == [{"Key": OWNER["Key"], "Value": OWNER["Value"], "ResourceId": nat_id, "ResourceType": "natgateway"}]


def test_describe_tags_names_elastic_ips_elastic_ip_and_filters_by_that_type(ec2):
    allocation_id = ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [OWNER]}])["AllocationId"]
    unfiltered = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [allocation_id]}])["Tags"]
    by_type = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["elastic-ip"]}])["Tags"]
    assert [tag["ResourceType"] for tag in unfiltered] == ["elastic-ip"]
    assert [tag["ResourceId"] for tag in by_type] == [allocation_id]


def test_describe_nat_gateways_applies_tag_filters(ec2, subnet_id):
    ours = nat_gateway(ec2, subnet_id, [OWNER, {"Key": "Name", "Value": "demo-nat-a"}])["NatGatewayId"]
    nat_gateway(ec2, subnet_id, [{"Key": "eksforge:platform", "Value": "other"}])
    nat_gateway(ec2, subnet_id)

    def ids(*filters):
        return [gateway["NatGatewayId"] for gateway in ec2.describe_nat_gateways(Filters=list(filters))["NatGateways"]]

    assert ids({"Name": "tag:eksforge:platform", "Values": ["demo"]}) == [ours]
    assert ids({"Name": "tag:Name", "Values": ["demo-nat-*"]},
               {"Name": "state", "Values": ["pending", "available"]}) == [ours]
    assert len(ids({"Name": "tag-key", "Values": ["eksforge:platform"]})) == 2
    assert ids({"Name": "tag-value", "Values": ["nothing-like-this"]}) == []


def test_describe_vpc_endpoint_services_filters_by_service_name(ec2):
    wanted = ["com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr"]
    answer = ec2.describe_vpc_endpoint_services(Filters=[{"Name": "service-name", "Values": wanted}])
    assert sorted(answer["ServiceNames"]) == wanted
    assert sorted(detail["ServiceName"] for detail in answer["ServiceDetails"]) == wanted


def test_repeating_a_client_token_returns_the_first_nat_gateway_instead_of_a_second(sandbox, ec2, subnet_id):
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    first = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id, ClientToken="run-1")
    again = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id, ClientToken="run-1")

    assert again["NatGateway"]["NatGatewayId"] == first["NatGateway"]["NatGatewayId"]
    assert len(ec2.describe_nat_gateways()["NatGateways"]) == 1
    with pytest.raises(ClientError) as raised:
        ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private", ClientToken="run-1")
    assert raised.value.response["Error"]["Code"] == "IdempotentParameterMismatch"


def test_deleting_a_nat_gateway_disassociates_its_elastic_ip_and_removes_its_interface(ec2, subnet_id):
    gateway = nat_gateway(ec2, subnet_id)
    allocation_id = gateway["NatGatewayAddresses"][0]["AllocationId"]

    ec2.delete_nat_gateway(NatGatewayId=gateway["NatGatewayId"])

    address = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    assert not address.get("AssociationId") and not address.get("NetworkInterfaceId")
    interfaces = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])
    assert interfaces["NetworkInterfaces"] == []


def test_a_subnet_holding_a_nat_gateway_cannot_be_deleted_until_the_gateway_is(ec2, subnet_id):
    gateway_id = nat_gateway(ec2, subnet_id)["NatGatewayId"]
    with pytest.raises(ClientError) as raised:
        ec2.delete_subnet(SubnetId=subnet_id)
    assert raised.value.response["Error"]["Code"] == "DependencyViolation"

    ec2.delete_nat_gateway(NatGatewayId=gateway_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    assert ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])["Subnets"] == []


def test_an_internet_gateway_cannot_be_detached_while_a_nat_gateway_maps_a_public_address(ec2, subnet_id):
    vpc_id = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["VpcId"]
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    nat_id = nat_gateway(ec2, subnet_id)["NatGatewayId"]

    with pytest.raises(ClientError) as raised:
        ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert raised.value.response["Error"]["Code"] == "DependencyViolation"

    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert ec2.describe_internet_gateways(InternetGatewayIds=[gateway_id])["InternetGateways"][0]["Attachments"] == []


def test_a_security_group_referenced_by_another_groups_rule_cannot_be_deleted(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.21.0.0/16")["Vpc"]["VpcId"]
    nodes = ec2.create_security_group(GroupName="nodes", Description="nodes", VpcId=vpc_id)["GroupId"]
    control_plane = ec2.create_security_group(GroupName="cp", Description="cp", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=control_plane, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": nodes}]}])
    # Self-references do not count.
    ec2.authorize_security_group_ingress(GroupId=nodes, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": nodes}]}])

    with pytest.raises(ClientError) as raised:
        ec2.delete_security_group(GroupId=nodes)
    assert raised.value.response["Error"]["Code"] == "DependencyViolation"

    ec2.delete_security_group(GroupId=control_plane)
    ec2.delete_security_group(GroupId=nodes)
    remaining = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    assert [group["GroupName"] for group in remaining] == ["default"]


def test_a_security_group_used_by_an_interface_endpoint_cannot_be_deleted(ec2, subnet_id):
    vpc_id = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["VpcId"]
    group_id = ec2.create_security_group(GroupName="endpoints", Description="e", VpcId=vpc_id)["GroupId"]
    endpoint_id = ec2.create_vpc_endpoint(VpcId=vpc_id, VpcEndpointType="Interface", SubnetIds=[subnet_id],
                                          ServiceName="com.amazonaws.us-east-1.ecr.api",
                                          SecurityGroupIds=[group_id])["VpcEndpoint"]["VpcEndpointId"]
    with pytest.raises(ClientError) as raised:
        ec2.delete_security_group(GroupId=group_id)
    assert raised.value.response["Error"]["Code"] == "DependencyViolation"

    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])
    ec2.delete_security_group(GroupId=group_id)


def test_terminating_an_instance_deletes_the_interface_made_at_launch_and_frees_its_security_group(ec2, subnet_id):
    """The network interface EC2 creates at launch has DeleteOnTermination true: terminating the instance deletes
    it, after which the instance's security group can be deleted. One launched with DeleteOnTermination false
    stays and holds the group back."""
    vpc_id = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["VpcId"]
    group_id = ec2.create_security_group(GroupName="bastion", Description="b", VpcId=vpc_id)["GroupId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet_id,
                                 SecurityGroupIds=[group_id])["Instances"][0]["InstanceId"]
    interfaces = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [group_id]}])
    assert [interface["Attachment"]["DeleteOnTermination"] for interface in interfaces["NetworkInterfaces"]] == [True]
    with pytest.raises(ClientError) as raised:
        ec2.delete_security_group(GroupId=group_id)
    assert raised.value.response["Error"]["Code"] == "DependencyViolation"
    ec2.terminate_instances(InstanceIds=[instance])
    assert ec2.describe_network_interfaces(
        Filters=[{"Name": "group-id", "Values": [group_id]}])["NetworkInterfaces"] == []
    ec2.delete_security_group(GroupId=group_id)

    kept = ec2.create_security_group(GroupName="kept", Description="k", VpcId=vpc_id)["GroupId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, NetworkInterfaces=[{
        "DeviceIndex": 0, "SubnetId": subnet_id, "Groups": [kept], "DeleteOnTermination": False}])["Instances"][0]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    assert len(ec2.describe_network_interfaces(
        Filters=[{"Name": "group-id", "Values": [kept]}])["NetworkInterfaces"]) == 1


def test_deleting_an_unknown_nat_gateway_is_nat_gateway_not_found(ec2):
    with pytest.raises(ClientError) as raised:
        ec2.delete_nat_gateway(NatGatewayId="nat-0123456789abcdef0")
    assert raised.value.response["Error"]["Code"] == "NatGatewayNotFound"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_instance_type_offerings_are_those_of_the_region_asked(sandbox):
    """EC2 offers p5.48xlarge in us-east-1 but not in af-south-1; an unknown type has no offering anywhere.
    moto 5.2.5 answers DescribeInstanceTypeOfferings from per-region data (guard: the preflight relies on it)."""
    wanted = [{"Name": "instance-type", "Values": ["p5.48xlarge", "t3.medium", "m9z.huge"]}]

    def offered(region: str) -> set[str]:
        answer = sandbox.client("ec2", region=region).describe_instance_type_offerings(
            LocationType="region", Filters=wanted)["InstanceTypeOfferings"]
        assert {offering["Location"] for offering in answer} <= {region}
        return {offering["InstanceType"] for offering in answer}

    assert offered("us-east-1") == {"p5.48xlarge", "t3.medium"}
    assert offered("af-south-1") == {"t3.medium"}
