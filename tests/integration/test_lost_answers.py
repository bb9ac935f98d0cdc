"""playbooks/site.yml (inventories/local) under the "applied, but the answer is lost" fault (sandbox/aws/faults.py,
lost_answer_rate): a share of mutating calls take effect while the client gets a 504, so botocore retries calls
that already happened, as AWS sometimes makes it. The run must still converge and make every resource once:
exactly the planned VPC, internet gateway, NAT gateway and Elastic IP, subnets, route tables, one cluster, one
nodegroup, one OIDC provider, and a fault-free re-run with nothing left to do."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sandbox import harness

# pytest runs with --import-mode=importlib: make the sibling helper module importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_vpc_support import assert_ran, owned_resources

pytestmark = pytest.mark.slow

SITE = "playbooks/site.yml"
# A third of all mutating calls lose their answer; the seed makes the run reproducible. With it the answers of
# one CreateRouteTable and four CreateRoute calls of the vpc role are lost.
LOST_ANSWERS = {"lost_answer_rate": 0.3, "seed": 11}

# What main's collection does under it (remove once fixed: strict, so the tests fail when they start passing).
ROUTE_RETRY = pytest.mark.xfail(strict=True, reason=(
    "roles/vpc route tables (amazon.aws.ec2_vpc_route_table): when the answer of a CreateRoute that took effect "
    "is lost, botocore's retry of it meets RouteAlreadyExists ('The route identified by 0.0.0.0/0 already "
    "exists') and the task fails, so the run stops in the network layer; nothing is duplicated up to there"))


@pytest.fixture(scope="module")
def lost(private_sandbox) -> dict:
    """One site run under the fault: its result, the faults' report and what it left in the account."""
    private_sandbox.set_faults(**LOST_ANSWERS)
    try:
        run = harness.run_playbook(private_sandbox, SITE)
    finally:
        faults = private_sandbox.faults()
        private_sandbox.clear_faults()
    return {"run": run, "lost_answers": faults["lost_answers"], "made": owned_resources(private_sandbox)}


def test_the_fault_hit_creates(lost):
    assert "ec2:CreateRouteTable" in lost["lost_answers"] and "ec2:CreateRoute" in lost["lost_answers"], \
        lost["lost_answers"]


@ROUTE_RETRY
def test_the_run_converges(lost):
    assert_ran(lost["run"])


@pytest.mark.parametrize(("kind", "planned"), [
    ("vpcs", 1), ("igws", 1), ("nat_gateways", 1), ("eips", 1),  # inventories/local: vpc_nat_mode single
    ("subnets", 6),  # 3 tiers x 2 AZs
    ("route_tables", 3),  # public + one private per AZ
])
def test_each_planned_network_resource_exists_once(lost, kind, planned):
    assert len(lost["made"][kind]) == planned, (lost["made"][kind], lost["lost_answers"])


@ROUTE_RETRY
@pytest.mark.parametrize("kind", ["eks_clusters", "oidc_providers"])
def test_one_cluster_and_one_oidc_provider(lost, kind):
    assert len(lost["made"][kind]) == 1, (lost["made"][kind], lost["lost_answers"])


@ROUTE_RETRY
def test_one_nodegroup(lost, private_sandbox):
    eks = private_sandbox.boto3_client("eks")
    assert eks.list_nodegroups(clusterName="eksforge-local")["nodegroups"] == ["general"]


@ROUTE_RETRY
def test_a_fault_free_rerun_has_nothing_left_to_do(lost, private_sandbox):
    """Named resources (roles, repositories, add-ons, access entries) cannot exist twice: a retried create of one
    fails instead, so the run above converging and this one changing nothing shows they were each made once."""
    rerun = harness.run_playbook(private_sandbox, SITE)
    assert_ran(rerun, changed=0)
    assert rerun.mutating_calls == [], rerun.mutating_calls


# A tenth of the mutating calls, seeded so that the answers of CreateInternetGateway and of a CreateSubnet are lost.
LOST_IN_THE_NETWORK = {"lost_answer_rate": 0.1, "seed": 3}


@pytest.fixture(scope="module")
def lost_in_the_network(tmp_path_factory) -> dict:
    """A site run of its own sandbox under LOST_IN_THE_NETWORK."""
    sandbox = harness.start(tmp_path_factory.mktemp("lost-in-the-network"))
    try:
        sandbox.set_faults(**LOST_IN_THE_NETWORK)
        run = harness.run_playbook(sandbox, SITE)
        faults = sandbox.faults()
        sandbox.clear_faults()
        return {"run": run, "lost_answers": faults["lost_answers"], "made": owned_resources(sandbox)}
    finally:
        sandbox.stop()


def test_the_network_fault_hit_the_gateway_and_a_subnet(lost_in_the_network):
    assert {"ec2:CreateInternetGateway", "ec2:CreateSubnet"} <= set(lost_in_the_network["lost_answers"])


@pytest.mark.xfail(strict=True, reason=(
    "roles/vpc internet gateway (amazon.aws.ec2_vpc_igw): CreateInternetGateway has no client token, so "
    "botocore's retry of a create whose answer was lost makes a second gateway, tagged like the first "
    "(TagSpecifications) and left unattached: two owned internet gateways"))
def test_a_lost_internet_gateway_answer_leaves_one_gateway(lost_in_the_network):
    assert len(lost_in_the_network["made"]["igws"]) == 1, lost_in_the_network["made"]["igws"]


@pytest.mark.xfail(strict=True, reason=(
    "roles/vpc subnets (amazon.aws.ec2_vpc_subnet): CreateSubnet has no client token, so botocore's retry of a "
    "create whose answer was lost meets InvalidSubnet.Conflict (the first call made the subnet) and the task "
    "fails"))
def test_a_lost_subnet_answer_still_converges(lost_in_the_network):
    assert_ran(lost_in_the_network["run"])
