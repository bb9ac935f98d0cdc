"""Integration test of eksforge.platform.ec2_instance_type_offerings_info: `ansible localhost -m` runs against the
AWS sandbox, one read call each (two with describe), answering per region as EC2 does (p5.48xlarge is offered in
us-east-1, not in af-south-1)."""

from __future__ import annotations

import pytest

from tests.integration.support.runs import run_module

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ec2_instance_type_offerings_info"
WANTED = ["p5.48xlarge", "t3.medium", "m9z.huge", "t3.medium"]


def test_offerings_of_the_region_name_what_it_does_not_offer(aws):
    east = run_module(aws, MODULE, {"instance_types": WANTED}, region="us-east-1")
    assert east["changed"] is False
    assert east["read_calls"] == ["ec2:DescribeInstanceTypeOfferings"] and east["mutating_calls"] == []
    assert sorted(offering["instance_type"] for offering in east["instance_type_offerings"]) == ["p5.48xlarge",
                                                                                                  "t3.medium"]
    assert {(o["location_type"], o["location"]) for o in east["instance_type_offerings"]} == {("region", "us-east-1")}
    assert east["not_offered"] == ["m9z.huge"]

    south = run_module(aws, MODULE, {"instance_types": WANTED}, region="af-south-1")
    assert south["not_offered"] == ["p5.48xlarge", "m9z.huge"]

    zones = run_module(aws, MODULE, {"location_type": "availability-zone", "instance_types": ["t3.medium"],
                                     "filters": {"location": "us-east-1a"}}, region="us-east-1")
    assert [(o["instance_type"], o["location"]) for o in zones["instance_type_offerings"]] == [("t3.medium",
                                                                                               "us-east-1a")]


def test_describe_adds_what_the_offered_types_are_in_the_same_run(aws):
    described = run_module(aws, MODULE, {"instance_types": ["t4g.large", "m9z.huge", "t3.medium"], "describe": True},
                           region="us-east-1")
    assert described["read_calls"] == ["ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes"]
    assert described["not_offered"] == ["m9z.huge"]
    architectures = {item["instance_type"]: item["processor_info"]["supported_architectures"]
                     for item in described["instance_types"]}
    assert architectures == {"t4g.large": ["arm64"], "t3.medium": ["x86_64"]}

    # DescribeInstanceTypes refuses a type the region does not have: with none offered it is not called.
    none_offered = run_module(aws, MODULE, {"instance_types": ["m9z.huge"], "describe": True}, region="us-east-1")
    assert none_offered["read_calls"] == ["ec2:DescribeInstanceTypeOfferings"]
    assert none_offered["instance_types"] == [] and none_offered["not_offered"] == ["m9z.huge"]
