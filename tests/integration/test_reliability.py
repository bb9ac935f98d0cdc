"""Convergence under injected faults (sandbox/aws/faults.py): playbooks/site.yml with 20% of calls throttled or
5% answered 503, and the network layer cut off at its Nth mutating call then re-run normally, which must leave
exactly the planned VPC, internet gateway, NAT gateways and Elastic IPs (no orphans)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib: make the sibling helper module importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_vpc_support import assert_ran, owned_resources

pytestmark = pytest.mark.slow

SITE = "playbooks/site.yml"
# Two AZs with a NAT gateway each: two Elastic IPs and two CreateNatGateway calls that can be cut apart.
PER_AZ = {"vpc_nat_mode": "per_az"}
NAT_COUNT = 2

# The network layer alone (the vpc role as playbooks/infra.yml applies it; the role sets its own retry
# environment): both cut-off points lie in it, and each case then costs two network runs, not two site runs.
NETWORK_PLAY = """
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
    path.write_text(NETWORK_PLAY)
    return str(path)


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
    settled = run_playbook(playbook, extra_vars=PER_AZ)
    assert_ran(settled, changed=0)
    assert settled.mutating_calls == [], settled.mutating_calls


@pytest.mark.parametrize(
    "faults",
    [
        {"throttle_rate": 0.2, "seed": 7},
        {"server_error_rate": 0.05, "seed": 3},
    ],
    ids=["20pct-throttled", "5pct-503"],
)
def test_site_converges_under_throttling_and_server_errors(clean_sandbox, run_playbook, faults):
    clean_sandbox.set_faults(**faults)
    try:
        run = run_playbook(SITE, extra_vars=PER_AZ)
    finally:
        clean_sandbox.clear_faults()
    assert_ran(run)
    _assert_exactly_the_plan(clean_sandbox)
    _assert_settled(run_playbook, SITE)


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
