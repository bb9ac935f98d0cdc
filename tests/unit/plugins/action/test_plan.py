"""Unit tests of eksforge.platform.plan's result (plugins/action/plan.py): changed, the message kept from the
earlier debug plans, and the settings as the diff's "after" that `--diff` prints."""

import yaml

from ansible_collections.eksforge.platform.plugins.action.plan import planned


def test_a_planned_resource_is_a_change_with_its_settings_as_the_diff():
    settings = {"name": "demo-public-us-east-1a", "cidr_block": "10.0.0.0/26", "tags": {"eksforge:platform": "demo"}}
    result = planned("subnet demo-public-us-east-1a", settings)
    assert result["changed"] is True
    assert result["msg"] == "subnet demo-public-us-east-1a would be created"
    diff = result["diff"]
    assert diff["before"] == "" and diff["after_header"] == "subnet demo-public-us-east-1a (would create)"
    assert diff["after"].splitlines()[:2] == ["name: demo-public-us-east-1a", "cidr_block: 10.0.0.0/26"]
    assert yaml.safe_load(diff["after"]) == settings


def test_long_settings_stay_on_one_line():
    trust = "oidc.eks.us-east-1.amazonaws.com/id/" + "A" * 80 + ", service account kube-system/controller"
    assert planned("IAM role /demo", {"trusts": trust})["diff"]["after"] == f"trusts: {trust}\n"
