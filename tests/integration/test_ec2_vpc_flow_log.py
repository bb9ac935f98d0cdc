"""Integration tests of eksforge.platform.ec2_vpc_flow_log(_info): real ansible runs against the AWS sandbox.

Each module runs through `ansible localhost -m` (tests/integration/support/runs.py run_module) and talks HTTP to the sandbox's EC2;
results are checked with boto3 and with the sandbox's per-action call counters.
"""

from __future__ import annotations

import pytest

from tests.integration.support.runs import run_module

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


def flow_logs(aws, vpc_id):
    return aws.boto3_client("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


def mutating(aws):
    return {call["action"]: call["count"] for call in aws.mutating_calls()}


def test_cloudwatch_create_noop_tags_replace_delete(aws, vpc_id):
    args = dict(resource_id=vpc_id, log_group_name="/eksforge/demo/vpc-flow-logs", deliver_logs_permission_arn=ROLE,
                tags=dict(OWNER, Name="demo-vpc-flow-log"))

    aws.reset_calls()
    preview = run(aws, args, check=True, diff=True)
    assert preview["changed"] is True and preview["flow_log"]["flow_log_id"] == ""
    assert preview["diff"]["before"] == {} and preview["diff"]["after"]["log_group_name"] == args["log_group_name"]
    assert mutating(aws) == {} and flow_logs(aws, vpc_id) == []

    made = run(aws, args)
    assert made["changed"] is True
    flow_log = made["flow_log"]
    assert flow_log["flow_log_id"].startswith("fl-") and flow_log["resource_id"] == vpc_id
    assert (flow_log["traffic_type"], flow_log["log_destination_type"], flow_log["max_aggregation_interval"]) == (
        "ALL", "cloud-watch-logs", 600)
    assert flow_log["deliver_logs_permission_arn"] == ROLE and flow_log["tags"] == args["tags"]
    assert mutating(aws) == {"CreateFlowLogs": 1}  # tagged in the same call
    [real] = flow_logs(aws, vpc_id)
    assert real["FlowLogId"] == flow_log["flow_log_id"] and real["LogGroupName"] == args["log_group_name"]

    aws.reset_calls()
    again = run(aws, args, diff=True)
    assert again["changed"] is False and again["flow_log"]["flow_log_id"] == flow_log["flow_log_id"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert mutating(aws) == {}

    # tags change in place; the id stays
    aws.reset_calls()
    retagged = run(aws, dict(args, tags=dict(OWNER, team="net")), diff=True)
    assert retagged["changed"] is True and retagged["flow_log"]["flow_log_id"] == flow_log["flow_log_id"]
    assert retagged["flow_log"]["tags"] == dict(OWNER, team="net")
    assert mutating(aws) == {"CreateTags": 1, "DeleteTags": 1}
    kept = run(aws, dict(resource_id=vpc_id, log_group_name=args["log_group_name"], deliver_logs_permission_arn=ROLE,
                         tags={"extra": "1"}, purge_tags=False))
    assert kept["changed"] is True and kept["flow_log"]["tags"] == dict(OWNER, team="net", extra="1")

    # settings fixed at creation: check mode and diff show the replacement, then it happens
    changed = dict(args, max_aggregation_interval=60, deliver_logs_permission_arn=OTHER_ROLE)
    aws.reset_calls()
    preview = run(aws, changed, check=True, diff=True)
    assert preview["changed"] is True and preview["replaced"] is True
    assert preview["replacement_reasons"] == ["deliver_logs_permission_arn", "max_aggregation_interval"]
    assert preview["diff"]["before"]["max_aggregation_interval"] == 600
    assert preview["diff"]["after"]["max_aggregation_interval"] == 60 and "flow_log_id" not in preview["diff"]["after"]
    assert mutating(aws) == {}
    replaced = run(aws, changed)
    assert replaced["changed"] is True and replaced["replaced"] is True
    assert replaced["flow_log"]["flow_log_id"] not in ("", flow_log["flow_log_id"])
    assert replaced["flow_log"]["tags"] == args["tags"]
    [real] = flow_logs(aws, vpc_id)
    assert (real["FlowLogId"], real["MaxAggregationInterval"], real["DeliverLogsPermissionArn"]) == (
        replaced["flow_log"]["flow_log_id"], 60, OTHER_ROLE)
    assert run(aws, changed)["changed"] is False

    # a custom format is compared (spaces collapsed); omitted, it is not
    formatted = dict(changed, log_format="${version} ${srcaddr}  ${action}")
    assert run(aws, formatted)["replaced"] is True
    assert run(aws, dict(formatted, log_format="${version} ${srcaddr} ${action}"))["changed"] is False
    assert run(aws, changed)["changed"] is False

    absent = dict(resource_id=vpc_id, log_group_name=args["log_group_name"], state="absent")
    aws.reset_calls()
    gone_check = run(aws, absent, check=True, diff=True)
    assert gone_check["changed"] is True and gone_check["diff"]["after"] == {}
    assert mutating(aws) == {} and len(flow_logs(aws, vpc_id)) == 1
    gone = run(aws, absent)
    assert gone["changed"] is True and gone["flow_log"] == {}
    assert flow_logs(aws, vpc_id) == []
    assert run(aws, absent)["changed"] is False


def test_s3_with_a_folder_other_traffic_type_and_info(aws, vpc_id):
    aws.boto3_client("s3").create_bucket(Bucket="demo-flow-logs")
    bucket = "arn:aws:s3:::demo-flow-logs"
    args = dict(resource_id=vpc_id, log_destination_type="s3", log_destination=f"{bucket}/vpc/", tags=OWNER)
    made = run(aws, args)
    assert made["changed"] is True and made["flow_log"]["log_destination"] == f"{bucket}/vpc/"
    assert run(aws, dict(args, log_destination=f"{bucket}/vpc"))["changed"] is False

    # another traffic type to the same bucket folder is another flow log, next to the first
    rejected = run(aws, dict(args, traffic_type="REJECT", tags={"team": "net"}))
    assert rejected["changed"] is True and rejected["flow_log"]["flow_log_id"] != made["flow_log"]["flow_log_id"]
    assert sorted(f["TrafficType"] for f in flow_logs(aws, vpc_id)) == ["ALL", "REJECT"]

    aws.reset_calls()
    info = run_module(aws, INFO, dict(filters={"resource-id": vpc_id, "tag:eksforge:platform": "demo"}))
    assert info["changed"] is False and mutating(aws) == {}
    assert [f["flow_log_id"] for f in info["flow_logs"]] == [made["flow_log"]["flow_log_id"]]
    assert info["flow_logs"][0]["tags"] == OWNER and info["flow_logs"][0]["log_destination_type"] == "s3"
    by_id = run_module(aws, INFO, dict(flow_log_ids=[rejected["flow_log"]["flow_log_id"]]))
    assert [f["traffic_type"] for f in by_id["flow_logs"]] == ["REJECT"]

    for traffic_type in ("ALL", "REJECT"):
        assert run(aws, dict(args, traffic_type=traffic_type, state="absent"))["changed"] is True
    assert flow_logs(aws, vpc_id) == []


def test_a_missing_bucket_fails_with_ec2s_message(aws, vpc_id):
    failed = run(aws, dict(resource_id=vpc_id, log_destination_type="s3", log_destination="arn:aws:s3:::no-such-bucket"),
                 expect_failure=True)
    assert "no-such-bucket" in failed["msg"] and "Failed to create flow log" in failed["msg"]


def test_bad_parameters_fail_before_any_call_also_in_check_mode(aws, vpc_id):
    aws.reset_calls()
    for check in (True, False):
        failed = run(aws, dict(resource_id=vpc_id, log_group_name="g"), check=check, expect_failure=True)
        assert "deliver_logs_permission_arn" in failed["msg"]
        failed = run(aws, dict(resource_id=vpc_id, log_destination_type="s3", log_destination="arn:aws:s3:::b",
                               log_group_name="g"), check=check, expect_failure=True)
        assert "log_group_name cannot be used" in failed["msg"]
    assert aws.calls() == []
