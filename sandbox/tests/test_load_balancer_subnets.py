"""Subnet auto-discovery of the simulated AWS Load Balancer Controller (sandbox/k8s/controllers/load_balancers_aws.py)
against the sandbox's EC2, as the controller documents it (kubernetes-sigs.github.io/aws-load-balancer-controller,
"Subnet Auto-Discovery"): role-tagged subnets first; without any, the subnets whose reachability matches the scheme;
never subnets tagged for other clusters only; one subnet per zone, the lowest id; an ALB needs two zones."""

from __future__ import annotations

import pytest

from sandbox.k8s.controllers.load_balancers_aws import Deployer, DeployError


@pytest.fixture
def vpc(sandbox):
    ec2 = sandbox.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = {name: ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.7.{i}.0/24",
                                       AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
               for i, (name, zone) in enumerate([("public-a", "a"), ("public-b", "b"), ("private-a", "a"),
                                                 ("private-b", "b"), ("other-cluster-c", "c")])}
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    for name in ("public-a", "public-b", "other-cluster-c"):
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[name])
    ec2.create_tags(Resources=[subnets["other-cluster-c"]],
                    Tags=[{"Key": "kubernetes.io/cluster/someone-else", "Value": "owned"}])
    return ec2, vpc_id, subnets


def test_without_role_tags_the_scheme_picks_public_or_private_subnets(sandbox, vpc):
    ec2, vpc_id, subnets = vpc
    deployer = Deployer(sandbox.client("elbv2"), ec2, "demo", vpc_id)
    assert deployer.subnets("internet-facing", "application") == sorted([subnets["public-a"], subnets["public-b"]])
    assert deployer.subnets("internal", "application") == sorted([subnets["private-a"], subnets["private-b"]])


def test_role_tags_win_and_an_alb_needs_two_zones(sandbox, vpc):
    ec2, vpc_id, subnets = vpc
    ec2.create_tags(Resources=[subnets["private-a"]], Tags=[{"Key": "kubernetes.io/role/elb", "Value": "1"}])
    deployer = Deployer(sandbox.client("elbv2"), ec2, "demo", vpc_id)
    assert deployer.subnets("internet-facing", "network") == [subnets["private-a"]]
    with pytest.raises(DeployError, match="at least 2 subnet"):
        deployer.subnets("internet-facing", "application")
