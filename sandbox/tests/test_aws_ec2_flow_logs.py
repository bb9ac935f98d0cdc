"""Real EC2 flow log behaviour the collection relies on, where moto 5.2.5 differs (fixed in sandbox/aws/extensions/ec2.py),
plus guards for what moto already gets right (CloudWatch and S3 destinations, filters, tags, deletion)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

OWNER = {"Key": "eksforge:platform", "Value": "demo"}
ROLE = "arn:aws:iam::123456789012:role/flow-logs"


@pytest.fixture
def ec2(sandbox):
    return sandbox.client("ec2")


@pytest.fixture
def vpc_id(ec2) -> str:
    return ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def bucket(sandbox) -> str:
    sandbox.client("s3").create_bucket(Bucket="flow-log-bucket")
    return "arn:aws:s3:::flow-log-bucket"


def to_cloudwatch(ec2, vpc_id: str, traffic_type: str = "ALL", **extra) -> dict:
    return ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType=traffic_type,
                                LogDestinationType="cloud-watch-logs", LogGroupName="flow-group",
                                DeliverLogsPermissionArn=ROLE, **extra)


def only(ec2, flow_log_id: str) -> dict:
    return ec2.describe_flow_logs(FlowLogIds=[flow_log_id])["FlowLogs"][0]


def test_several_flow_logs_of_one_vpc_may_share_a_log_group_with_other_traffic_types(ec2, vpc_id):
    """AWS VPC user guide: flow logs capturing accepted and rejected traffic may publish to the same log group."""
    accepted = to_cloudwatch(ec2, vpc_id, "ACCEPT")["FlowLogIds"]
    rejected = to_cloudwatch(ec2, vpc_id, "REJECT")["FlowLogIds"]
    found = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert sorted(f["TrafficType"] for f in found) == ["ACCEPT", "REJECT"]
    assert len(accepted) == len(rejected) == 1


def test_the_same_resource_traffic_type_and_destination_again_is_flow_log_already_exists(ec2, vpc_id, bucket):
    to_cloudwatch(ec2, vpc_id)
    with pytest.raises(ClientError) as error:
        to_cloudwatch(ec2, vpc_id)
    assert error.value.response["Error"]["Code"] == "FlowLogAlreadyExists"
    ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                         LogDestination=f"{bucket}/vpc/")
    with pytest.raises(ClientError) as error:
        ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                             LogDestination=f"{bucket}/vpc")
    assert error.value.response["Error"]["Code"] == "FlowLogAlreadyExists"


def test_an_s3_destination_may_name_a_folder_of_the_bucket(ec2, vpc_id, bucket):
    """CreateFlowLogs LogDestination for s3: the bucket ARN, optionally followed by /folder/."""
    answer = ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="REJECT",
                                  LogDestinationType="s3", LogDestination=f"{bucket}/vpc/",
                                  MaxAggregationInterval=60, LogFormat="${version} ${srcaddr} ${action}")
    assert answer["Unsuccessful"] == []
    flow_log = only(ec2, answer["FlowLogIds"][0])
    assert flow_log["LogDestination"] == f"{bucket}/vpc/"
    assert (flow_log["LogDestinationType"], flow_log["TrafficType"]) == ("s3", "REJECT")
    assert (flow_log["MaxAggregationInterval"], flow_log["LogFormat"]) == (60, "${version} ${srcaddr} ${action}")
    # guard: a bucket that does not exist is reported per resource (HTTP 200), not raised
    missing = ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL",
                                   LogDestinationType="s3", LogDestination="arn:aws:s3:::no-such-bucket/vpc/")
    assert missing["FlowLogIds"] == [] and [item["ResourceId"] for item in missing["Unsuccessful"]] == [vpc_id]


def test_a_cloudwatch_flow_log_reports_its_settings_and_the_default_format(ec2, vpc_id):
    flow_log = only(ec2, to_cloudwatch(ec2, vpc_id)["FlowLogIds"][0])
    assert flow_log["LogGroupName"] == "flow-group" and flow_log["DeliverLogsPermissionArn"] == ROLE
    assert flow_log["MaxAggregationInterval"] == 600 and flow_log["FlowLogStatus"] == "ACTIVE"
    assert flow_log["LogFormat"].startswith("${version} ${account-id} ${interface-id}")


def test_flow_logs_are_tagged_at_creation_and_by_create_tags_and_filtered_by_tag(ec2, vpc_id):
    flow_log_id = to_cloudwatch(ec2, vpc_id, TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": [OWNER]}])[
        "FlowLogIds"][0]
    ec2.create_tags(Resources=[flow_log_id], Tags=[{"Key": "Name", "Value": "demo-flow-log"}])
    ec2.delete_tags(Resources=[flow_log_id], Tags=[{"Key": OWNER["Key"]}])
    assert only(ec2, flow_log_id)["Tags"] == [{"Key": "Name", "Value": "demo-flow-log"}]
    by_tag = ec2.describe_flow_logs(Filters=[{"Name": "tag:Name", "Values": ["demo-*"]}])["FlowLogs"]
    assert [f["FlowLogId"] for f in by_tag] == [flow_log_id]
    assert ec2.describe_flow_logs(Filters=[{"Name": "tag-key", "Values": [OWNER["Key"]]}])["FlowLogs"] == []


def test_describe_tags_names_flow_logs_vpc_flow_log_and_filters_by_that_type(ec2, vpc_id):
    flow_log_id = to_cloudwatch(ec2, vpc_id, TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": [OWNER]}])[
        "FlowLogIds"][0]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["vpc-flow-log"]}])["Tags"]
    assert tags == [{"Key": OWNER["Key"], "Value": OWNER["Value"], "ResourceId": flow_log_id,
                     "ResourceType": "vpc-flow-log"}]


def test_describe_filters_by_identity_and_delete_forgets_the_flow_log(ec2, vpc_id, bucket):
    cloudwatch = to_cloudwatch(ec2, vpc_id)["FlowLogIds"][0]
    s3 = ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                              LogDestination=bucket)["FlowLogIds"][0]

    def ids(**filters):
        return sorted(f["FlowLogId"] for f in ec2.describe_flow_logs(
            Filters=[{"Name": name.replace("_", "-"), "Values": [value]} for name, value in filters.items()])["FlowLogs"])

    assert ids(resource_id=vpc_id) == sorted([cloudwatch, s3])
    assert ids(resource_id=vpc_id, log_destination_type="s3") == [s3]
    assert ids(log_group_name="flow-group", traffic_type="ALL") == [cloudwatch]
    assert ids(traffic_type="REJECT") == []

    ec2.delete_flow_logs(FlowLogIds=[cloudwatch])
    assert ids(resource_id=vpc_id) == [s3]
    with pytest.raises(ClientError) as error:
        ec2.delete_flow_logs(FlowLogIds=[cloudwatch])
    assert error.value.response["Error"]["Code"] == "InvalidFlowLogId.NotFound"
