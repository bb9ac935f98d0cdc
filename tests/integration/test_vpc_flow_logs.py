"""The vpc role with vpc_flow_logs enabled: CloudWatch Logs (log group + delivery role + flow log) and S3.

One lifecycle on one VPC: check mode on an empty account, a cold run to CloudWatch Logs, a second run with
changed=0 and no mutating call, a settings change (new traffic type and interval: the old flow log goes), then S3 as
the destination, enabled: false removing what the role made (log group and delivery role too), and destroy leaving
nothing tagged.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.support.asserts import assert_ran
from tests.integration.support.constants import ACCOUNT, LOCAL_PLATFORM
from tests.integration.support.inventory import leftovers, tags_of
from tests.integration.support.runs import role_play

pytestmark = pytest.mark.slow

GROUP = f"/eksforge/{LOCAL_PLATFORM}/vpc-flow-logs"
ROLE = f"{LOCAL_PLATFORM}-vpc-flow-logs"
CLOUDWATCH = {"enabled": True, "destination": "cloud-watch-logs", "retention_days": 30}


@pytest.fixture
def play(tmp_path, run_playbook):
    playbook = role_play(tmp_path, "vpc", save="vpc_outputs")
    outputs_file = tmp_path / "outputs.json"

    def run(flow_logs: dict, **options):
        # No NAT gateway: nothing here needs one, and the runs stay short.
        extra = {"vpc_nat_mode": "none", "vpc_flow_logs": flow_logs,
                 **options.pop("extra_vars", {})}
        result = run_playbook(playbook, extra_vars=extra, **options)
        assert_ran(result)
        return result, (json.loads(outputs_file.read_text()) if outputs_file.exists() else {})

    return run


def flow_logs(sandbox) -> list[dict]:
    return sandbox.boto3_client("ec2").describe_flow_logs()["FlowLogs"]


def log_groups(sandbox) -> list[dict]:
    return sandbox.boto3_client("logs").describe_log_groups(logGroupNamePrefix="/eksforge/")["logGroups"]


def assert_nothing_left(sandbox) -> None:
    assert leftovers(sandbox) == {}
    assert flow_logs(sandbox) == [] and log_groups(sandbox) == []


def test_cloudwatch_then_s3_then_disabled_then_destroyed(clean_sandbox, play):
    sandbox = clean_sandbox
    checked, _ = play(CLOUDWATCH, check=True)
    assert checked.mutating_calls == [], checked.mutating_calls

    cold, out = play(CLOUDWATCH)
    [flow_log] = flow_logs(sandbox)
    assert out["flow_log_id"] == flow_log["FlowLogId"] and flow_log["ResourceId"] == out["vpc_id"]
    assert (flow_log["TrafficType"], flow_log["LogGroupName"], flow_log["MaxAggregationInterval"]) == ("ALL", GROUP, 600)
    assert flow_log["DeliverLogsPermissionArn"] == f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
    tags = tags_of(flow_log)
    assert tags["eksforge:platform"] == LOCAL_PLATFORM and tags["Name"] == f"{LOCAL_PLATFORM}-vpc-flow-log"
    assert tags["cost-center"] == "platform-dev"  # platform_tags of inventories/local
    assert cold.count("CreateFlowLogs") == 1  # tagged in the same call

    logs = sandbox.boto3_client("logs")
    [group] = log_groups(sandbox)
    assert group["logGroupName"] == GROUP and group["retentionInDays"] == 30
    assert logs.list_tags_log_group(logGroupName=GROUP)["tags"]["eksforge:platform"] == LOCAL_PLATFORM
    iam = sandbox.boto3_client("iam")
    trust = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    policy = iam.get_role_policy(RoleName=ROLE, PolicyName="vpc-flow-log-delivery")["PolicyDocument"]
    actions = {action for statement in policy["Statement"] for action in
               ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert actions == {"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"}
    assert {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=ROLE)["Tags"]}["eksforge:platform"] == LOCAL_PLATFORM

    again, out_again = play(CLOUDWATCH)
    assert again.changed == 0, again.output[-4000:]
    assert again.mutating_calls == [], again.mutating_calls
    assert out_again["flow_log_id"] == out["flow_log_id"]

    # check mode on the existing network shows the change and makes no call that changes anything
    changed_settings = dict(CLOUDWATCH, traffic_type="REJECT", max_aggregation_interval=60)
    preview, _ = play(changed_settings, check=True)
    assert preview.changed > 0 and preview.mutating_calls == []
    assert [f["FlowLogId"] for f in flow_logs(sandbox)] == [out["flow_log_id"]]

    changed, out_changed = play(changed_settings)
    [flow_log] = flow_logs(sandbox)
    assert flow_log["FlowLogId"] == out_changed["flow_log_id"] != out["flow_log_id"]
    assert (flow_log["TrafficType"], flow_log["MaxAggregationInterval"]) == ("REJECT", 60)
    assert changed.count("CreateFlowLogs") == 1 and changed.count("DeleteFlowLogs") == 1

    # Another destination: the S3 flow log replaces the CloudWatch one.
    sandbox.boto3_client("s3").create_bucket(Bucket="eksforge-local-flow-logs")
    s3_settings = {"enabled": True, "destination": "s3", "s3_bucket_arn": "arn:aws:s3:::eksforge-local-flow-logs/vpc/"}
    _, out_s3 = play(s3_settings)
    [flow_log] = flow_logs(sandbox)
    assert flow_log["FlowLogId"] == out_s3["flow_log_id"] != out_changed["flow_log_id"]
    assert (flow_log["LogDestinationType"], flow_log["LogDestination"]) == ("s3", s3_settings["s3_bucket_arn"])

    # enabled: false removes the flow log with the log group and the delivery role the role made.
    disabled, out_disabled = play({"enabled": False})
    assert flow_logs(sandbox) == [] and out_disabled["flow_log_id"] == ""
    assert disabled.count("DeleteFlowLogs") == 1
    assert log_groups(sandbox) == [] and "iam_roles" not in leftovers(sandbox)
    quiet, _ = play({"enabled": False})
    assert quiet.changed == 0 and quiet.mutating_calls == []

    play({"enabled": False}, extra_vars={"vpc_state": "absent"})
    assert_nothing_left(sandbox)
