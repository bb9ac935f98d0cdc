"""Unit tests of the pure helpers of plugins/module_utils/ec2_vpc_flow_log.py (no AWS)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils import ec2_vpc_flow_log as fl

ROLE = "arn:aws:iam::123456789012:role/flow"
BUCKET = "arn:aws:s3:::flow-bucket"


def params(**overrides):
    base = dict(state="present", resource_id="vpc-1", traffic_type="ALL", log_destination_type="cloud-watch-logs",
                log_group_name="group", deliver_logs_permission_arn=ROLE, log_destination=None, log_format=None,
                max_aggregation_interval=600, tags=None)
    base.update(overrides)
    return base


def s3_params(**overrides):
    return params(**dict(dict(log_destination_type="s3", log_group_name=None, deliver_logs_permission_arn=None,
                              log_destination=BUCKET + "/vpc/"), **overrides))


def existing(**overrides):
    flow_log = dict(flow_log_id="fl-1", resource_id="vpc-1", traffic_type="ALL", log_destination_type="cloud-watch-logs",
                    log_group_name="group", deliver_logs_permission_arn=ROLE, max_aggregation_interval=600,
                    log_format="${version} ${srcaddr}", creation_time="2026-01-01 00:00:00", tags={})
    flow_log.update(overrides)
    return flow_log


@pytest.mark.parametrize("given,fragment", [
    (params(log_group_name=None), "log_group_name is required"),
    (params(deliver_logs_permission_arn=None), "deliver_logs_permission_arn"),
    (params(log_destination=BUCKET), "log_destination is only used with log_destination_type s3"),
    (s3_params(log_destination=None), "log_destination (the ARN of the S3 bucket"),
    (s3_params(log_group_name="group"), "log_group_name cannot be used"),
    (s3_params(deliver_logs_permission_arn=ROLE), "deliver_logs_permission_arn cannot be used"),
    (s3_params(log_destination="flow-bucket"), "must be the ARN of an S3 bucket"),
])
def test_parameters_ec2_refuses_are_caught_before_any_call(given, fragment):
    assert fragment in fl.parameter_problem(given)


def test_good_parameters_and_absent_without_a_role_pass():
    assert fl.parameter_problem(params()) is None
    assert fl.parameter_problem(s3_params()) is None
    assert fl.parameter_problem(params(state="absent", deliver_logs_permission_arn=None)) is None


def test_desired_keeps_only_the_settings_of_the_destination_type():
    cloudwatch = fl.desired_flow_log(params(log_destination=None, log_format="${a}   ${b} "))
    assert cloudwatch["log_destination"] is None and cloudwatch["log_format"] == "${a} ${b}"
    s3 = fl.desired_flow_log(s3_params(tags={"k": "v"}))
    assert (s3["log_group_name"], s3["deliver_logs_permission_arn"]) == (None, None)
    assert s3["log_destination"] == BUCKET + "/vpc/" and s3["tags"] == {"k": "v"}


def test_identity_filters_name_the_log_group_only_for_cloudwatch():
    assert fl.identity_filters(fl.desired_flow_log(params())) == {
        "resource-id": "vpc-1", "traffic-type": "ALL", "log-destination-type": "cloud-watch-logs", "log-group-name": "group"}
    assert "log-group-name" not in fl.identity_filters(fl.desired_flow_log(s3_params()))


def test_identity_is_resource_traffic_type_and_destination():
    desired = fl.desired_flow_log(params())
    assert fl.same_identity(existing(), desired)
    assert not fl.same_identity(existing(traffic_type="REJECT"), desired)
    assert not fl.same_identity(existing(log_group_name="other"), desired)
    assert not fl.same_identity(existing(resource_id="vpc-2"), desired)
    s3 = fl.desired_flow_log(s3_params())
    assert fl.same_identity(existing(log_destination_type="s3", log_group_name=None, log_destination=BUCKET + "/vpc"), s3)
    assert not fl.same_identity(existing(log_destination_type="s3", log_destination=BUCKET), s3)


def test_the_oldest_match_comes_first():
    old = existing(flow_log_id="fl-b", creation_time=datetime.datetime(2025, 1, 1))
    new = existing(flow_log_id="fl-a", creation_time=datetime.datetime(2026, 1, 1))
    assert [f["flow_log_id"] for f in fl.matching([new, existing(traffic_type="ACCEPT"), old],
                                                  fl.desired_flow_log(params()))] == ["fl-b", "fl-a"]


def test_settings_fixed_at_creation_force_a_replacement():
    desired = fl.desired_flow_log(params())
    assert fl.replacement_reasons(existing(), desired) == []  # log_format omitted: not compared
    assert fl.replacement_reasons(existing(), fl.desired_flow_log(params(log_format="${version}  ${srcaddr}"))) == []
    assert fl.replacement_reasons(existing(), fl.desired_flow_log(params(log_format="${version}"))) == ["log_format"]
    changed = fl.desired_flow_log(params(max_aggregation_interval=60, deliver_logs_permission_arn=ROLE + "2"))
    assert fl.replacement_reasons(existing(), changed) == ["deliver_logs_permission_arn", "max_aggregation_interval"]


def test_planned_flow_log():
    planned = fl.planned_flow_log(fl.desired_flow_log(params(tags={"a": "1"})))
    assert planned["flow_log_id"] == "" and planned["tags"] == {"a": "1"}


def test_results_are_snake_case_with_tags_as_a_dict():
    raw = {"FlowLogId": "fl-1", "ResourceId": "vpc-1", "MaxAggregationInterval": 600,
           "CreationTime": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),
           "Tags": [{"Key": "Name", "Value": "x"}, {"Key": "CamelCase", "Value": "y"}]}
    result = fl.flow_log_result(raw)
    assert result == {"flow_log_id": "fl-1", "resource_id": "vpc-1", "max_aggregation_interval": 600,
                      "creation_time": "2026-01-01 00:00:00+00:00", "tags": {"Name": "x", "CamelCase": "y"}}


def test_diff_view_leaves_out_empty_settings():
    assert fl.diff_view(None) == {}
    view = fl.diff_view(existing(log_destination=None, tags={"b": "2", "a": "1"}))
    assert "log_destination" not in view and "creation_time" not in view
    assert list(view["tags"]) == ["a", "b"]


def test_unsuccessful_items_become_one_message():
    answer = {"Unsuccessful": [{"ResourceId": "vpc-1", "Error": {"Code": "400", "Message": "no bucket"}}]}
    assert fl.unsuccessful_message(answer, "create") == "Failed to create flow log: vpc-1: no bucket (400)"
    assert fl.unsuccessful_message({"Unsuccessful": []}, "create") is None
    gone = {"Unsuccessful": [{"ResourceId": "fl-1", "Error": {"Code": "InvalidFlowLogId.NotFound", "Message": ""}}]}
    assert fl.unsuccessful_message(gone, "delete", ignore_codes=("InvalidFlowLogId.NotFound",)) is None
