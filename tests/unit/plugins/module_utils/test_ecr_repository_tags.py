"""Unit tests of the pure checks of ecr_repository_tags (plugins/module_utils/ecr_repository_tags.py)."""

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import count_problem
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import repository_arn
from ansible_collections.eksforge.platform.plugins.module_utils.ecr_repository_tags import tag_problems


def test_tags_within_the_limits_have_no_problem():
    assert tag_problems({"k" * 128: "v" * 256, "eksforge:platform": "demo", "empty": ""}) == []
    assert tag_problems({}) == []


@pytest.mark.parametrize(("tags", "words"), [
    ({"k" * 129: "v"}, "1 to 128 characters"),
    ({"": "v"}, "1 to 128 characters"),
    ({"team": "v" * 257}, "longer than 256"),
    ({"aws:cloudformation:stack-name": "x"}, "reserved for AWS"),
    ({"AWS:owner": "x"}, "reserved for AWS"),
])
def test_tags_ecr_refuses_are_named(tags, words):
    problems = tag_problems(tags)
    assert len(problems) == 1 and words in problems[0]
    assert repr(next(iter(tags)))[:20] in problems[0]


def test_every_problem_is_reported():
    assert len(tag_problems({"aws:" + "k" * 130: "v" * 300})) == 3


def test_values_are_measured_as_strings():
    assert tag_problems({"count": 10 ** 300}) != []
    assert tag_problems({"count": 4711, "flag": True}) == []


def test_at_most_50_tags_not_counting_aws_ones():
    fifty = {f"k{index}": "v" for index in range(50)}
    assert count_problem(fifty) is None
    assert count_problem(dict(fifty, **{"aws:cloudformation:stack-name": "s"})) is None
    assert "51 tags" in count_problem(dict(fifty, extra="v"))


def test_repository_arn():
    assert repository_arn("aws-cn", "cn-north-1", "123456789012", "shop/front") == (
        "arn:aws-cn:ecr:cn-north-1:123456789012:repository/shop/front")
