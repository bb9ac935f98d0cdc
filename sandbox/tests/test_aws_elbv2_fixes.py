"""Real ELBv2 naming that moto 5.2.5 lacks (fixed in sandbox/aws/extensions/elbv2.py): a load balancer's DNS name
and canonical hosted zone, which external-dns and Route53 alias records depend on."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def network(sandbox):
    ec2 = sandbox.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    return [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")
            ["Subnet"]["SubnetId"] for i, zone in enumerate("ab")]


def test_alb_and_nlb_dns_names_and_zones_are_aws_s(sandbox, network):
    """AWS names an internet-facing ALB `<name>-<number>.<region>.elb.amazonaws.com`, an internal one with the
    `internal-` prefix, an NLB `<name>-<hex>.elb.<region>.amazonaws.com`; their canonical hosted zones in us-east-1
    are Z35SXDOTRQ7X7K (ALB) and Z26RNL4JYFTOTI (NLB). Describe answers the same as create."""
    elbv2 = sandbox.client("elbv2")
    alb = elbv2.create_load_balancer(Name="web", Subnets=network, Scheme="internet-facing",
                                     Type="application")["LoadBalancers"][0]
    internal = elbv2.create_load_balancer(Name="api", Subnets=network, Scheme="internal",
                                          Type="application")["LoadBalancers"][0]
    nlb = elbv2.create_load_balancer(Name="tcp", Subnets=network, Type="network")["LoadBalancers"][0]
    assert re.fullmatch(r"web-\d+\.us-east-1\.elb\.amazonaws\.com", alb["DNSName"])
    assert re.fullmatch(r"internal-api-\d+\.us-east-1\.elb\.amazonaws\.com", internal["DNSName"])
    assert re.fullmatch(r"tcp-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com", nlb["DNSName"])
    assert (alb["CanonicalHostedZoneId"], nlb["CanonicalHostedZoneId"]) == ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI")
    described = {lb["LoadBalancerName"]: (lb["DNSName"], lb["CanonicalHostedZoneId"])
                 for lb in elbv2.describe_load_balancers()["LoadBalancers"]}
    assert described == {lb["LoadBalancerName"]: (lb["DNSName"], lb["CanonicalHostedZoneId"])
                         for lb in (alb, internal, nlb)}


def test_a_load_balancer_created_without_a_scheme_is_internet_facing(sandbox, network):
    """ELBv2 CreateLoadBalancer: Scheme defaults to internet-facing, answered and described as such."""
    elbv2 = sandbox.client("elbv2")
    created = elbv2.create_load_balancer(Name="front", Subnets=network, Type="application")["LoadBalancers"][0]
    assert created["Scheme"] == "internet-facing"
    described = elbv2.describe_load_balancers(Names=["front"])["LoadBalancers"][0]
    assert described["Scheme"] == "internet-facing" and not described["DNSName"].startswith("internal-")


def test_classic_load_balancer_dns_name_and_zone_are_aws_s(sandbox, network):
    """A Classic Load Balancer (what EKS's cloud provider makes for a LoadBalancer Service) is named
    `[internal-]<name>-<number>.<region>.elb.amazonaws.com` in the region's zone (Z35SXDOTRQ7X7K in us-east-1)."""
    elb = sandbox.client("elb")
    listeners = [{"Protocol": "TCP", "LoadBalancerPort": 80, "InstanceProtocol": "TCP", "InstancePort": 30080}]
    public = elb.create_load_balancer(LoadBalancerName="apublic", Listeners=listeners, Subnets=network)["DNSName"]
    internal = elb.create_load_balancer(LoadBalancerName="ainternal", Listeners=listeners, Subnets=network,
                                        Scheme="internal")["DNSName"]
    assert re.fullmatch(r"apublic-\d+\.us-east-1\.elb\.amazonaws\.com", public)
    assert re.fullmatch(r"internal-ainternal-\d+\.us-east-1\.elb\.amazonaws\.com", internal)
    described = {d["LoadBalancerName"]: (d["DNSName"], d["CanonicalHostedZoneNameID"])
                 for d in elb.describe_load_balancers()["LoadBalancerDescriptions"]}
    assert described == {"apublic": (public, "Z35SXDOTRQ7X7K"), "ainternal": (internal, "Z35SXDOTRQ7X7K")}
