"""The "applied, but the answer is lost" fault (sandbox/aws/faults.py, lost_answer_rate): a mutating call takes
effect and the client gets a bare 504, as when a load balancer gives up on a request AWS went on to complete.
botocore retries it like any transient 5xx, so a create without a client token runs twice."""

from __future__ import annotations

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRIES = Config(retries={"total_max_attempts": 1})
RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 10})
# With lost_answer_rate 0.5, seed 1 loses the first mutating call's answer and lets the second one through.
FIRST_LOST = {"lost_answer_rate": 0.5, "seed": 1}
TRUST = '{"Version": "2012-10-17", "Statement": []}'


def cidrs(sandbox) -> list[str]:
    return sorted(vpc["CidrBlock"] for vpc in sandbox.client("ec2", internal=True).describe_vpcs()["Vpcs"])


def test_the_call_takes_effect_but_the_client_gets_a_504(sandbox):
    before = cidrs(sandbox)
    sandbox.set_faults(lost_answer_rate=1.0)
    with pytest.raises(ClientError) as raised:
        sandbox.client("ec2", config=NO_RETRIES).create_vpc(CidrBlock="10.31.0.0/16")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 504
    assert cidrs(sandbox) == sorted([*before, "10.31.0.0/16"])
    assert sandbox.faults()["answers_lost"] == 1


def test_reads_keep_their_answers(sandbox):
    sandbox.set_faults(lost_answer_rate=1.0)
    assert sandbox.client("iam", config=NO_RETRIES).list_roles()["Roles"] == []
    assert sandbox.faults()["answers_lost"] == 0


def test_botocore_retries_a_lost_create_into_a_duplicate(sandbox):
    """CreateVpc has no client token: the retry makes a second VPC and the caller only hears of that one."""
    before = cidrs(sandbox)
    sandbox.set_faults(**FIRST_LOST)
    answer = sandbox.client("ec2", config=RETRIES).create_vpc(CidrBlock="10.32.0.0/16")
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert cidrs(sandbox) == sorted([*before, "10.32.0.0/16", "10.32.0.0/16"])


def test_a_retried_named_create_meets_its_own_conflict(sandbox):
    """CreateRole is named: the retry of a create that took effect fails with EntityAlreadyExists."""
    sandbox.set_faults(**FIRST_LOST)
    with pytest.raises(ClientError) as raised:
        sandbox.client("iam", config=RETRIES).create_role(RoleName="lost", AssumeRolePolicyDocument=TRUST)
    assert raised.value.response["Error"]["Code"] == "EntityAlreadyExists"
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [role["RoleName"] for role in sandbox.client("iam", internal=True).list_roles()["Roles"]] == ["lost"]


def test_a_client_token_makes_the_retry_return_the_first_answer(sandbox):
    """CreateNatGateway carries a ClientToken (botocore fills one in and keeps it across retries): the retry gets
    the first gateway back instead of a second one."""
    internal = sandbox.client("ec2", internal=True)
    vpc = internal.create_vpc(CidrBlock="10.33.0.0/16")["Vpc"]["VpcId"]
    subnet = internal.create_subnet(VpcId=vpc, CidrBlock="10.33.1.0/24")["Subnet"]["SubnetId"]
    allocation = internal.allocate_address(Domain="vpc")["AllocationId"]
    sandbox.set_faults(**FIRST_LOST)
    answer = sandbox.client("ec2", config=RETRIES).create_nat_gateway(SubnetId=subnet, AllocationId=allocation)
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    gateways = internal.describe_nat_gateways(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NatGateways"]
    assert [gateway["NatGatewayId"] for gateway in gateways] == [answer["NatGateway"]["NatGatewayId"]]


def test_eks_client_request_tokens_make_a_lost_create_safe(sandbox):
    """EKS CreateCluster carries a clientRequestToken: the retry answers with the cluster the first call made."""
    internal_ec2 = sandbox.client("ec2", internal=True)
    vpc = internal_ec2.create_vpc(CidrBlock="10.34.0.0/16")["Vpc"]["VpcId"]
    subnets = [internal_ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.34.{index}.0/24",
                                          AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
               for index, zone in enumerate("ab")]
    role = sandbox.client("iam", internal=True).create_role(RoleName="cluster", AssumeRolePolicyDocument=TRUST)
    sandbox.set_faults(**FIRST_LOST)
    answer = sandbox.client("eks", config=RETRIES).create_cluster(
        name="lost", roleArn=role["Role"]["Arn"], resourcesVpcConfig={"subnetIds": subnets})
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert answer["cluster"]["name"] == "lost"
    assert sandbox.client("eks", internal=True).list_clusters()["clusters"] == ["lost"]


def test_refusals_and_other_faults_win_over_a_lost_answer(sandbox):
    """A refused call is not applied, so it has no answer to lose; the other faults keep their meaning."""
    before = cidrs(sandbox)
    sandbox.set_faults(lost_answer_rate=1.0, fail_from_nth_mutating=1)
    with pytest.raises(ClientError) as raised:
        sandbox.client("ec2", config=NO_RETRIES).create_vpc(CidrBlock="10.35.0.0/16")
    assert raised.value.response["Error"]["Code"] == "UnauthorizedOperation"
    assert cidrs(sandbox) == before
    assert sandbox.faults()["answers_lost"] == 0


def test_lost_answer_rate_is_validated_and_reported(sandbox):
    shown = sandbox.set_faults(lost_answer_rate=0.1, seed=4)
    assert (shown["lost_answer_rate"], shown["answers_lost"]) == (0.1, 0)
    with pytest.raises(requests.HTTPError) as raised:
        sandbox.set_faults(lost_answer_rate=1.5)
    assert raised.value.response.status_code == 400
    sandbox.clear_faults()
    assert sandbox.faults()["lost_answer_rate"] == 0.0
