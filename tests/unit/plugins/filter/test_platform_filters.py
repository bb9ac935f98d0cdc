"""Unit tests of the platform filters owned_tags and aws_partition (plugins/filter/platform_filters.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

_PATH = Path(__file__).resolve().parents[4] / "plugins" / "filter" / "platform_filters.py"
_SPEC = importlib.util.spec_from_file_location("eksforge_platform_filters", _PATH)
platform_filters = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(platform_filters)


def test_owned_tags_merges_in_order_and_the_ownership_tag_wins():
    tags = platform_filters.owned_tags(
        {"team": "shop", "env": "dev", "eksforge:platform": "spoofed"}, "demo",
        {"env": "prod", "tier": "net"}, {"tier": "data", "eksforge:platform": "other"})
    assert tags == {"team": "shop", "env": "prod", "tier": "data", "eksforge:platform": "demo"}


def test_owned_tags_of_no_tags_is_the_ownership_tag():
    assert platform_filters.owned_tags(None, "demo") == {"eksforge:platform": "demo"}
    assert platform_filters.owned_tags({}, "demo", None, {}) == {"eksforge:platform": "demo"}


def test_owned_tags_leaves_its_inputs_alone():
    platform_tags = {"team": "shop"}
    platform_filters.owned_tags(platform_tags, "demo", {"tier": "net"})
    assert platform_tags == {"team": "shop"}


@pytest.mark.parametrize(("args", "message"), [
    ((["not", "a", "dict"], "demo"), "the input (platform_tags)"),
    (({}, "demo", {"ok": "1"}, "team=shop"), "tag dict #2"),
    (({}, ""), "platform_name"),
    (({}, None), "platform_name"),
])
def test_owned_tags_refuses_what_is_not_tags(args, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        platform_filters.owned_tags(*args)


@pytest.mark.parametrize(("region", "partition"), [
    ("us-east-1", "aws"),
    ("eu-west-1", "aws"),
    ("ap-southeast-4", "aws"),
    ("cn-north-1", "aws-cn"),
    ("cn-northwest-1", "aws-cn"),
    ("us-gov-west-1", "aws-us-gov"),
    ("us-gov-east-1", "aws-us-gov"),
])
def test_aws_partition_of_a_region(region, partition):
    assert platform_filters.aws_partition(region) == partition


@pytest.mark.parametrize("region", ["", None, 1])
def test_aws_partition_needs_a_region_name(region):
    with pytest.raises(AnsibleFilterError, match="region"):
        platform_filters.aws_partition(region)


def test_the_filters_are_exported_under_their_names():
    filters = platform_filters.FilterModule().filters()
    assert filters["owned_tags"] is platform_filters.owned_tags
    assert filters["aws_partition"] is platform_filters.aws_partition
