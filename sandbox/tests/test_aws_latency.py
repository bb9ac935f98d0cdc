"""The optional latency profile (sandbox/aws/latency.py) through boto3 against a sandbox started with it, and the
timestamped call log bench/timeline.py reads. Each test names the real AWS behaviour the profile reproduces."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.aws.latency import PROFILES, real_seconds
from sandbox.client import SandboxClient
from sandbox.config import LATENCY_ENV, LATENCY_SCALE_ENV, LatencySettings, SandboxConfig
from sandbox.tests.conftest import run_cli, sandbox_env

# 9.5 minutes of control plane take 2.85 s here, a NAT gateway's 1.5 minutes 0.45 s.
SCALE = 0.005
ACCOUNT = "123456789012"
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/latency-cluster"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/latency-node"


def scaled(resource: str, change: str) -> float:
    return real_seconds("aws", resource, change) * SCALE


@pytest.fixture(scope="module")
def profiled(tmp_path_factory) -> SandboxClient:
    """A sandbox of its own started with `up --latency aws --latency-scale 0.005`, as a user runs it."""
    env = sandbox_env(tmp_path_factory.mktemp("latency"))
    started = run_cli(env, "up", "--latency", "aws", "--latency-scale", str(SCALE))
    assert started.returncode == 0, started.stdout + started.stderr
    yield SandboxClient(SandboxConfig.from_env(env))
    stopped = run_cli(env, "down")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr


def public_subnet(ec2) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]


def nat_state(ec2, gateway_id: str) -> str:
    return ec2.describe_nat_gateways(NatGatewayIds=[gateway_id])["NatGateways"][0]["State"]


def wait_for(check, timeout: float) -> float:
    """Poll `check()` until true; returns the seconds it took (fails after `timeout`)."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < timeout, "the state never changed"
        time.sleep(0.05)
    return time.monotonic() - began


def test_health_reports_the_profile(profiled):
    assert profiled.health()["latency"] == {"profile": "aws", "scale": SCALE}


def test_nat_gateway_is_pending_then_available_after_the_profile_time(profiled):
    """AWS answers CreateNatGateway with state "pending"; the gateway turns "available" a minute or two later."""
    ec2 = profiled.client("ec2")
    subnet = public_subnet(ec2)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    began = time.monotonic()
    created = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]

    assert created["State"] == "pending"
    assert nat_state(ec2, created["NatGatewayId"]) == "pending"
    # A state filter sees the state AWS reports (the vpc role looks for pending or available gateways).
    pending = ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["pending"]}])["NatGateways"]
    assert created["NatGatewayId"] in [gateway["NatGatewayId"] for gateway in pending]
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[created["NatGatewayId"]],
                                                 WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    assert time.monotonic() - began >= scaled("nat-gateway", "create")


def test_deleted_nat_gateway_is_deleting_before_deleted(profiled):
    """AWS shows a deleted NAT gateway as "deleting" for about a minute, then "deleted"."""
    ec2 = profiled.client("ec2")
    subnet = public_subnet(ec2)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    gateway_id = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    wait_for(lambda: nat_state(ec2, gateway_id) == "available", timeout=10)

    ec2.delete_nat_gateway(NatGatewayId=gateway_id)

    assert nat_state(ec2, gateway_id) == "deleting"
    took = wait_for(lambda: nat_state(ec2, gateway_id) == "deleted", timeout=10)
    assert took >= scaled("nat-gateway", "delete") * 0.5


