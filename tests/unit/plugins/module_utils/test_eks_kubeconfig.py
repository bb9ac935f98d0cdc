"""Unit tests of the merge logic of plugins/module_utils/eks_kubeconfig.py (pure functions, no AWS)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils import eks_kubeconfig as kc

ARN = "arn:aws:eks:eu-west-1:123456789012:cluster/demo"
FIELDS = kc.arn_fields(ARN)


def entries(name=ARN, user=ARN, context=ARN, **user_kwargs):
    return (kc.cluster_entry(name, "https://api.example", "Q0E="),
            kc.user_entry(user, "demo", "eu-west-1", **user_kwargs),
            kc.context_entry(context, name, user))


def other_config():
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {"colors": True},
        "clusters": [{"name": "kind", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "kind", "user": {"token": "keep-me"}}],
        "contexts": [{"name": "kind", "context": {"cluster": "kind", "user": "kind"}}],
        "current-context": "kind",
        "extensions": [{"name": "x", "extension": {}}],
    }


def test_arn_fields_and_name_patterns():
    assert FIELDS == dict(arn=ARN, partition="aws", region="eu-west-1", account_id="123456789012", cluster_name="demo")
    assert kc.render_name("{arn}", FIELDS) == ARN
    assert kc.render_name("{cluster_name}@{region}", FIELDS) == "demo@eu-west-1"
    assert kc.render_name("plain", FIELDS) == "plain"
    assert kc.render_name(None, FIELDS) == ARN
    with pytest.raises(kc.KubeconfigError, match="unknown field"):
        kc.render_name("{name}", FIELDS)
    with pytest.raises(kc.KubeconfigError):
        kc.arn_fields("arn:aws:iam::1:role/x")
    assert kc.cluster_arn("aws-cn", "cn-north-1", "1", "c") == "arn:aws-cn:eks:cn-north-1:1:cluster/c"


def test_user_runs_aws_eks_get_token_and_holds_no_credential():
    user = kc.user_entry(ARN, "demo", "eu-west-1", role_arn="arn:aws:iam::1:role/admin", profile="ops",
                         env={"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:45660", "AWS_PROFILE": "ignored"})
    exec_config = user["user"]["exec"]
    assert exec_config["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert exec_config["command"] == "aws"
    assert exec_config["args"] == ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "demo",
                                   "--output", "json", "--role-arn", "arn:aws:iam::1:role/admin"]
    assert exec_config["env"] == [{"name": "AWS_PROFILE", "value": "ops"},
                                  {"name": "AWS_ENDPOINT_URL_STS", "value": "http://127.0.0.1:45660"}]
    assert set(user["user"]) == {"exec"}
    assert "env" not in kc.user_entry(ARN, "demo", "eu-west-1")["user"]["exec"]


def test_merge_into_empty_file_builds_a_kubeconfig():
    merged = kc.merge_entries(None, *entries())
    assert merged["apiVersion"] == "v1" and merged["kind"] == "Config"
    assert [c["name"] for c in merged["clusters"]] == [ARN]
    assert merged["contexts"][0] == {"name": ARN, "context": {"cluster": ARN, "user": ARN}}
    assert merged["current-context"] == ARN


def test_merge_keeps_every_other_entry_and_key():
    before = other_config()
    snapshot = copy.deepcopy(before)
    merged = kc.merge_entries(before, *entries(context="demo"), set_current_context=False)
    assert before == snapshot  # input not modified
    assert merged["clusters"][0] == snapshot["clusters"][0]
    assert merged["users"][0] == snapshot["users"][0]
    assert merged["contexts"][0] == snapshot["contexts"][0]
    assert merged["current-context"] == "kind"
    assert merged["preferences"] == {"colors": True} and merged["extensions"] == snapshot["extensions"]
    assert [c["name"] for c in merged["contexts"]] == ["kind", "demo"]


def test_merge_replaces_in_place_and_is_idempotent():
    first = kc.merge_entries(other_config(), *entries())
    stale = copy.deepcopy(first)
    stale["clusters"][1]["cluster"]["server"] = "https://old"
    stale["clusters"].append({"name": "z", "cluster": {"server": "https://z"}})
    again = kc.merge_entries(stale, *entries())
    assert [c["name"] for c in again["clusters"]] == ["kind", ARN, "z"]
    assert again["clusters"][1]["cluster"]["server"] == "https://api.example"
    assert kc.merge_entries(first, *entries()) == first


def test_remove_entries_only_removes_ours_and_clears_current_context():
    merged = kc.merge_entries(other_config(), *entries(context="demo"))
    removed = kc.remove_entries(merged, ARN, ARN, "demo")
    assert removed["clusters"] == other_config()["clusters"]
    assert removed["users"] == other_config()["users"]
    assert removed["contexts"] == other_config()["contexts"]
    assert removed["current-context"] == ""
    untouched = kc.remove_entries(other_config(), ARN, ARN, "demo")
    assert untouched == kc.normalize_config(other_config())
    assert untouched["current-context"] == "kind"


def test_sections_missing_or_null_are_created_and_garbage_is_refused():
    merged = kc.merge_entries({"apiVersion": "v1", "kind": "Config", "clusters": None}, *entries())
    assert len(merged["clusters"]) == len(merged["users"]) == len(merged["contexts"]) == 1
    with pytest.raises(kc.KubeconfigError):
        kc.normalize_config(["not", "a", "mapping"])
    with pytest.raises(kc.KubeconfigError):
        kc.normalize_config({"clusters": "nope"})
    assert kc.find_entry(merged, "users", ARN)["name"] == ARN
    assert kc.find_entry(merged, "users", "nobody") is None
