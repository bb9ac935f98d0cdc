"""Unit tests of the pure part of plugins/module_utils/ec2_instance_type_offerings.py."""

from ansible_collections.eksforge.platform.plugins.module_utils.ec2_instance_type_offerings import not_offered

OFFERINGS = [{"instance_type": "t3.medium", "location_type": "region", "location": "us-east-1"},
             {"instance_type": "m7g.large", "location_type": "region", "location": "us-east-1"}]


def test_not_offered_keeps_the_order_given_and_names_each_once():
    assert not_offered(["x1.huge", "t3.medium", "a9.tiny", "x1.huge"], OFFERINGS) == ["x1.huge", "a9.tiny"]


def test_everything_offered_or_nothing_asked():
    assert not_offered(["m7g.large", "t3.medium"], OFFERINGS) == []
    assert not_offered([], OFFERINGS) == []
    assert not_offered(["t3.medium"], []) == ["t3.medium"]
