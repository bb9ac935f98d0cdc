"""Integration tests of eksforge.platform.ec2_vpc_flow_log(_info): real ansible runs against the AWS sandbox.

Each module runs as in a play (`ansible localhost -m`, or a lifecycle's steps as the tasks of one playbook;
tests/integration/support/runs.py) and talks HTTP to the sandbox's EC2; results are checked with boto3 and with the
calls the sandbox logged during each step.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.integration.support.runs import ModuleStep, run_module, run_module_steps

pytestmark = pytest.mark.slow

MODULE = "eksforge.platform.ec2_vpc_flow_log"
INFO = "eksforge.platform.ec2_vpc_flow_log_info"
ROLE = "arn:aws:iam::123456789012:role/demo-vpc-flow-logs"
OTHER_ROLE = "arn:aws:iam::123456789012:role/other-flow-logs"
OWNER = {"eksforge:platform": "demo"}


@pytest.fixture
def vpc_id(aws) -> str:
    return aws.boto3_client("ec2").create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]


def run(aws, args, **options):
    return run_module(aws, MODULE, args, **options)


def run_steps(aws, *steps: ModuleStep) -> list[dict]:
    """The steps in one playbook (one Ansible start), each result with the calls made while it ran."""
    return run_module_steps(aws, *steps, diff=True)


def step(args: dict, check: bool = False, fails: bool = False, module: str = MODULE) -> ModuleStep:
    return ModuleStep(module, args, check=check, fails=fails)


def flow_logs(aws, vpc_id):
    return aws.boto3_client("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


def mutating(result: dict) -> dict[str, int]:
    """{action: count} of the mutating calls a step made."""
    return dict(Counter(call.split(":", 1)[1] for call in result["mutating_calls"]))


def test_cloudwatch_create_noop_tags_replace_delete(aws, vpc_id):
    args = dict(resource_id=vpc_id, log_group_name="/eksforge/demo/vpc-flow-logs", deliver_logs_permission_arn=ROLE,
                tags=dict(OWNER, Name="demo-vpc-flow-log"))
    # settings fixed at creation: check mode and diff show the replacement, then it happens
    changed = dict(args, max_aggregation_interval=60, deliver_logs_permission_arn=OTHER_ROLE)
    preview, made, again, retagged, kept, replacement, replaced, unchanged = run_steps(
        aws, step(args, check=True), step(args), step(args),
        # tags change in place; the id stays
        step(dict(args, tags=dict(OWNER, team="net"))),
        step(dict(resource_id=vpc_id, log_group_name=args["log_group_name"], deliver_logs_permission_arn=ROLE,
                  tags={"extra": "1"}, purge_tags=False)),
        step(changed, check=True), step(changed), step(changed))

    assert preview["changed"] is True and preview["flow_log"]["flow_log_id"] == ""
    assert preview["diff"]["before"] == {} and preview["diff"]["after"]["log_group_name"] == args["log_group_name"]
    assert mutating(preview) == {}

    assert made["changed"] is True
    flow_log = made["flow_log"]
    assert flow_log["flow_log_id"].startswith("fl-") and flow_log["resource_id"] == vpc_id
    assert (flow_log["traffic_type"], flow_log["log_destination_type"], flow_log["max_aggregation_interval"]) == (
        "ALL", "cloud-watch-logs", 600)
    assert flow_log["deliver_logs_permission_arn"] == ROLE and flow_log["tags"] == args["tags"]
    assert mutating(made) == {"CreateFlowLogs": 1}  # tagged in the same call

    assert again["changed"] is False and again["flow_log"]["flow_log_id"] == flow_log["flow_log_id"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert mutating(again) == {}

    assert retagged["changed"] is True and retagged["flow_log"]["flow_log_id"] == flow_log["flow_log_id"]
    assert retagged["flow_log"]["tags"] == dict(OWNER, team="net")
    assert mutating(retagged) == {"CreateTags": 1, "DeleteTags": 1}
    assert kept["changed"] is True and kept["flow_log"]["tags"] == dict(OWNER, team="net", extra="1")

    assert replacement["changed"] is True and replacement["replaced"] is True
    assert replacement["replacement_reasons"] == ["deliver_logs_permission_arn", "max_aggregation_interval"]
    assert replacement["diff"]["before"]["max_aggregation_interval"] == 600
    assert replacement["diff"]["after"]["max_aggregation_interval"] == 60 and "flow_log_id" not in replacement["diff"]["after"]
    assert mutating(replacement) == {}
    assert replaced["changed"] is True and replaced["replaced"] is True
    assert replaced["flow_log"]["flow_log_id"] not in ("", flow_log["flow_log_id"])
    assert replaced["flow_log"]["tags"] == args["tags"]
    assert unchanged["changed"] is False
    [real] = flow_logs(aws, vpc_id)
    assert (real["FlowLogId"], real["MaxAggregationInterval"], real["DeliverLogsPermissionArn"], real["LogGroupName"]) == (
        replaced["flow_log"]["flow_log_id"], 60, OTHER_ROLE, args["log_group_name"])

    # a custom format is compared (spaces collapsed); omitted, it is not
    formatted = dict(changed, log_format="${version} ${srcaddr}  ${action}")
    absent = dict(resource_id=vpc_id, log_group_name=args["log_group_name"], state="absent")
    reformatted, same_format, format_omitted, gone_check, gone, gone_again = run_steps(
        aws, step(formatted), step(dict(formatted, log_format="${version} ${srcaddr} ${action}")), step(changed),
        step(absent, check=True), step(absent), step(absent))
    assert reformatted["replaced"] is True
    assert same_format["changed"] is False and format_omitted["changed"] is False
    assert gone_check["changed"] is True and gone_check["diff"]["after"] == {}
    assert mutating(gone_check) == {}
    assert gone["changed"] is True and gone["flow_log"] == {}
    assert mutating(gone) == {"DeleteFlowLogs": 1}
    assert flow_logs(aws, vpc_id) == []
    assert gone_again["changed"] is False


def test_s3_with_a_folder_other_traffic_type_and_info(aws, vpc_id):
    aws.boto3_client("s3").create_bucket(Bucket="demo-flow-logs")
    bucket = "arn:aws:s3:::demo-flow-logs"
    args = dict(resource_id=vpc_id, log_destination_type="s3", log_destination=f"{bucket}/vpc/", tags=OWNER)
    # another traffic type to the same bucket folder is another flow log, next to the first
    rejecting = dict(args, traffic_type="REJECT", tags={"team": "net"})
    made, same, rejected, info = run_steps(
        aws, step(args), step(dict(args, log_destination=f"{bucket}/vpc")), step(rejecting),
        step(dict(filters={"resource-id": vpc_id, "tag:eksforge:platform": "demo"}), module=INFO))
    assert made["changed"] is True and made["flow_log"]["log_destination"] == f"{bucket}/vpc/"
    assert same["changed"] is False
    assert rejected["changed"] is True and rejected["flow_log"]["flow_log_id"] != made["flow_log"]["flow_log_id"]
    assert sorted(f["TrafficType"] for f in flow_logs(aws, vpc_id)) == ["ALL", "REJECT"]

    assert info["changed"] is False and mutating(info) == {}
    assert [f["flow_log_id"] for f in info["flow_logs"]] == [made["flow_log"]["flow_log_id"]]
    assert info["flow_logs"][0]["tags"] == OWNER and info["flow_logs"][0]["log_destination_type"] == "s3"
    by_id, *removed = run_steps(
        aws, step(dict(flow_log_ids=[rejected["flow_log"]["flow_log_id"]]), module=INFO),
        *(step(dict(args, traffic_type=traffic_type, state="absent")) for traffic_type in ("ALL", "REJECT")))
    assert [f["traffic_type"] for f in by_id["flow_logs"]] == ["REJECT"]
    assert [result["changed"] for result in removed] == [True, True]
    assert flow_logs(aws, vpc_id) == []


def test_a_missing_bucket_fails_with_ec2s_message(aws, vpc_id):
    failed = run(aws, dict(resource_id=vpc_id, log_destination_type="s3", log_destination="arn:aws:s3:::no-such-bucket"),
                 expect_failure=True)
    assert "no-such-bucket" in failed["msg"] and "Failed to create flow log" in failed["msg"]


def test_bad_parameters_fail_before_any_call_also_in_check_mode(aws, vpc_id):
    no_role = dict(resource_id=vpc_id, log_group_name="g")
    both = dict(resource_id=vpc_id, log_destination_type="s3", log_destination="arn:aws:s3:::b", log_group_name="g")
    results = run_steps(aws, *(step(args, check=check, fails=True) for check in (True, False) for args in (no_role, both)))
    for failed, message in zip(results, ["deliver_logs_permission_arn", "log_group_name cannot be used"] * 2):
        assert message in failed["msg"]
        assert failed["mutating_calls"] == [] and failed["read_calls"] == []
