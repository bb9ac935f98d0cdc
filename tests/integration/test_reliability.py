"""The vpc role converges under injected faults: 20% throttling, and a run whose Nth mutating call fails,
followed by a normal re-run, never leaves a second VPC, internet gateway, NAT gateway or Elastic IP."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib: make the sibling helper module importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_vpc_support import assert_ran, owned_resources

pytestmark = pytest.mark.slow

# Two AZs with a NAT gateway each: two EIP allocations and two CreateNatGateway calls to interrupt.
PER_AZ = {"vpc_nat_mode": "per_az"}

# The network layer alone (the vpc role as playbooks/infra.yml applies it): the iam and ecr roles have their own
# reliability story (see the report: ecr gave up on throttled DescribeRepositories after botocore's default retries).
PLAY = """
- name: Network layer
  hosts: platform
  gather_facts: false
  module_defaults:
    group/eksforge.platform.aws:
      region: "{{ aws_region }}"
      endpoint_url: "{{ aws_endpoint_url | default(omit) }}"
      access_key: "{{ aws_access_key | default(omit) }}"
      secret_key: "{{ aws_secret_key | default(omit) }}"
  tasks:
    - name: Network
      ansible.builtin.import_role:
        name: eksforge.platform.vpc
"""


@pytest.fixture
def network_playbook(tmp_path) -> str:
    path = tmp_path / "network.yml"
    path.write_text(PLAY)
    return str(path)


def _assert_exactly_the_plan(sandbox, nat_count: int) -> None:
    made = owned_resources(sandbox)
    assert len(made["vpcs"]) == 1, made["vpcs"]
    assert len(made["igws"]) == 1, made["igws"]
    assert len(made["subnets"]) == 6
    live_nats = [nat for nat in made["nat_gateways"] if nat["State"] in ("pending", "available")]
    assert len(live_nats) == nat_count, live_nats
    assert len(made["nat_gateways"]) == nat_count, "a NAT gateway in another state (failed?) was left over"
    assert len(made["eips"]) == nat_count, made["eips"]
    # Every EIP is the one of a NAT gateway: no orphan allocation.
    nat_allocations = sorted(address["AllocationId"] for nat in live_nats for address in nat["NatGatewayAddresses"])
    assert sorted(eip["AllocationId"] for eip in made["eips"]) == nat_allocations
    assert len({nat["SubnetId"] for nat in live_nats}) == nat_count


def test_converges_with_20_percent_throttling(clean_sandbox, run_playbook, network_playbook):
    clean_sandbox.set_faults(throttle_rate=0.2, seed=7)
    try:
        run = run_playbook(network_playbook, extra_vars=PER_AZ)
    finally:
        clean_sandbox.clear_faults()
    assert_ran(run)
    _assert_exactly_the_plan(clean_sandbox, nat_count=2)
    again = run_playbook(network_playbook, extra_vars=PER_AZ)
    assert_ran(again, changed=0)
    assert again.mutating_calls == []


@pytest.mark.parametrize(
    "nth",
    [
        10,  # in the subnets
        15,  # the first CreateNatGateway, both Elastic IPs already allocated
    ],
)
def test_failed_mutating_call_then_rerun_leaves_no_orphans(clean_sandbox, run_playbook, network_playbook, nth):
    clean_sandbox.set_faults(fail_nth_mutating=nth, seed=1)
    try:
        first = run_playbook(network_playbook, extra_vars=PER_AZ)
    finally:
        faults = clean_sandbox.faults()
        clean_sandbox.clear_faults()
    assert faults["fail_nth_mutating_done"], "the injected failure never happened"
    # The failed call is an HTTP 500 InternalError: botocore's standard retry mode (and amazon.aws's own retry
    # decorators) may retry it, so the first run may or may not fail; either way it must not have left a
    # duplicate behind, and a normal re-run must converge.
    if first.rc == 0:
        _assert_exactly_the_plan(clean_sandbox, nat_count=2)

    rerun = run_playbook(network_playbook, extra_vars=PER_AZ)
    assert_ran(rerun)
    _assert_exactly_the_plan(clean_sandbox, nat_count=2)

    settled = run_playbook(network_playbook, extra_vars=PER_AZ)
    assert_ran(settled, changed=0)
    assert settled.mutating_calls == []
