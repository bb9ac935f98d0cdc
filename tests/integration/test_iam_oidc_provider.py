"""Integration tests of eksforge.platform.iam_oidc_provider: real ansible runs against the AWS sandbox.

The module runs as in a play (`ansible` ad-hoc, or a lifecycle's steps as the tasks of one playbook;
tests/integration/support/runs.py) and talks HTTP to the session sandbox's IAM.
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


MODULE = "eksforge.platform.iam_oidc_provider"
INFO = "eksforge.platform.iam_oidc_provider_info"

# One module run against the sandbox, in eu-west-1; or several in one playbook (run_steps), each with its calls.
run_module = functools.partial(runs.run_module, region="eu-west-1")


def run_steps(aws, *steps: runs.ModuleStep) -> list[dict]:
    return runs.run_module_steps(aws, *steps, region="eu-west-1", diff=True)


def step(args: dict, check: bool = False, fails: bool = False, module: str = MODULE) -> runs.ModuleStep:
    return runs.ModuleStep(module, args, check=check, fails=fails)


# ---- tests -------------------------------------------------------------------------------------------

def providers(aws):
    return aws.boto3_client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]


def test_create_check_mode_idempotent_update_delete(aws):
    iam = aws.boto3_client("iam")
    args = dict(url=ISSUER, tags={"eksforge:platform": "demo", "team": "a"})
    # thumbprints and tags change in place; purge_tags=false keeps unlisted tags, omitting thumbprints leaves them
    update = dict(args, thumbprints=[TP1.upper()], tags={"eksforge:platform": "demo", "team": "b"})
    checked, created, again, preview, updated, unchanged, kept = run_steps(
        aws, step(args, check=True), step(args), step(dict(args, url=ISSUER[len("https://"):] + "/")),
        step(update, check=True), step(update), step(update),
        step(dict(url=ISSUER, tags={"extra": "1"}, purge_tags=False)))

    assert checked["changed"] is True
    assert checked["arn"].endswith(":oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E")
    assert checked["diff"]["before"] == {}
    assert checked["diff"]["after"]["client_ids"] == ["sts.amazonaws.com"]
    assert checked["mutating_calls"] == []

    assert created["changed"] is True
    assert created["mutating_calls"] == ["iam:CreateOpenIDConnectProvider"]
    assert created["arn"] == checked["arn"]
    assert created["url"] == ISSUER
    assert created["client_ids"] == ["sts.amazonaws.com"]
    assert created["tags"] == {"eksforge:platform": "demo", "team": "a"}

    assert again["changed"] is False
    assert again["arn"] == created["arn"]
    assert again["mutating_calls"] == []

    assert preview["changed"] is True
    assert preview["thumbprints"] == [TP1] and preview["tags"]["team"] == "b"
    assert preview["mutating_calls"] == []
    assert updated["changed"] is True
    assert updated["diff"]["before"]["thumbprints"] == []  # the preview changed nothing
    assert updated["diff"]["before"]["tags"]["team"] == "a" and updated["diff"]["after"]["tags"]["team"] == "b"
    assert unchanged["changed"] is False

    assert kept["changed"] is True
    assert kept["tags"] == {"eksforge:platform": "demo", "team": "b", "extra": "1"}
    assert kept["thumbprints"] == [TP1]

    assert len(providers(aws)) == 1
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=created["arn"])
    assert got["Url"] == ISSUER[len("https://"):]
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    assert got["ThumbprintList"] == [TP1]
    assert {t["Key"]: t["Value"] for t in got["Tags"]} == {"eksforge:platform": "demo", "team": "b", "extra": "1"}

    absent = dict(url=ISSUER, state="absent")
    gone_check, gone, gone_again = run_steps(aws, step(absent, check=True), step(absent), step(absent))
    assert gone_check["changed"] is True and gone_check["mutating_calls"] == []
    assert gone["changed"] is True and gone["diff"]["after"] == {}
    assert gone["mutating_calls"] == ["iam:DeleteOpenIDConnectProvider"]
    assert providers(aws) == []
    assert gone_again["changed"] is False


def test_create_with_thumbprints_and_client_ids(aws):
    url = ISSUER.replace("EXAMPLE", "SECOND")
    made, again, _ = run_steps(
        aws, step(dict(url=url, client_ids=["sts.amazonaws.com", "my-app"], thumbprints=[TP2, TP1])),
        step(dict(url=url, client_ids=["my-app", "sts.amazonaws.com"], thumbprints=[TP1, TP2.upper()])),
        step(dict(url=url, state="absent")))
    assert made["changed"] is True
    assert sorted(made["client_ids"]) == ["my-app", "sts.amazonaws.com"]
    assert sorted(made["thumbprints"]) == sorted([TP1, TP2])
    assert again["changed"] is False


def test_client_ids_are_changed_in_place(aws):
    url = ISSUER.replace("EXAMPLE", "THIRD")
    made, preview, changed, unchanged = run_steps(
        aws, step(dict(url=url)), step(dict(url=url, client_ids=["my-app"]), check=True),
        step(dict(url=url, client_ids=["my-app"])), step(dict(url=url, client_ids=["my-app"])))
    assert preview["changed"] is True and preview["client_ids"] == ["my-app"]
    assert preview["mutating_calls"] == []
    assert changed["changed"] is True and changed["arn"] == made["arn"]
    assert aws.boto3_client("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=made["arn"])["ClientIDList"] == ["my-app"]
    assert unchanged["changed"] is False
    run_module(aws, MODULE, dict(url=url, state="absent"))


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
    bad = dict(url=ISSUER, thumbprints=["abc"])
    for failed in run_steps(aws, step(bad, check=True, fails=True), step(bad, fails=True)):
        assert "40 hexadecimal" in failed["msg"]
        assert failed["mutating_calls"] == []
    assert providers(aws) == []


# ---- iam_oidc_provider_info --------------------------------------------------------------------------

def test_info_lists_providers_with_tags_and_filters_by_url_and_tags(aws):
    """The destroy path of the eks role finds its providers by tag: the ownership tag plus the cluster tag."""
    iam = aws.boto3_client("iam")
    owned = {"eksforge:platform": "demo", "eksforge:eks-cluster": "demo"}
    owned_made, other_made = run_steps(
        aws, step(dict(url=ISSUER, tags=owned)),
        step(dict(url=ISSUER.replace("EXAMPLE", "OTHER"), tags=dict(owned, **{"eksforge:eks-cluster": "other"}))))
    made = {"owned": owned_made, "other_cluster": other_made}
    # made outside the collection: no tags at all
    untagged = iam.create_open_id_connect_provider(Url=ISSUER.replace("EXAMPLE", "FOREIGN"), ClientIDList=["sts.amazonaws.com"],
                                                   ThumbprintList=[TP1])["OpenIDConnectProviderArn"]

    everything, by_tags, platform, by_url, no_tag_match, no_url_match = run_steps(
        aws, step({}, check=True, module=INFO), step(dict(tags=owned), module=INFO),
        step(dict(tags={"eksforge:platform": "demo"}), module=INFO),
        step(dict(url=ISSUER.replace("EXAMPLE", "FOREIGN")[len("https://"):]), module=INFO),
        step(dict(url=ISSUER, tags={"team": "x"}), module=INFO), step(dict(url=ISSUER.replace("EXAMPLE", "NONE")), module=INFO))
    assert everything["changed"] is False
    assert sorted(p["arn"] for p in everything["oidc_providers"]) == sorted([made["owned"]["arn"], made["other_cluster"]["arn"], untagged])
    found = {p["arn"]: p for p in everything["oidc_providers"]}
    assert found[made["owned"]["arn"]] == {key: made["owned"][key] for key in ("arn", "url", "client_ids", "thumbprints", "tags")}
    assert found[untagged]["tags"] == {} and found[untagged]["thumbprints"] == [TP1]

    assert [p["arn"] for p in by_tags["oidc_providers"]] == [made["owned"]["arn"]]
    assert len(platform["oidc_providers"]) == 2
    assert [p["arn"] for p in by_url["oidc_providers"]] == [untagged]
    assert no_tag_match["oidc_providers"] == [] and no_url_match["oidc_providers"] == []
    for result in (everything, by_tags, platform, by_url, no_tag_match, no_url_match):
        assert result["mutating_calls"] == []
