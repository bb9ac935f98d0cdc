"""playbooks/site.yml (inventories/local: the infrastructure, platform and apps layers) under the "applied, but
the answer is lost" fault (sandbox/aws/faults.py, lost_answer_rate): a share of mutating calls take effect
while the client gets a 504, so botocore retries calls that already happened, as AWS sometimes makes it. The run
(the `platform_built_under_lost_answers` fixture, the build the tests of its unit read) must still converge and make
every resource once: exactly the planned VPC, internet gateway, NAT gateway and Elastic IP, subnets, route tables, one
cluster, one nodegroup, one OIDC provider, the add-ons' Pod Identity associations and Route53 zone once each. Named
resources (roles, repositories, add-ons, access entries) cannot exist twice: a retried create of one fails instead, so
the run converging shows they were made once too. The fault-free second run with nothing left to do is the AWX build
workflow's (test_awx_jobs.py); a lost answer in the network layer alone is test_reliability.py's."""

from __future__ import annotations

import pytest

from tests.integration.support.addons import DOMAIN, IDENTITIES
from tests.integration.support.asserts import assert_ran, assert_vpc_role_ran
from tests.integration.support.inventory import owned_resources

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lost(platform_built_under_lost_answers) -> dict:
    """The site.yml run under the fault: its result, the faults' report and what it left in the account."""
    platform = platform_built_under_lost_answers
    return {"run": platform.cold, "lost_answers": platform.faults["lost_answers"],
            "made": owned_resources(platform.sandbox), "sandbox": platform.sandbox}


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


def test_one_nodegroup(lost):
    eks = lost["sandbox"].boto3_client("eks")
    assert eks.list_nodegroups(clusterName="eksforge-local")["nodegroups"] == ["general"]


def test_the_platform_layer_made_each_association_and_the_zone_once(lost):
    associations = lost["sandbox"].boto3_client("eks").list_pod_identity_associations(
        clusterName="eksforge-local")["associations"]
    accounts = [(item["namespace"], item["serviceAccount"]) for item in associations]
    assert {("kube-system", name) for name in IDENTITIES} <= set(accounts), (accounts, lost["lost_answers"])
    assert len(accounts) == len(set(accounts)), (accounts, lost["lost_answers"])
    zones = [zone["Name"] for zone in lost["sandbox"].boto3_client("route53").list_hosted_zones()["HostedZones"]]
    assert zones.count(f"{DOMAIN}.") == 1, (zones, lost["lost_answers"])
