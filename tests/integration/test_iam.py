"""Integration tests of the eksforge.platform.iam role (cluster/node roles, IRSA roles, destroy path).

Every test runs the role with ansible-playbook against the session sandbox (tests/integration/support/fixtures.py) and checks
the result with boto3 over HTTP, plus the API calls the sandbox counted during each run.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from sandbox import harness
from tests.integration.support.asserts import assert_host_failed_with, assert_ran
from tests.integration.support.inventory import host_per_case_inventory
from tests.integration.support.runs import role_play

pytestmark = pytest.mark.slow

PLATFORM = "iamtest"
CLUSTER_ROLE = f"{PLATFORM}-eks-cluster"
NODE_ROLE = f"{PLATFORM}-eks-node"
ISSUER_HOST_PATH = "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
CLUSTER_POLICIES = {"AmazonEKSClusterPolicy", "AmazonEKSVPCResourceController"}
NODE_POLICIES = {"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly",
                 "AmazonSSMManagedInstanceCore"}
BASE_VARS = {"platform_name": PLATFORM, "aws_region": "us-east-1", "platform_tags": {"team": "platform"}}


def write_play(tmp_path: Path, *, tasks_from: str | None = None) -> str:
    """The role with the shared module_defaults; its facts are saved to outputs.json."""
    return role_play(tmp_path, "iam", tasks_from=tasks_from,
                     save="{'iam_outputs': iam_outputs | default(None), 'iam_irsa_role_arn': iam_irsa_role_arn | default(None)}")


def outputs(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "outputs.json").read_text())


def tags_of(iam, role: str) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=role)["Tags"]}


def trust_of(iam, role: str) -> dict:
    document = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(urllib.parse.unquote(document)) if isinstance(document, str) else document


def attached(iam, role: str) -> set[str]:
    return {p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]}


def role_names(iam) -> set[str]:
    return {role["RoleName"] for role in iam.list_roles()["Roles"]}


def make_oidc_provider(iam) -> str:
    return iam.create_open_id_connect_provider(
        Url=f"https://{ISSUER_HOST_PATH}", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])["OpenIDConnectProviderArn"]


def test_cluster_and_node_roles_lifecycle(clean_sandbox, run_playbook, tmp_path):
    iam = clean_sandbox.boto3_client("iam")
    play = write_play(tmp_path)
    # A role that is not the platform's (no ownership tag) must survive the destroy path.
    iam.create_role(RoleName="someone-else", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))

    planned = run_playbook(play, extra_vars=BASE_VARS, check=True, diff=True)
    assert_ran(planned)
    assert planned.changed > 0
    assert planned.mutating_calls == []
    assert role_names(iam) == {"someone-else"}

    created = run_playbook(play, extra_vars=BASE_VARS, diff=True)
    assert_ran(created)
    assert created.changed > 0
    assert created.count("CreateRole") == 2
    assert attached(iam, CLUSTER_ROLE) == CLUSTER_POLICIES
    assert attached(iam, NODE_ROLE) == NODE_POLICIES
    for role, service in ((CLUSTER_ROLE, "eks.amazonaws.com"), (NODE_ROLE, "ec2.amazonaws.com")):
        statement = trust_of(iam, role)["Statement"]
        assert statement == [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]
        assert tags_of(iam, role) == {"team": "platform", "eksforge:platform": PLATFORM}
    facts = outputs(tmp_path)["iam_outputs"]
    assert facts == {
        "cluster_role_name": CLUSTER_ROLE,
        "cluster_role_arn": iam.get_role(RoleName=CLUSTER_ROLE)["Role"]["Arn"],
        "node_role_name": NODE_ROLE,
        "node_role_arn": iam.get_role(RoleName=NODE_ROLE)["Role"]["Arn"],
        "ci_role_arn": "",  # no GitHub CI role: iam_ci_github_repositories is empty
    }

    again = run_playbook(play, extra_vars=BASE_VARS)
    assert_ran(again)
    assert again.changed == 0
    assert again.mutating_calls == []

    checked = run_playbook(play, extra_vars=BASE_VARS, check=True)
    assert_ran(checked)
    assert checked.changed == 0 and checked.mutating_calls == []

    extra = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
    changed_vars = {**BASE_VARS, "iam_tags": {"owner": "sre"}, "iam_node_extra_policy_arns": [extra]}
    updated = run_playbook(play, extra_vars=changed_vars)
    assert_ran(updated)
    assert updated.changed > 0
    assert attached(iam, NODE_ROLE) == NODE_POLICIES | {"CloudWatchAgentServerPolicy"}
    assert tags_of(iam, NODE_ROLE)["owner"] == "sre"
    assert tags_of(iam, CLUSTER_ROLE)["owner"] == "sre"
    assert updated.count("CreateRole") == 0

    # Dropping the extra policy detaches it again (purge_policies).
    reverted = run_playbook(play, extra_vars=BASE_VARS)
    assert_ran(reverted)
    assert attached(iam, NODE_ROLE) == NODE_POLICIES
    assert "owner" not in tags_of(iam, NODE_ROLE)

    destroy_vars = {**BASE_VARS, "iam_state": "absent"}
    planned_destroy = run_playbook(play, extra_vars=destroy_vars, check=True)
    assert_ran(planned_destroy)
    assert planned_destroy.changed > 0 and planned_destroy.mutating_calls == []
    assert {CLUSTER_ROLE, NODE_ROLE} <= role_names(iam)

    destroyed = run_playbook(play, extra_vars=destroy_vars)
    assert_ran(destroyed)
    assert role_names(iam) == {"someone-else"}
    assert destroyed.count("DeleteRole") == 2
    assert outputs(tmp_path)["iam_outputs"] == {}

    destroyed_again = run_playbook(play, extra_vars=destroy_vars)
    assert_ran(destroyed_again)
    assert destroyed_again.changed == 0 and destroyed_again.mutating_calls == []


def test_custom_names_path_and_boundary(clean_sandbox, run_playbook, tmp_path):
    iam = clean_sandbox.boto3_client("iam")
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
    variables = {**BASE_VARS, "iam_cluster_role_name": "ctl-plane", "iam_node_role_name": "workers",
                 "iam_path": "/eks/", "iam_permissions_boundary": boundary}
    play = write_play(tmp_path)
    created = run_playbook(play, extra_vars=variables)
    assert_ran(created)
    for name in ("ctl-plane", "workers"):
        role = iam.get_role(RoleName=name)["Role"]
        assert role["Path"] == "/eks/"
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert outputs(tmp_path)["iam_outputs"]["cluster_role_arn"] == iam.get_role(RoleName="ctl-plane")["Role"]["Arn"]

    again = run_playbook(play, extra_vars=variables)
    assert_ran(again)
    assert again.changed == 0 and again.mutating_calls == []

    destroyed = run_playbook(play, extra_vars={**variables, "iam_state": "absent"})
    assert_ran(destroyed)
    assert role_names(iam) == set()


def test_irsa_role(clean_sandbox, run_playbook, tmp_path):
    iam = clean_sandbox.boto3_client("iam")
    provider_arn = make_oidc_provider(iam)
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::shop/*"}]}
    irsa_vars = {**BASE_VARS, "iam_irsa_role_name": f"{PLATFORM}-cart", "iam_irsa_namespace": "shop",
                 "iam_irsa_service_account": "cart", "iam_irsa_oidc_provider_arn": provider_arn,
                 "iam_irsa_oidc_issuer_url": f"https://{ISSUER_HOST_PATH}",
                 "iam_irsa_policy_document": document,
                 "iam_irsa_managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}
    play = write_play(tmp_path, tasks_from="irsa_role")

    planned = run_playbook(play, extra_vars=irsa_vars, check=True)
    assert_ran(planned)
    assert planned.changed > 0 and planned.mutating_calls == []

    created = run_playbook(play, extra_vars=irsa_vars, diff=True)
    assert_ran(created)
    role = iam.get_role(RoleName=f"{PLATFORM}-cart")["Role"]
    assert outputs(tmp_path)["iam_irsa_role_arn"] == role["Arn"]
    assert trust_of(iam, f"{PLATFORM}-cart") == {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{ISSUER_HOST_PATH}:sub": "system:serviceaccount:shop:cart",
                f"{ISSUER_HOST_PATH}:aud": "sts.amazonaws.com",
            }},
        }],
    }
    inline = iam.get_role_policy(RoleName=f"{PLATFORM}-cart", PolicyName=f"{PLATFORM}-cart")["PolicyDocument"]
    assert (json.loads(urllib.parse.unquote(inline)) if isinstance(inline, str) else inline) == document
    assert attached(iam, f"{PLATFORM}-cart") == {"AmazonS3ReadOnlyAccess"}
    assert tags_of(iam, f"{PLATFORM}-cart") == {"team": "platform", "eksforge:platform": PLATFORM,
                                                "eksforge:irsa": "shop/cart"}

    again = run_playbook(play, extra_vars=irsa_vars)
    assert_ran(again)
    assert again.changed == 0 and again.mutating_calls == []

    # A new service account changes the :sub condition; no inline policy removes the old one.
    moved = {**irsa_vars, "iam_irsa_service_account": "cart-v2", "iam_irsa_policy_document": {},
             "iam_irsa_oidc_issuer_url": ""}
    updated = run_playbook(play, extra_vars=moved)
    assert_ran(updated)
    conditions = trust_of(iam, f"{PLATFORM}-cart")["Statement"][0]["Condition"]["StringEquals"]
    assert conditions[f"{ISSUER_HOST_PATH}:sub"] == "system:serviceaccount:shop:cart-v2"
    assert iam.list_role_policies(RoleName=f"{PLATFORM}-cart")["PolicyNames"] == []
    assert updated.count("UpdateAssumeRolePolicy") == 1 and updated.count("DeleteRolePolicy") == 1

    # The role's destroy path deletes IRSA roles of this platform too (after the main roles exist).
    assert_ran(run_playbook(write_play(tmp_path), extra_vars=BASE_VARS))
    destroyed = run_playbook(write_play(tmp_path), extra_vars={**BASE_VARS, "iam_state": "absent"})
    assert_ran(destroyed)
    assert role_names(iam) == set()


def test_irsa_role_state_absent(clean_sandbox, run_playbook, tmp_path):
    iam = clean_sandbox.boto3_client("iam")
    irsa_vars = {**BASE_VARS, "iam_irsa_role_name": "lone-irsa", "iam_irsa_namespace": "kube-system",
                 "iam_irsa_service_account": "aws-load-balancer-controller",
                 "iam_irsa_oidc_provider_arn": make_oidc_provider(iam),
                 "iam_irsa_policy_document": {"Version": "2012-10-17", "Statement": [
                     {"Effect": "Allow", "Action": "elasticloadbalancing:Describe*", "Resource": "*"}]}}
    play = write_play(tmp_path, tasks_from="irsa_role")
    assert_ran(run_playbook(play, extra_vars=irsa_vars))
    assert "lone-irsa" in role_names(iam)
    removed = run_playbook(play, extra_vars={**irsa_vars, "iam_irsa_state": "absent"})
    assert_ran(removed)
    assert removed.count("DeleteRolePolicy") == 1 and removed.count("DeleteRole") == 1
    assert role_names(iam) == set()
    assert outputs(tmp_path)["iam_irsa_role_arn"] == ""


GOOD_PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{ISSUER_HOST_PATH}"
IRSA_GOOD = {"iam_irsa_role_name": "ok-role", "iam_irsa_namespace": "shop", "iam_irsa_service_account": "cart",
             "iam_irsa_oidc_provider_arn": GOOD_PROVIDER}


# (entry point, the bad variables, the variable the message must name): each a host of one run per entry point.
BAD_INPUT = [
    (None, {"iam_cluster_role_name": "bad name!"}, "iam_cluster_role_name"),
    (None, {"iam_node_role_name": "x" * 65}, "iam_node_role_name"),
    (None, {"iam_path": "eks"}, "iam_path"),
    (None, {"iam_permissions_boundary": "not-an-arn"}, "iam_permissions_boundary"),
    (None, {"iam_node_extra_policy_arns": ["AmazonS3ReadOnlyAccess"]}, "iam_node_extra_policy_arns"),
    (None, {"iam_state": "gone"}, "iam_state"),
    (None, {"platform_name": "Bad_Platform"}, "platform_name"),
    ("irsa_role", {"iam_irsa_namespace": "Shop_NS"}, "iam_irsa_namespace"),
    ("irsa_role", {"iam_irsa_service_account": "cart_sa"}, "iam_irsa_service_account"),
    ("irsa_role", {"iam_irsa_role_name": "has space"}, "iam_irsa_role_name"),
    ("irsa_role", {"iam_irsa_oidc_provider_arn": "arn:aws:iam::123:oidc-provider/x"}, "iam_irsa_oidc_provider_arn"),
    ("irsa_role", {"iam_irsa_oidc_issuer_url": "https://other.example.com/id/1"}, "iam_irsa_oidc_issuer_url"),
    ("irsa_role", {"iam_irsa_oidc_issuer_url": "http://" + ISSUER_HOST_PATH}, "iam_irsa_oidc_issuer_url"),
    ("irsa_role", {"iam_irsa_managed_policy_arns": ["ReadOnly"]}, "iam_irsa_managed_policy_arns"),
    ("irsa_role", {"iam_irsa_policy_document": {"Version": "2012-10-17"}}, "iam_irsa_policy_document"),
    ("irsa_role", {"iam_irsa_oidc_provider_arn": None}, "iam_irsa_oidc_provider_arn"),
]


@pytest.fixture(scope="module")
def bad_input_runs(sandbox, tmp_path_factory) -> dict:
    """One run per entry point (main, irsa_role) with a host per case of BAD_INPUT, named by its index."""
    sandbox.reset()
    runs = {}
    for tasks_from in (None, "irsa_role"):
        folder = tmp_path_factory.mktemp(f"iam-bad-input-{tasks_from or 'main'}")
        hosts = {}
        for index, (entry_point, bad, _) in enumerate(BAD_INPUT):
            if entry_point == tasks_from:
                variables = {**BASE_VARS, **(IRSA_GOOD if tasks_from else {}), **bad}
                hosts[f"case{index}"] = {key: value for key, value in variables.items() if value is not None}
        inventory = host_per_case_inventory(folder, hosts)
        runs[tasks_from] = harness.run_playbook(sandbox, write_play(folder, tasks_from=tasks_from),
                                                inventory=str(inventory))
    return runs


@pytest.mark.parametrize("index", range(len(BAD_INPUT)), ids=[case[2] for case in BAD_INPUT])
def test_bad_input_fails_before_any_api_call(bad_input_runs, index):
    tasks_from, _, variable = BAD_INPUT[index]
    run = bad_input_runs[tasks_from]
    assert_host_failed_with(run, f"case{index}", variable)
    assert run.calls == [], run.calls
