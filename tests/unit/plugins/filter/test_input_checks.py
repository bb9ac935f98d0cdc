"""Unit tests of the input checks the roles share (plugins/filter/input_checks.py): pure Python, no AWS."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[4] / "plugins" / "filter" / "input_checks.py"
_SPEC = importlib.util.spec_from_file_location("eksforge_input_checks", _PATH)
checks = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(checks)

NODEGROUP = {"name": "general", "min_size": 1, "desired_size": 2, "max_size": 3, "capacity_type": "ON_DEMAND",
             "ami_type": "AL2023_x86_64_STANDARD", "instance_types": ["m6i.large"], "disk_size": 50,
             "labels": {"eksforge.io/pool": "general"}, "taints": []}
ARGS = ("ng", ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "CUSTOM"], ["ON_DEMAND", "SPOT"],
        ["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"])


def test_valid_tags_pass_and_unicode_letters_are_allowed():
    assert checks.tag_problems({"team": "shop", "Kostenstelle": "Büro 7", "a:b/c=d+e-f@g_h.i": ""}, "t", 1) == []


def test_each_tag_rule_names_the_variable_and_key():
    problems = checks.tag_problems({"k" * 129: "v", "aws:owner": "me", "AWS:x": "y", "bad!": "v",
                                    "list": ["a"], "long": "v" * 257}, "platform_tags")
    assert problems == [
        f"platform_tags: the tag key '{'k' * 40}...' is 129 characters, 1 over AWS's limit of 128",
        "platform_tags: the tag key 'aws:owner' starts with 'aws:', which AWS reserves for its own tags",
        "platform_tags: the tag key 'AWS:x' starts with 'aws:', which AWS reserves for its own tags",
        "platform_tags: the tag key 'bad!' may only hold letters, digits, spaces and _ . : / = + - @",
        "platform_tags: the value of tag 'list' must be a string (quote it), got a list",
        "platform_tags: the value of tag 'long' is 257 characters, 1 over AWS's limit of 256",
    ]


def test_the_tag_count_includes_the_collections_own_tags():
    tags = {f"k{number}": "v" for number in range(48)}
    assert checks.tag_problems(tags, "t", 2) == []
    assert checks.tag_problems(tags, "t", 3) == [
        "t: a resource would carry 51 tags (48 of these + 3 the collection adds), 1 over AWS's limit of 50"]


def test_name_problems_say_by_how_much():
    assert checks.name_problems(["a" * 64, "b" * 70], "IAM role name", 64, "x") == [
        f"IAM role name '{'b' * 70}' (made from x) is 70 characters, 6 over the limit of 64"]


def test_a_valid_nodegroup_passes():
    assert checks.nodegroup_problems(NODEGROUP, *ARGS) == []


def test_nodegroup_messages_name_only_the_fields_at_fault():
    bad = dict(NODEGROUP, desired_size=9, labels={"Bad.Prefix/name": "ok", "key": "x" * 64},
               taints=[{"key": "gpu", "value": "a b", "effect": "NoSchedule"}], disk_size=0)
    assert checks.nodegroup_problems(bad, *ARGS) == [
        "ng.desired_size (9) must be between min_size (1) and max_size (3)",
        "ng.disk_size must be 1 to 16384 GiB, got 0",
        "ng.labels key 'Bad.Prefix/name' has the prefix 'Bad.Prefix', which must be a lowercase DNS subdomain of at "
        "most 253 characters",
        f"ng.labels value '{'x' * 64}' must be empty or 1 to 63 letters, digits, '-', '_' or '.', starting and ending "
        "with a letter or digit",
        "ng.taints[0].value 'a b' must be empty or 1 to 63 letters, digits, '-', '_' or '.', starting and ending with "
        "a letter or digit",
        "ng.taints[0].effect must be one of NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE, got 'NoSchedule'",
    ]


def test_architecture_of_graviton_and_x86_types():
    described = [{"instance_type": "t4g.medium", "processor_info": {"supported_architectures": ["arm64"]}},
                 {"instance_type": "m6i.large", "processor_info": {"supported_architectures": ["x86_64"]}}]
    graviton = dict(NODEGROUP, instance_types=["t4g.medium"])
    assert "['t4g.medium'] do not run x86_64" in checks.architecture_problems(graviton, "ng", described)[0]
    assert checks.architecture_problems(dict(graviton, ami_type="AL2023_ARM_64_STANDARD"), "ng", described) == []
    assert checks.architecture_problems(dict(NODEGROUP, ami_type="CUSTOM"), "ng", described) == []