def test_eks_cluster_nodegroup_and_addon_take_the_profile_times(profiled):
    """A control plane is CREATING for about 9.5 minutes, a managed nodegroup 3.5 and an add-on 1 (scaled)."""
    iam = profiled.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                "Principal": {"Service": "eks.amazonaws.com"}}]})
    for arn in (CLUSTER_ROLE, NODE_ROLE):
        iam.create_role(RoleName=arn.rsplit("/", 1)[1], AssumeRolePolicyDocument=trust)
    ec2 = profiled.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.31.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")
               ["Subnet"]["SubnetId"] for i, zone in enumerate("ab")]
    eks = profiled.client("eks")

    # Each time from just before its create call to the first describe that sees ACTIVE: the calls in between count
    # (on a busy machine they take a while), so a change can't look faster than it was.
    cluster_began = time.monotonic()
    eks.create_cluster(name="slow", roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnets})
    wait_for(lambda: eks.describe_cluster(name="slow")["cluster"]["status"] == "ACTIVE", timeout=30)
    cluster_took = time.monotonic() - cluster_began
    nodegroup_began = time.monotonic()
    eks.create_nodegroup(clusterName="slow", nodegroupName="general", nodeRole=NODE_ROLE, subnets=subnets)
    addon_began = time.monotonic()
    eks.create_addon(clusterName="slow", addonName="vpc-cni")
    wait_for(lambda: eks.describe_addon(clusterName="slow", addonName="vpc-cni")["addon"]["status"] == "ACTIVE",
             timeout=30)
    addon_took = time.monotonic() - addon_began
    assert eks.describe_nodegroup(clusterName="slow", nodegroupName="general")["nodegroup"]["status"] == "CREATING"
    wait_for(lambda: eks.describe_nodegroup(clusterName="slow", nodegroupName="general")["nodegroup"]["status"]
             == "ACTIVE", timeout=30)
    nodegroup_took = time.monotonic() - nodegroup_began

    assert cluster_took >= scaled("eks-cluster", "create") * 0.95
    assert nodegroup_took >= scaled("eks-nodegroup", "create") * 0.95
    assert addon_took >= scaled("eks-addon", "create") * 0.95


def test_call_log_has_every_call_in_order_with_time_and_target(profiled):
    profiled.reset_calls()
    ec2 = profiled.client("ec2")
    before = time.time()
    vpc = ec2.create_vpc(CidrBlock="10.32.0.0/16")["Vpc"]["VpcId"]
    ec2.describe_vpcs(VpcIds=[vpc])
    profiled.client("eks").list_clusters()

    log = profiled.call_log()

    assert [(entry["service"], entry["action"], entry["kind"]) for entry in log] == [
        ("ec2", "CreateVpc", "mutating"), ("ec2", "DescribeVpcs", "read"), ("eks", "ListClusters", "read")]
    assert before <= log[0]["at"] <= log[1]["at"] <= log[2]["at"] <= time.time()
    assert log[1]["target"] == {}  # VpcIds is a list; only single names are kept
    profiled.reset_calls()
    assert profiled.call_log() == []


def test_without_a_profile_nat_gateways_are_available_at_once(sandbox):
    """The default stays what moto does: the vpc role's waits pass on the first poll."""
    assert sandbox.health()["latency"]["profile"] == ""
    ec2 = sandbox.client("ec2")
    subnet = public_subnet(ec2)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    created = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    assert nat_state(ec2, created["NatGatewayId"]) == "available"


def test_up_refuses_an_unknown_profile_or_a_bad_scale(tmp_path):
    env = sandbox_env(tmp_path / "state")
    unknown = run_cli(env, "up", "--latency", "azure")
    bad_scale = run_cli(dict(env, **{LATENCY_ENV: "aws"}), "up", "--latency-scale", "0")

    assert unknown.returncode == 2 and f"{LATENCY_ENV}='azure' is not a latency profile" in unknown.stderr
    assert bad_scale.returncode == 2 and f"{LATENCY_SCALE_ENV}='0' must be a number above 0" in bad_scale.stderr
    assert not (tmp_path / "state" / "aws.pid").exists()


def test_settings_default_to_no_profile_and_one_hundredth():
    assert LatencySettings.from_env({}) == LatencySettings("", 0.01)
    assert LatencySettings.from_env({LATENCY_ENV: "aws", LATENCY_SCALE_ENV: "0.1"}) == LatencySettings("aws", 0.1)


def test_update_types_without_their_own_duration_use_the_resource_update_time():
    assert real_seconds("aws", "eks-cluster", "update:VersionUpdate") == PROFILES["aws"][("eks-cluster",
                                                                                          "update:VersionUpdate")]
    assert real_seconds("aws", "eks-cluster", "update:LoggingUpdate") == PROFILES["aws"][("eks-cluster", "update")]
