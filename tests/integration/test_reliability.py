"""Convergence under injected faults (sandbox/aws/faults.py): playbooks/infra.yml (the layer that calls AWS) with 20%
of calls throttled and 5% answered 503, the network layer cut off at its Nth mutating call then re-run normally,
which must leave exactly the planned VPC, internet gateway, NAT gateways and Elastic IPs (no orphans), and the
network layer alone with the answers of its internet gateway's and a subnet's creation lost (site.yml under lost
answers: test_lost_answers.py). Destroy of a whole platform is test_platform_destroy.py's."""

from __future__ import annotations

import pytest

from sandbox import harness
from tests.integration.support.asserts import assert_idempotent, assert_ran, assert_vpc_role_ran
from tests.integration.support.constants import INFRA, LOCAL_PLATFORM
from tests.integration.support.inventory import owned_resources
from tests.integration.support.runs import role_play

pytestmark = pytest.mark.slow

# Two AZs with a NAT gateway each: two Elastic IPs and two CreateNatGateway calls that can be cut apart.
PER_AZ = {"vpc_nat_mode": "per_az"}
NAT_COUNT = 2


@pytest.fixture
def network_playbook(tmp_path) -> str:
    """The network layer alone (the vpc role as playbooks/infra.yml applies it; the role sets its own retry
    environment): both cut-off points lie in it, and each case then costs two network runs, not two site runs."""
    return role_play(tmp_path, "vpc")


def _assert_exactly_the_plan(sandbox) -> None:
    """EC2 resources have no names, so an interrupted or retried create is where duplicates and orphans would
    appear (roles, repositories and clusters are named: a second create of one fails instead)."""
    made = owned_resources(sandbox)
    assert len(made["vpcs"]) == 1, made["vpcs"]
    assert len(made["igws"]) == 1, made["igws"]
    assert len(made["subnets"]) == 6  # 3 tiers x 2 AZs
    assert len(made["route_tables"]) == 3  # public + one private per AZ
    live_nats = [nat for nat in made["nat_gateways"] if nat["State"] in ("pending", "available")]
    assert len(live_nats) == NAT_COUNT, live_nats
    assert len(made["nat_gateways"]) == NAT_COUNT, "a NAT gateway in another state (failed?) was left over"
    assert len({nat["SubnetId"] for nat in live_nats}) == NAT_COUNT
    # Every Elastic IP is the one of a NAT gateway: no orphan allocation.
    nat_allocations = sorted(address["AllocationId"] for nat in live_nats for address in nat["NatGatewayAddresses"])
    assert sorted(eip["AllocationId"] for eip in made["eips"]) == nat_allocations


def _assert_settled(run_playbook, playbook: str) -> None:
    assert_idempotent(run_playbook(playbook, extra_vars=PER_AZ))


def test_infra_converges_under_throttling_and_server_errors(clean_sandbox, run_playbook):
    # Both faults at once (one cold run instead of one per fault): any call may be throttled or answered 503.
    clean_sandbox.set_faults(throttle_rate=0.2, server_error_rate=0.05, seed=7)
    try:
        run = run_playbook(INFRA, extra_vars=PER_AZ)
    finally:
        clean_sandbox.clear_faults()
    assert_ran(run)
    _assert_exactly_the_plan(clean_sandbox)  # the retried creates left no duplicate (a no-op rerun: test_awx_jobs)
    cluster = clean_sandbox.boto3_client("eks").describe_cluster(name=LOCAL_PLATFORM)["cluster"]
    assert cluster["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("nth", "eips_before_rerun", "nats_before_rerun"),
    [
        (10, 0, 0),  # in the subnets
        (15, NAT_COUNT, 0),  # the first CreateNatGateway: both Elastic IPs allocated, no NAT gateway yet
    ],
)
def test_run_cut_off_at_nth_mutating_call_then_rerun_leaves_no_orphans(
        clean_sandbox, run_playbook, network_playbook, nth, eips_before_rerun, nats_before_rerun):
    clean_sandbox.set_faults(fail_from_nth_mutating=nth)
    try:
        first = run_playbook(network_playbook, extra_vars=PER_AZ)
    finally:
        faults = clean_sandbox.faults()
        clean_sandbox.clear_faults()
    assert first.rc != 0 and first.failed, f"the cut-off run must fail:\n{first.output[-6000:]}"
    assert faults["mutating_refused"] >= 1
    # The run stopped where the parameter says: what it left behind is the half-done state to resume from.
    cut_off = owned_resources(clean_sandbox)
    assert len(cut_off["vpcs"]) == 1
    assert (len(cut_off["eips"]), len(cut_off["nat_gateways"])) == (eips_before_rerun, nats_before_rerun)

    rerun = run_playbook(network_playbook, extra_vars=PER_AZ)
    assert_ran(rerun)
    _assert_exactly_the_plan(clean_sandbox)
    _assert_settled(run_playbook, network_playbook)


# A tenth of the mutating calls, seeded so that the answers of CreateInternetGateway and of a CreateSubnet are lost.
LOST_IN_THE_NETWORK = {"lost_answer_rate": 0.1, "seed": 3}


@pytest.fixture(scope="module")
def lost_in_the_network(sandbox, tmp_path_factory) -> dict:
    """A run of the network layer alone (the vpc role, whose calls open infra.yml's, so the same answers are lost)
    in the cleared session sandbox under LOST_IN_THE_NETWORK (the "applied, but the answer is lost" fault of
    test_lost_answers.py)."""
    sandbox.reset()
    sandbox.set_faults(**LOST_IN_THE_NETWORK)
    try:
        run = harness.run_playbook(sandbox, role_play(tmp_path_factory.mktemp("lost-in-the-network"), "vpc"))
        faults = sandbox.faults()
    finally:
        sandbox.clear_faults()
    return {"run": run, "lost_answers": faults["lost_answers"], "made": owned_resources(sandbox)}


def test_the_network_fault_hit_the_gateway_and_a_subnet(lost_in_the_network):
    assert {"ec2:CreateInternetGateway", "ec2:CreateSubnet"} <= set(lost_in_the_network["lost_answers"])


def test_a_lost_internet_gateway_answer_leaves_one_gateway(lost_in_the_network):
    assert len(lost_in_the_network["made"]["igws"]) == 1, lost_in_the_network["made"]["igws"]


def test_a_lost_subnet_answer_still_converges(lost_in_the_network):
    assert_vpc_role_ran(lost_in_the_network["run"])
    assert len(lost_in_the_network["made"]["subnets"]) == 6, lost_in_the_network["made"]["subnets"]
