"""Unit tests of plugins/module_utils/tagging.py (pure, no AWS)."""

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.tagging import diff_tags, sync_tags, tags_after


class Module:
    def __init__(self, check_mode):
        self.check_mode = check_mode


def test_diff_tags_purge_and_aws_reserved():
    current = {"keep": "1", "old": "x", "aws:cloudformation:stack-name": "s", "change": "a"}
    to_set, to_unset = diff_tags(current, {"keep": "1", "change": "b", "new": 2}, purge_tags=True)
    assert to_set == {"change": "b", "new": 2}
    assert to_unset == ["old"]


def test_diff_tags_without_purge_and_unmanaged():
    assert diff_tags({"old": "x"}, {"new": "y"}, purge_tags=False) == ({"new": "y"}, [])
    assert diff_tags({"old": "x"}, None, purge_tags=True) == ({}, [])


def test_tags_after():
    assert tags_after({"a": "1", "b": "2"}, {"a": "1", "c": 3}, True) == {"a": "1", "c": "3"}
    assert tags_after({"a": "1"}, None, True) == {"a": "1"}


@pytest.mark.parametrize("check_mode", [False, True])
def test_sync_tags_removes_before_setting_and_not_in_check_mode(check_mode):
    calls = []
    changed = sync_tags(
        Module(check_mode), {"old": "x", "keep": "1"}, {"keep": "1", "new": 2}, True,
        tag=lambda tags: calls.append(("tag", tags)), untag=lambda keys: calls.append(("untag", keys)),
    )
    assert changed is True
    assert calls == ([] if check_mode else [("untag", ["old"]), ("tag", {"new": "2"})])


def test_sync_tags_without_change_makes_no_call():
    calls = []
    assert sync_tags(Module(False), {"a": "1"}, {"a": "1"}, True, tag=calls.append, untag=calls.append) is False
    assert sync_tags(Module(False), {"a": "1"}, None, True, tag=calls.append, untag=calls.append) is False
    assert calls == []
