"""infra.yml overlaps the long AWS waits: against a sandbox with the aws latency profile (NAT gateways stay
pending, EKS changes take their scaled AWS time), the vpc role does not wait for the NAT gateway, the eks role
polls it before the nodegroup, and the pre-node add-ons are not waited for before the nodegroup is created."""

from __future__ import annotations

import pytest

from sandbox import harness
from sandbox.config import LATENCY_ENV, LATENCY_SCALE_ENV

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def slow_aws(tmp_path_factory):
    running = harness.start(tmp_path_factory.mktemp("latency-sandbox"), {LATENCY_ENV: "aws", LATENCY_SCALE_ENV: "0.02"})
    yield running
    running.stop()


def first(log: list[dict], action: str, **target: str) -> dict:
    return next(entry for entry in log if entry["action"] == action
                and all(entry["target"].get(key) == value for key, value in target.items()))


def test_control_plane_starts_before_the_nat_gateway_is_available_and_nodes_wait_for_it(slow_aws):
    run = harness.run_playbook(slow_aws, "playbooks/infra.yml")
    assert run.rc == 0, run.output[-4000:]
    log = slow_aws.call_log()
    nat_created = first(log, "CreateNatGateway")["at"]
    nat_available = nat_created + 90 * 0.02  # the profile's 1.5 minutes, scaled
    cluster_created = first(log, "CreateCluster")["at"]
    nodegroup_created = first(log, "CreateNodegroup")["at"]
    assert cluster_created < nodegroup_created
    # the eks role polled the pending NAT gateway before the nodegroup, which came after it was available
    assert any(entry["action"] == "DescribeNatGateways" and cluster_created < entry["at"] < nodegroup_created
               for entry in log)
    assert nodegroup_created >= nat_available
    # the vpc role went on without polling the new NAT gateway
    assert not any(entry["action"] == "DescribeNatGateways" and nat_created < entry["at"] < first(log, "CreateRouteTable")["at"]
                   for entry in log)
    # the pre-node add-ons were started, not waited for, before the nodegroup was created
    addon_created = first(log, "CreateAddon", addonName="vpc-cni")["at"]
    assert addon_created < nodegroup_created
    assert not any(entry["action"] == "DescribeAddon" and addon_created < entry["at"] < nodegroup_created
                   for entry in log)
    assert "Wait until the NAT gateways the nodes route through are available" in run.output

    again = harness.run_playbook(slow_aws, "playbooks/infra.yml")
    assert again.rc == 0 and again.changed == 0 and again.mutating_calls == [], again.output[-3000:]
