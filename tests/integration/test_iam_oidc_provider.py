"""Integration tests of eksforge.platform.iam_oidc_provider: real ansible runs against the AWS sandbox.

The module runs through `ansible` (ad-hoc, JSON callback; tests/integration/support/runs.py) exactly as in a play
and talks HTTP to the session sandbox's IAM.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.support import runs

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E"
TP1 = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
TP2 = "0123456789abcdef0123456789abcdef01234567"

pytestmark = pytest.mark.slow


# One module run against the sandbox, in eu-west-1 unless the test says otherwise.
run_module = functools.partial(runs.run_module, region="eu-west-1")


# ---- tests -------------------------------------------------------------------------------------------

def providers(aws):
    return aws.boto3_client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]


def test_create_check_mode_idempotent_update_delete(aws):
    iam = aws.boto3_client("iam")
    args = dict(url=ISSUER, tags={"eksforge:platform": "demo", "team": "a"})

    aws.reset_calls()
    checked = run_module(aws, "eksforge.platform.iam_oidc_provider", args, check=True, diff=True)
    assert checked["changed"] is True
    assert checked["arn"].endswith(":oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E")
    assert checked["diff"]["before"] == {}
    assert checked["diff"]["after"]["client_ids"] == ["sts.amazonaws.com"]
    assert providers(aws) == []
    assert aws.mutating_calls() == []

    created = run_module(aws, "eksforge.platform.iam_oidc_provider", args)
    assert created["changed"] is True
    assert created["arn"] == checked["arn"]
    assert created["url"] == ISSUER
    assert created["client_ids"] == ["sts.amazonaws.com"]
    assert created["tags"] == {"eksforge:platform": "demo", "team": "a"}
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=created["arn"])
    assert got["Url"] == ISSUER[len("https://"):]
    assert got["ClientIDList"] == ["sts.amazonaws.com"]

    aws.reset_calls()
    again = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(args, url=ISSUER[len("https://"):] + "/"), diff=True)
    assert again["changed"] is False
    assert again["arn"] == created["arn"]
    assert aws.mutating_calls() == []
    assert len(providers(aws)) == 1

    # thumbprints and tags change in place
    update = dict(args, thumbprints=[TP1.upper()], tags={"eksforge:platform": "demo", "team": "b"})
    aws.reset_calls()
    preview = run_module(aws, "eksforge.platform.iam_oidc_provider", update, check=True, diff=True)
    assert preview["changed"] is True
    assert preview["thumbprints"] == [TP1] and preview["tags"]["team"] == "b"
    assert aws.mutating_calls() == []
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=created["arn"]).get("ThumbprintList", []) == []
    updated = run_module(aws, "eksforge.platform.iam_oidc_provider", update, diff=True)
    assert updated["changed"] is True
    assert updated["diff"]["before"]["tags"]["team"] == "a" and updated["diff"]["after"]["tags"]["team"] == "b"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=created["arn"])
    assert got["ThumbprintList"] == [TP1]
    assert {t["Key"]: t["Value"] for t in got["Tags"]} == {"eksforge:platform": "demo", "team": "b"}
    assert run_module(aws, "eksforge.platform.iam_oidc_provider", update)["changed"] is False

    # purge_tags=false keeps unlisted tags; omitting thumbprints leaves them alone
    kept = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=ISSUER, tags={"extra": "1"}, purge_tags=False))
    assert kept["changed"] is True
    assert kept["tags"] == {"eksforge:platform": "demo", "team": "b", "extra": "1"}
    assert kept["thumbprints"] == [TP1]

    aws.reset_calls()
    gone_check = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=ISSUER, state="absent"), check=True)
    assert gone_check["changed"] is True and len(providers(aws)) == 1
    assert aws.mutating_calls() == []
    gone = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=ISSUER, state="absent"), diff=True)
    assert gone["changed"] is True and gone["diff"]["after"] == {}
    assert providers(aws) == []
    assert run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=ISSUER, state="absent"))["changed"] is False


def test_create_with_thumbprints_and_client_ids(aws):
    url = ISSUER.replace("EXAMPLE", "SECOND")
    made = run_module(aws, "eksforge.platform.iam_oidc_provider",
                      dict(url=url, client_ids=["sts.amazonaws.com", "my-app"], thumbprints=[TP2, TP1]))
    assert made["changed"] is True
    assert sorted(made["client_ids"]) == ["my-app", "sts.amazonaws.com"]
    assert sorted(made["thumbprints"]) == sorted([TP1, TP2])
    assert run_module(aws, "eksforge.platform.iam_oidc_provider",
                      dict(url=url, client_ids=["my-app", "sts.amazonaws.com"], thumbprints=[TP1, TP2.upper()]))["changed"] is False
    run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=url, state="absent"))


def test_client_ids_are_changed_in_place(aws):
    url = ISSUER.replace("EXAMPLE", "THIRD")
    made = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=url))
    aws.reset_calls()
    preview = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=url, client_ids=["my-app"]), check=True, diff=True)
    assert preview["changed"] is True and preview["client_ids"] == ["my-app"]
    assert aws.mutating_calls() == []
    changed = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=url, client_ids=["my-app"]))
    assert changed["changed"] is True and changed["arn"] == made["arn"]
    assert aws.boto3_client("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=made["arn"])["ClientIDList"] == ["my-app"]
    assert run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=url, client_ids=["my-app"]))["changed"] is False
    run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=url, state="absent"))


def test_in_a_play_with_the_action_group_module_defaults(aws, tmp_path):
    """The module is in group/eksforge.platform.aws, so the shared module_defaults configure it."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(f"""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/eksforge.platform.aws:
      region: eu-west-1
      endpoint_url: {aws.aws_endpoint}
      access_key: testing
      secret_key: testing
  tasks:
    - name: Provider
      eksforge.platform.iam_oidc_provider:
        url: {ISSUER.replace("EXAMPLE", "GROUP")}
      register: made
    - name: Gone
      eksforge.platform.iam_oidc_provider:
        url: {ISSUER.replace("EXAMPLE", "GROUP")}
        state: absent
      register: gone
    - name: Check
      ansible.builtin.assert:
        that:
          - made is changed
          - gone is changed
