"""Bad input to the infra layer fails in argument validation or an assert, before any AWS call, with a
message naming the variable; the sandbox counts no call at all (so certainly no mutating one). One run of
playbooks/infra.yml checks every case: a host per case (tests/integration/support/inventory.py)."""

from __future__ import annotations

import pytest

from tests.integration.support.asserts import assert_host_failed_with
from tests.integration.support.inventory import host_per_case_inventory
from tests.integration.support.runs import run_playbook

pytestmark = pytest.mark.slow

LONG_NAME = "eksforge-platform-name-too-long"  # 31 characters

CASES = {
    "vpc_cidr_not_a_cidr": ({"vpc_cidr": "10.0.0.0/33"}, ["vpc_cidr"]),
    "vpc_cidr_garbage": ({"vpc_cidr": "banana"}, ["vpc_cidr"]),
    "vpc_cidr_host_bits_set": ({"vpc_cidr": "10.0.0.1/16"}, ["vpc_cidr"]),
    "vpc_cidr_too_small_for_plan": (
        {"vpc_cidr": "10.0.0.0/22", "vpc_subnet_prefix_lengths": {"public": 24, "private_app": 23, "private_data": 24}},
        ["vpc_cidr 10.0.0.0/22 is too small"],
    ),
    "tier_larger_than_vpc": (
        {"vpc_cidr": "10.0.0.0/24", "vpc_subnet_prefix_lengths": {"public": 26, "private_app": 20, "private_data": 26}},
        ["vpc_subnet_prefix_lengths.private_app"],
    ),
    "overlapping_tier_cidrs": (
        {"vpc_subnet_cidrs": {"public": ["10.42.0.0/24", "10.42.1.0/24"],
                              "private_data": ["10.42.1.0/25", "10.42.2.0/24"]}},
        ["vpc_subnet_cidrs.private_data[0]", "overlaps vpc_subnet_cidrs.public[1]"],
    ),
    "explicit_subnet_outside_vpc": (
        {"vpc_subnet_cidrs": {"public": ["10.42.0.0/26", "192.168.0.0/26"]}},
        ["vpc_subnet_cidrs.public[1]", "is not inside vpc_cidr"],
    ),
    "more_explicit_subnets_than_azs": (
        {"vpc_subnet_cidrs": {"public": ["10.42.0.0/26", "10.42.0.64/26", "10.42.0.128/26"]}},
        ["vpc_subnet_cidrs.public lists 3 CIDRs, more than vpc_az_count"],
    ),
    "az_count_zero": ({"vpc_az_count": 0}, ["vpc_az_count"]),
    "az_count_seven": ({"vpc_az_count": 7}, ["vpc_az_count"]),
    "az_count_not_a_number": ({"vpc_az_count": "two"}, ["vpc_az_count"]),
    "azs_of_another_region": ({"vpc_azs": ["eu-west-1a", "eu-west-1b"]}, ["vpc_azs"]),
    "platform_name_invalid_characters": ({"platform_name": "Bad_Name!"}, ["platform_name"]),
    "platform_name_too_long": ({"platform_name": LONG_NAME}, ["platform_name"]),
    "unknown_nat_mode": ({"vpc_nat_mode": "double"}, ["vpc_nat_mode"]),
    "unknown_endpoint_service": ({"vpc_endpoints": ["s3", "dynamodb"]}, ["vpc_endpoints"]),
    "flow_log_destination_missing": ({"vpc_flow_logs": {"enabled": True}}, ["vpc_flow_logs", "destination"]),
    "flow_log_s3_bucket_missing": (
        {"vpc_flow_logs": {"enabled": True, "destination": "s3"}},
        ["vpc_flow_logs", "s3_bucket_arn"],
    ),
    "flow_log_s3_bucket_not_an_arn": (
        {"vpc_flow_logs": {"enabled": True, "destination": "s3", "s3_bucket_arn": "my-bucket"}},
        ["vpc_flow_logs.s3_bucket_arn must be the ARN of an S3 bucket"],
    ),
    "flow_log_retention_not_allowed": (
        {"vpc_flow_logs": {"enabled": True, "destination": "cloud-watch-logs", "retention_days": 45}},
        ["retention_days"],
    ),
    "subnet_size_out_of_range": (
        {"vpc_subnet_prefix_lengths": {"public": 30, "private_app": 23, "private_data": 26}},
        ["vpc_subnet_prefix_lengths.public"],
    ),
    "bad_eks_cluster_name": ({"vpc_eks_cluster_names": ["has spaces"]}, ["vpc_eks_cluster_names"]),
}


@pytest.fixture(scope="module")
def infra_run(sandbox, tmp_path_factory):
    """One run of playbooks/infra.yml with a host per case (its variables as host variables over
    inventories/local's group_vars); every host fails in the preflight."""
    inventory = host_per_case_inventory(tmp_path_factory.mktemp("bad-input-inventory"),
                                        {case: variables for case, (variables, _) in CASES.items()})
    sandbox.reset()
    return run_playbook(sandbox, "playbooks/infra.yml", inventory=str(inventory))


def test_no_aws_call_at_all(infra_run):
    assert infra_run.rc != 0
    assert infra_run.total_calls == 0, f"validation must come before any AWS call, saw {infra_run.calls}"


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_before_any_aws_call_naming_the_variable(infra_run, case):
    for fragment in CASES[case][1]:
        assert_host_failed_with(infra_run, case, fragment)
