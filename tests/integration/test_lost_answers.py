"""playbooks/site.yml (inventories/local: the infrastructure, platform and apps layers) under the "applied, but
the answer is lost" fault (sandbox/aws/faults.py, lost_answer_rate): a share of mutating calls take effect
while the client gets a 504, so botocore retries calls that already happened, as AWS sometimes makes it. The run
must still converge and make every resource once: exactly the planned VPC, internet gateway, NAT gateway and
Elastic IP, subnets, route tables, one cluster, one nodegroup, one OIDC provider, the add-ons' Pod Identity
associations and Route53 zone once each, and a fault-free re-run with nothing left to do."""

from __future__ import annotations

import pytest

from sandbox import harness
from tests.integration.support.addons import DOMAIN, IDENTITIES
from tests.integration.support.asserts import assert_ran
from tests.integration.support.constants import SITE
from tests.integration.support.inventory import owned_resources
from tests.integration.support.runs import role_play

pytestmark = pytest.mark.slow

# A third of all mutating calls lose their answer; the seed makes the run reproducible. With it 33 answers are lost,
# among them one CreateRouteTable and three CreateRoute calls of the vpc role, two CreateRepository calls, and in the
# platform layer two CreatePodIdentityAssociation calls and the hosted zone's ChangeTagsForResource.
LOST_ANSWERS = {"lost_answer_rate": 0.3, "seed": 11}


def assert_vpc_role_ran(run) -> None:
    """The vpc role of the run got to its outputs: none of its tasks failed (a later layer may have)."""
    failed, task = [], ""
    for line in run.output.splitlines():
        if line.startswith("TASK ["):
            task = line.rstrip("* ")
        elif line.startswith(("fatal:", "failed:")) and task.startswith("TASK [eksforge.platform.vpc :"):
            failed.append(task)
    assert not failed, f"vpc tasks failed: {failed}\n{run.output[-6000:]}"
    assert "TASK [eksforge.platform.vpc : Export vpc_outputs]" in run.output, run.output[-6000:]


@pytest.fixture(scope="module")
def lost(private_sandbox) -> dict:
    """One site.yml run under the fault: its result, the faults' report and what it left in the account."""
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
    # and the platform layer's: the add-ons' Pod Identity associations, the Route53 zone's tags
    assert {"eks:CreatePodIdentityAssociation", "route53:ChangeTagsForResource"} <= set(lost["lost_answers"]), \
        lost["lost_answers"]


def test_the_vpc_role_converges(lost):
    assert_vpc_role_ran(lost["run"])


def test_the_run_converges(lost):
    assert_ran(lost["run"])


@pytest.mark.parametrize(("kind", "planned"), [
    ("vpcs", 1), ("igws", 1), ("nat_gateways", 1), ("eips", 1),  # inventories/local: vpc_nat_mode single
    ("subnets", 6),  # 3 tiers x 2 AZs
    ("route_tables", 3),  # public + one private per AZ
])
def test_each_planned_network_resource_exists_once(lost, kind, planned):
    assert len(lost["made"][kind]) == planned, (lost["made"][kind], lost["lost_answers"])


@pytest.mark.parametrize("kind", ["eks_clusters", "oidc_providers"])
def test_one_cluster_and_one_oidc_provider(lost, kind):
    assert len(lost["made"][kind]) == 1, (lost["made"][kind], lost["lost_answers"])


def test_one_nodegroup(lost, private_sandbox):
    eks = private_sandbox.boto3_client("eks")
    assert eks.list_nodegroups(clusterName="eksforge-local")["nodegroups"] == ["general"]


def test_the_platform_layer_made_each_association_and_the_zone_once(lost, private_sandbox):
    associations = private_sandbox.boto3_client("eks").list_pod_identity_associations(
        clusterName="eksforge-local")["associations"]
    accounts = [(item["namespace"], item["serviceAccount"]) for item in associations]
    assert {("kube-system", name) for name in IDENTITIES} <= set(accounts), (accounts, lost["lost_answers"])
    assert len(accounts) == len(set(accounts)), (accounts, lost["lost_answers"])
    zones = [zone["Name"] for zone in private_sandbox.boto3_client("route53").list_hosted_zones()["HostedZones"]]
    assert zones.count(f"{DOMAIN}.") == 1, (zones, lost["lost_answers"])


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
    """A run of the network layer alone (the vpc role, whose calls open infra.yml's, so the same answers are lost)
    in a sandbox of its own under LOST_IN_THE_NETWORK."""
    folder = tmp_path_factory.mktemp("lost-in-the-network")
    sandbox = harness.start(folder)
    try:
        sandbox.set_faults(**LOST_IN_THE_NETWORK)
        run = harness.run_playbook(sandbox, role_play(folder, "vpc"))
        faults = sandbox.faults()
        sandbox.clear_faults()
        return {"run": run, "lost_answers": faults["lost_answers"], "made": owned_resources(sandbox)}
    finally:
        sandbox.stop()


def test_the_network_fault_hit_the_gateway_and_a_subnet(lost_in_the_network):
    assert {"ec2:CreateInternetGateway", "ec2:CreateSubnet"} <= set(lost_in_the_network["lost_answers"])


def test_a_lost_internet_gateway_answer_leaves_one_gateway(lost_in_the_network):
    assert len(lost_in_the_network["made"]["igws"]) == 1, lost_in_the_network["made"]["igws"]


def test_a_lost_subnet_answer_still_converges(lost_in_the_network):
    assert_vpc_role_ran(lost_in_the_network["run"])
    assert len(lost_in_the_network["made"]["subnets"]) == 6, lost_in_the_network["made"]["subnets"]
