"""Integration test of eksforge.platform.ec2_instance_type_offerings_info against the AWS sandbox: one read call per
module run (two with describe), answering per region as EC2 does (p5.48xlarge is offered in us-east-1, not in
af-south-1). The runs of both tests are the steps of one playbook run (`offerings`)."""

from __future__ import annotations

import pytest

from tests.integration.support.runs import ModuleStep, run_module_steps

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ec2_instance_type_offerings_info"
WANTED = ["p5.48xlarge", "t3.medium", "m9z.huge", "t3.medium"]


@pytest.fixture(scope="module")
def offerings(sandbox) -> dict:
    """The module's result for each run of the tests below, by name (the steps of one playbook run)."""
    sandbox.reset()
    steps = {
        "east": {"instance_types": WANTED, "region": "us-east-1"},
        "south": {"instance_types": WANTED, "region": "af-south-1"},
        "zones": {"location_type": "availability-zone", "instance_types": ["t3.medium"],
                  "filters": {"location": "us-east-1a"}, "region": "us-east-1"},
        "described": {"instance_types": ["t4g.large", "m9z.huge", "t3.medium"], "describe": True, "region": "us-east-1"},
        "none_offered": {"instance_types": ["m9z.huge"], "describe": True, "region": "us-east-1"},
    }
    return dict(zip(steps, run_module_steps(sandbox, *(ModuleStep(MODULE, args) for args in steps.values()),
                                            region=None)))


def test_offerings_of_the_region_name_what_it_does_not_offer(offerings):
    east = offerings["east"]
    assert east["changed"] is False
    assert east["read_calls"] == ["ec2:DescribeInstanceTypeOfferings"] and east["mutating_calls"] == []
    assert sorted(offering["instance_type"] for offering in east["instance_type_offerings"]) == ["p5.48xlarge",
                                                                                                  "t3.medium"]
    assert {(o["location_type"], o["location"]) for o in east["instance_type_offerings"]} == {("region", "us-east-1")}
    assert east["not_offered"] == ["m9z.huge"]

    assert offerings["south"]["not_offered"] == ["p5.48xlarge", "m9z.huge"]

    zones = offerings["zones"]
    assert [(o["instance_type"], o["location"]) for o in zones["instance_type_offerings"]] == [("t3.medium",
                                                                                               "us-east-1a")]


def test_describe_adds_what_the_offered_types_are_in_the_same_run(offerings):
    described = offerings["described"]
    assert described["read_calls"] == ["ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes"]
    assert described["not_offered"] == ["m9z.huge"]
    architectures = {item["instance_type"]: item["processor_info"]["supported_architectures"]
                     for item in described["instance_types"]}
    assert architectures == {"t4g.large": ["arm64"], "t3.medium": ["x86_64"]}

    # DescribeInstanceTypes refuses a type the region does not have: with none offered it is not called.
    none_offered = offerings["none_offered"]
    assert none_offered["read_calls"] == ["ec2:DescribeInstanceTypeOfferings"]
    assert none_offered["instance_types"] == [] and none_offered["not_offered"] == ["m9z.huge"]