""")
    done = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e",
                           "ansible_python_interpreter={{ ansible_playbook_python }}", str(playbook)],
                          cwd=REPO, env=aws.env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_bad_thumbprint_fails_before_any_call_also_in_check_mode(aws):
    aws.reset_calls()
    for check in (True, False):
        failed = run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=ISSUER, thumbprints=["abc"]),
                            check=check, expect_failure=True)
        assert "40 hexadecimal" in failed["msg"]
    assert aws.mutating_calls() == []
    assert providers(aws) == []


# ---- iam_oidc_provider_info --------------------------------------------------------------------------

def test_info_lists_providers_with_tags_and_filters_by_url_and_tags(aws):
    """The destroy path of the eks role finds its providers by tag: the ownership tag plus the cluster tag."""
    iam = aws.boto3_client("iam")
    owned = {"eksforge:platform": "demo", "eksforge:eks-cluster": "demo"}
    made = {
        "owned": run_module(aws, "eksforge.platform.iam_oidc_provider", dict(url=ISSUER, tags=owned)),
        "other_cluster": run_module(aws, "eksforge.platform.iam_oidc_provider", dict(
            url=ISSUER.replace("EXAMPLE", "OTHER"), tags=dict(owned, **{"eksforge:eks-cluster": "other"}))),
    }
    # made outside the collection: no tags at all
    untagged = iam.create_open_id_connect_provider(Url=ISSUER.replace("EXAMPLE", "FOREIGN"), ClientIDList=["sts.amazonaws.com"],
                                                   ThumbprintList=[TP1])["OpenIDConnectProviderArn"]

    aws.reset_calls()
    everything = run_module(aws, "eksforge.platform.iam_oidc_provider_info", {}, check=True)
    assert everything["changed"] is False
    assert sorted(p["arn"] for p in everything["oidc_providers"]) == sorted([made["owned"]["arn"], made["other_cluster"]["arn"], untagged])
    assert aws.mutating_calls() == []
    found = {p["arn"]: p for p in everything["oidc_providers"]}
    assert found[made["owned"]["arn"]] == {key: made["owned"][key] for key in ("arn", "url", "client_ids", "thumbprints", "tags")}
    assert found[untagged]["tags"] == {} and found[untagged]["thumbprints"] == [TP1]

    by_tags = run_module(aws, "eksforge.platform.iam_oidc_provider_info", dict(tags=owned))
    assert [p["arn"] for p in by_tags["oidc_providers"]] == [made["owned"]["arn"]]
    platform = run_module(aws, "eksforge.platform.iam_oidc_provider_info", dict(tags={"eksforge:platform": "demo"}))
    assert len(platform["oidc_providers"]) == 2
    by_url = run_module(aws, "eksforge.platform.iam_oidc_provider_info", dict(url=ISSUER.replace("EXAMPLE", "FOREIGN")[len("https://"):]))
    assert [p["arn"] for p in by_url["oidc_providers"]] == [untagged]
    assert run_module(aws, "eksforge.platform.iam_oidc_provider_info", dict(url=ISSUER, tags={"team": "x"}))["oidc_providers"] == []
    assert run_module(aws, "eksforge.platform.iam_oidc_provider_info", dict(url=ISSUER.replace("EXAMPLE", "NONE")))["oidc_providers"] == []
    assert aws.mutating_calls() == []
