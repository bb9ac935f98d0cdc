# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 flow logs (used by eksforge.platform.ec2_vpc_flow_log and ec2_vpc_flow_log_info).

A flow log cannot be modified after creation: it is found by its identity (resource, traffic type,
destination), and when any other setting differs it is replaced. The pure helpers (identity,
comparison, result shape) have no AWS dependency and are unit tested; the API helpers wrap the EC2
calls with amazon.aws' retry and error handling.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_AND_SERVER_ERRORS

CLOUDWATCH = "cloud-watch-logs"
S3 = "s3"
# Settings fixed at creation; a difference in any of them means the flow log is replaced.
REPLACED_ON_CHANGE = ("deliver_logs_permission_arn", "log_format", "max_aggregation_interval")


class FlowLogError(AnsibleEC2Error):
    """CreateFlowLogs or DeleteFlowLogs answered HTTP 200 but listed the request under Unsuccessful."""


def parameter_problem(params):
    """Why EC2 would refuse these parameters, or None; checked before any call so that check mode fails alike.

    EC2 wants a log group (name) and a delivery role for CloudWatch Logs, a bucket ARN for S3, and
    refuses LogGroupName and DeliverLogsPermissionArn with S3.
    """
    if params["log_destination_type"] == S3:
        if not params.get("log_destination"):
            return "log_destination (the ARN of the S3 bucket, optionally with a folder) is required when log_destination_type is s3"
        extra = [name for name in ("log_group_name", "deliver_logs_permission_arn") if params.get(name)]
        if extra:
            return "{0} cannot be used when log_destination_type is s3".format(" and ".join(extra))
        if not params["log_destination"].startswith("arn:"):
            return "log_destination must be the ARN of an S3 bucket (arn:aws:s3:::bucket or arn:aws:s3:::bucket/folder/)"
        return None
    if not params.get("log_group_name"):
        return "log_group_name is required when log_destination_type is cloud-watch-logs"
    if params.get("log_destination"):
        return "log_destination is only used with log_destination_type s3; use log_group_name for cloud-watch-logs"
    if params.get("state", "present") == "present" and not params.get("deliver_logs_permission_arn"):
        return "deliver_logs_permission_arn (the IAM role EC2 delivers the logs with) is required when log_destination_type is cloud-watch-logs"
    return None


def normalize_format(log_format):
    """EC2 keeps the fields of a custom format separated by single spaces."""
    if log_format is None:
        return None
    return " ".join(log_format.split())


def normalize_destination(destination):
    """An S3 destination names the same bucket folder with or without the trailing slash."""
    return (destination or "").rstrip("/")


def desired_flow_log(params):
    """The flow log the parameters ask for, in the shape :func:`flow_log_result` returns.

    ``log_format`` None means "not managed": EC2's default format on creation, and the format of an
    existing flow log is not compared.
    """
    cloudwatch = params["log_destination_type"] == CLOUDWATCH
    return dict(
        resource_id=params["resource_id"],
        traffic_type=params["traffic_type"],
        log_destination_type=params["log_destination_type"],
        log_group_name=params.get("log_group_name") if cloudwatch else None,
        log_destination=None if cloudwatch else params.get("log_destination"),
        deliver_logs_permission_arn=params.get("deliver_logs_permission_arn") if cloudwatch else None,
        log_format=normalize_format(params.get("log_format")),
        max_aggregation_interval=params["max_aggregation_interval"],
        tags=dict(params.get("tags") or {}),
    )


def identity_filters(desired):
    """DescribeFlowLogs filters narrowing the search to the desired flow log's identity."""
    filters = {
        "resource-id": desired["resource_id"],
        "traffic-type": desired["traffic_type"],
        "log-destination-type": desired["log_destination_type"],
    }
    if desired["log_destination_type"] == CLOUDWATCH:
        filters["log-group-name"] = desired["log_group_name"]
    return filters


def same_identity(flow_log, desired):
    """True when ``flow_log`` (a result dict) is the flow log ``desired`` names."""
    if (flow_log.get("resource_id"), flow_log.get("traffic_type"), flow_log.get("log_destination_type")) != (
        desired["resource_id"], desired["traffic_type"], desired["log_destination_type"]
    ):
        return False
    if desired["log_destination_type"] == CLOUDWATCH:
        return flow_log.get("log_group_name") == desired["log_group_name"]
    return normalize_destination(flow_log.get("log_destination")) == normalize_destination(desired["log_destination"])


def matching(flow_logs, desired):
    """The flow logs with the desired identity, oldest first (the first one is adopted)."""
    found = [flow_log for flow_log in flow_logs if same_identity(flow_log, desired)]
    return sorted(found, key=lambda flow_log: (str(flow_log.get("creation_time") or ""), flow_log["flow_log_id"]))


def replacement_reasons(current, desired):
    """The settings of ``current`` that differ from ``desired`` (each forces a replacement)."""
    reasons = []
    for key in REPLACED_ON_CHANGE:
        wanted = desired[key]
        if key == "log_format":
            if wanted is None:
                continue
            have = normalize_format(current.get(key))
        else:
            have = current.get(key)
        if have != wanted:
            reasons.append(key)
    return reasons


