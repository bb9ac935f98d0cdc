"""The AWS process's control API: health, call counters, reset; and the account moto starts with."""

from __future__ import annotations

import requests

from sandbox.client import SandboxClient


def test_health_names_the_loaded_extensions(sandbox):
    health = sandbox.health()
    assert health["status"] == "ok"
    assert "Ec2Fixes" in health["extensions"]


def test_calls_are_counted_per_service_action_and_kind(sandbox):
    ec2 = sandbox.client("ec2")
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    ec2.create_vpc(CidrBlock="10.9.0.0/16")

    report = requests.get(f"{sandbox.endpoint}/_sandbox/calls", timeout=10).json()

    assert report == {"calls": [{"service": "ec2", "action": "CreateVpc", "kind": "mutating", "count": 1},
                                {"service": "ec2", "action": "DescribeVpcs", "kind": "read", "count": 2}],
                      "total": 3, "mutating": 1}
    assert [call["action"] for call in sandbox.mutating_calls()] == ["CreateVpc"]


def test_internal_calls_and_control_calls_are_not_counted(sandbox):
    internal_ec2 = sandbox.client("ec2", internal=True)
    internal_ec2.create_vpc(CidrBlock="10.9.0.0/16")
    sandbox.health()
    sandbox.faults()

    assert sandbox.calls() == []
    # The internal call still happened.
    assert any(vpc["CidrBlock"] == "10.9.0.0/16" for vpc in sandbox.client("ec2").describe_vpcs()["Vpcs"])


def test_delete_calls_resets_the_counters(sandbox):
    sandbox.client("iam").list_roles()
    assert sandbox.count("ListRoles") == 1
    sandbox.reset_calls()
    assert sandbox.calls() == []


def test_reset_forgets_resources_counters_and_faults(sandbox):
    ec2 = sandbox.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    sandbox.client("ecr").create_repository(repositoryName="gone")
    sandbox.set_faults(throttle_rate=0.5, seed=3)

    sandbox.reset()

    assert sandbox.calls() == []
    assert sandbox.faults()["throttle_rate"] == 0.0
    assert vpc_id not in {vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"]}
    assert sandbox.client("ecr").describe_repositories()["repositories"] == []


MANAGED_POLICIES = ["AmazonEKSClusterPolicy", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
                    "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore",
                    "AmazonEKSVPCResourceController"]


def test_aws_managed_policies_exist_like_in_a_real_account(running_sandbox):
    iam = SandboxClient(running_sandbox).client("iam")
    for policy in MANAGED_POLICIES:
        found = iam.get_policy(PolicyArn=f"arn:aws:iam::aws:policy/{policy}")["Policy"]
        assert found["PolicyName"] == policy
        version = iam.get_policy_version(PolicyArn=found["Arn"], VersionId=found["DefaultVersionId"])
        assert version["PolicyVersion"]["Document"]["Statement"], policy


def test_unknown_control_route_is_a_404(sandbox):
    response = requests.get(f"{sandbox.endpoint}/_sandbox/nope", timeout=10)
    assert response.status_code == 404
