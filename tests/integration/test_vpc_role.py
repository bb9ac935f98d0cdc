"""The vpc role on its own (3 AZs, NAT per AZ, S3 + ECR API endpoints): vpc_outputs matches what exists,
private routes go to the NAT gateway of their AZ, and vpc_state=absent removes it all."""

from __future__ import annotations

import ipaddress
import json

import pytest

from tests.integration.support.asserts import assert_ran
from tests.integration.support.inventory import owned_resources, tags_of
from tests.integration.support.runs import role_play

pytestmark = pytest.mark.slow

SETTINGS = {
    "vpc_az_count": 3,
    "vpc_nat_mode": "per_az",
    "vpc_endpoints": ["s3", "ecr.api"],
    "vpc_eks_cluster_names": ["blue", "green"],
}


def test_outputs_routes_tags_and_absent(clean_sandbox, run_playbook, tmp_path):
    playbook = role_play(tmp_path, "vpc", save="vpc_outputs")
    outputs_file = tmp_path / "outputs.json"
    run = run_playbook(playbook, extra_vars=SETTINGS)
    assert_ran(run)
    out = json.loads(outputs_file.read_text())
    ec2 = clean_sandbox.boto3_client("ec2")

    assert out["cidr"] == "10.42.0.0/20" and out["azs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [out["vpc_id"]]}])["Subnets"]}
    assert len(subnets) == 9
    for tier in ("public", "private_app", "private_data"):
        assert [s["az"] for s in out["subnets"][tier]] == out["azs"]
        assert [s["id"] for s in out["subnets"][tier]] == out[f"{tier}_subnet_ids"]
        for entry in out["subnets"][tier]:
            real = subnets[entry["id"]]
            assert (real["CidrBlock"], real["AvailabilityZone"]) == (entry["cidr"], entry["az"])
            assert ipaddress.ip_network(entry["cidr"]).subnet_of(ipaddress.ip_network(out["cidr"]))
            tags = tags_of(real)
            assert tags["eksforge:platform"] == "eksforge-local"
            assert tags["Name"] == f"eksforge-local-{tier.replace('_', '-')}-{entry['az']}"
            assert tags["kubernetes.io/cluster/blue"] == tags["kubernetes.io/cluster/green"] == "shared"
            assert ("kubernetes.io/role/elb" in tags) == (tier == "public")
            assert ("kubernetes.io/role/internal-elb" in tags) == (tier == "private_app")
            assert real["MapPublicIpOnLaunch"] == (tier == "public")

    nats = {n["NatGatewayId"]: n for n in ec2.describe_nat_gateways(NatGatewayIds=out["nat_gateway_ids"])["NatGateways"]}
    assert len(nats) == 3
    nat_by_az = {subnets[n["SubnetId"]]["AvailabilityZone"]: nat_id for nat_id, n in nats.items()}
    assert sorted(nat_by_az) == out["azs"]
    assert all(nats[nat]["SubnetId"] in out["public_subnet_ids"] for nat in nat_by_az.values())

    tables = {t["RouteTableId"]: t for t in ec2.describe_route_tables(
        RouteTableIds=[out["public_route_table_id"], *out["private_route_table_ids"]])["RouteTables"]}
    public = tables[out["public_route_table_id"]]
    assert {r.get("GatewayId") for r in public["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"} == {out["igw_id"]}
    assert {a["SubnetId"] for a in public["Associations"] if a.get("SubnetId")} == set(out["public_subnet_ids"])
    for table_id in out["private_route_table_ids"]:
        table = tables[table_id]
        associated = {a["SubnetId"] for a in table["Associations"] if a.get("SubnetId")}
        azs = {subnets[s]["AvailabilityZone"] for s in associated}
        assert len(associated) == 2 and len(azs) == 1  # private_app + private_data of one AZ
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert [r.get("NatGatewayId") for r in default] == [nat_by_az[azs.pop()]]

    endpoints = {e["VpcEndpointId"]: e for e in ec2.describe_vpc_endpoints(
        VpcEndpointIds=list(out["endpoint_ids"].values()))["VpcEndpoints"]}
    s3 = endpoints[out["endpoint_ids"]["s3"]]
    assert s3["VpcEndpointType"] == "Gateway" and sorted(s3["RouteTableIds"]) == sorted(tables)
    ecr_api = endpoints[out["endpoint_ids"]["ecr.api"]]
    assert ecr_api["VpcEndpointType"] == "Interface"
    assert sorted(ecr_api["SubnetIds"]) == sorted(out["private_app_subnet_ids"])
    assert [g["GroupId"] for g in ecr_api["Groups"]] == [out["endpoint_security_group_id"]]

    gone = run_playbook(playbook, extra_vars={**SETTINGS, "vpc_state": "absent"})
    assert_ran(gone)
    assert json.loads(outputs_file.read_text()) == {}
    left = owned_resources(clean_sandbox)
    assert {kind: items for kind, items in left.items() if items and kind not in ("iam_roles", "ecr_repositories")} == {}
