"""`kubectl auth can-i` (SelfSubjectAccessReview, with `*` for verb and resource) and `kubectl auth can-i --list`
(SelfSubjectRulesReview) agree with what the emulator lets each EKS identity do."""

from __future__ import annotations

import pytest


def can_i(eks, *args, identity="admin", version=""):
    result = eks.kubectl("auth", "can-i", *args, identity=identity, version=version)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.split(" ")[0].strip()  # "no - <reason>" when the answer carries one


@pytest.mark.parametrize("version", ["1.32", ""])
def test_cluster_admin_may_do_everything(eks, version):
    assert can_i(eks, "*", "*", version=version) == "yes"
    assert can_i(eks, "*", "*", "--all-namespaces", version=version) == "yes"
    listed = eks.kubectl("auth", "can-i", "--list", version=version)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()[1:]]
    assert ["*.*", "[]", "[]", "[*]"] in rows and ["[*]", "[]", "[*]"] in rows


def test_limited_identities_get_their_policys_answers(eks):
    assert can_i(eks, "*", "*", identity="viewer") == "no"
    assert can_i(eks, "list", "pods", "-A", identity="viewer") == "yes"
    assert can_i(eks, "get", "secrets", identity="viewer") == "no"
    assert can_i(eks, "create", "deployments", "-n", "team-a", identity="team-editor") == "yes"
    assert can_i(eks, "create", "deployments", "-n", "default", identity="team-editor") == "no"
    assert can_i(eks, "*", "*", identity="outsider") == "no"


def verbs_by_resource(listing: str) -> dict:
    """`can-i --list` rows (Resources, Non-Resource URLs, Resource Names, Verbs) -> {resource: verbs column}."""
    return {line.split()[0]: line[line.rindex("["):] for line in listing.splitlines()[1:] if line.strip()}


def test_rules_list_matches_the_policy(eks):
    listed = eks.kubectl("auth", "can-i", "--list", identity="viewer")
    assert listed.returncode == 0, listed.stderr
    rows = verbs_by_resource(listed.stdout)
    assert rows["pods"] == "[get list watch]" and rows["deployments.apps"] == "[get list watch]"
    assert "secrets" not in rows and "*.*" not in rows
    assert rows["selfsubjectaccessreviews.authorization.k8s.io"] == "[create]"
    editor = eks.kubectl("auth", "can-i", "--list", "-n", "team-a", identity="team-editor")
    rows = verbs_by_resource(editor.stdout)
    assert rows["configmaps"] == "[create delete deletecollection get list patch update watch]"
    elsewhere = eks.kubectl("auth", "can-i", "--list", "-n", "default", identity="team-editor")
    assert "configmaps" not in verbs_by_resource(elsewhere.stdout)