def planned_flow_log(desired, flow_log_id=""):
    """The flow log as it will be once created; check mode predicts no id yet."""
    return dict(desired, flow_log_id=flow_log_id, flow_log_status="", deliver_logs_status="", creation_time="")


def diff_view(flow_log):
    """The part of a flow log shown in ``--diff`` output."""
    if not flow_log:
        return {}
    keys = ("flow_log_id", "resource_id", "traffic_type", "log_destination_type", "log_group_name", "log_destination",
            "deliver_logs_permission_arn", "log_format", "max_aggregation_interval")
    view = {key: flow_log.get(key) for key in keys if flow_log.get(key) not in (None, "")}
    view["tags"] = dict(sorted((flow_log.get("tags") or {}).items()))
    return view


def flow_log_result(raw):
    """A DescribeFlowLogs item as the modules return it: snake_case keys, tags as a dict."""
    result = camel_dict_to_snake_dict(raw, ignore_list=["Tags"])
    result.pop("tags", None)
    result["tags"] = boto3_tag_list_to_ansible_dict(raw.get("Tags") or [])
    if result.get("creation_time") is not None:
        result["creation_time"] = str(result["creation_time"])
    return result


def unsuccessful_message(answer, verb, ignore_codes=()):
    """The Unsuccessful items of a CreateFlowLogs/DeleteFlowLogs answer as one message, or None.

    Both calls answer HTTP 200 and list per-resource failures instead of raising an error.
    """
    failures = [item for item in answer.get("Unsuccessful") or []
                if item.get("Error", {}).get("Code") not in ignore_codes]
    if not failures:
        return None
    details = ["{0}: {1} ({2})".format(item.get("ResourceId", "?"), item.get("Error", {}).get("Message", ""),
                                       item.get("Error", {}).get("Code", "")) for item in failures]
    return "Failed to {0} flow log: {1}".format(verb, "; ".join(details))


# ---- EC2 calls ------------------------------------------------------------------------------------


class FlowLogErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("InvalidFlowLogId.NotFound")


@FlowLogErrorHandler.list_error_handler("describe flow logs", [])
@THROTTLING_AND_SERVER_ERRORS
def describe_flow_logs(client, filters=None, flow_log_ids=None):
    """Every flow log matching ``filters`` (a dict, as in amazon.aws' *_info modules), as result dicts."""
    kwargs = {}
    if filters:
        kwargs["Filters"] = ansible_dict_to_boto3_filter_list(filters)
    if flow_log_ids:
        kwargs["FlowLogIds"] = list(flow_log_ids)
    pages = client.get_paginator("describe_flow_logs").paginate(**kwargs).build_full_result()
    return [flow_log_result(raw) for raw in pages.get("FlowLogs", [])]


def find_flow_logs(client, desired):
    return matching(describe_flow_logs(client, identity_filters(desired)), desired)


@FlowLogErrorHandler.common_error_handler("create flow log for {desired[resource_id]}")
@THROTTLING_AND_SERVER_ERRORS
def _create(client, desired, resource_type, client_token):
    kwargs = dict(
        ResourceIds=[desired["resource_id"]],
        ResourceType=resource_type,
        TrafficType=desired["traffic_type"],
        LogDestinationType=desired["log_destination_type"],
        MaxAggregationInterval=desired["max_aggregation_interval"],
        # The same token on every retry: EC2 answers a repeated request instead of making a second flow log.
        ClientToken=client_token,
    )
    if desired["log_destination_type"] == CLOUDWATCH:
        kwargs["LogGroupName"] = desired["log_group_name"]
        kwargs["DeliverLogsPermissionArn"] = desired["deliver_logs_permission_arn"]
    else:
        kwargs["LogDestination"] = desired["log_destination"]
    if desired["log_format"]:
        kwargs["LogFormat"] = desired["log_format"]
    if desired["tags"]:
        kwargs["TagSpecifications"] = boto3_tag_specifications(desired["tags"], types="vpc-flow-log")
    return client.create_flow_logs(**kwargs)


def create_flow_log(client, desired, resource_type):
    """Create the flow log (tagged in the same call) and return its id."""
    answer = _create(client, desired, resource_type, str(uuid.uuid4()))
    problem = unsuccessful_message(answer, "create")
    if problem or not answer.get("FlowLogIds"):
        raise FlowLogError(message=problem or "Failed to create flow log: EC2 returned no flow log id")
    return answer["FlowLogIds"][0]


@FlowLogErrorHandler.deletion_error_handler("delete flow logs {flow_log_ids}")
@THROTTLING_AND_SERVER_ERRORS
def _delete(client, flow_log_ids):
    return client.delete_flow_logs(FlowLogIds=list(flow_log_ids))


def delete_flow_logs(client, flow_log_ids):
    answer = _delete(client, flow_log_ids)
    # Gone already (deleted by someone else meanwhile) is what was asked for.
    problem = unsuccessful_message(answer or {}, "delete", ignore_codes=("InvalidFlowLogId.NotFound",))
    if problem:
        raise FlowLogError(message=problem)
