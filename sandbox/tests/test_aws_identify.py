"""The middleware names every request's service, operation and kind, whatever its wire protocol."""

from __future__ import annotations

from urllib.parse import urlsplit

import botocore.session
import pytest
import requests
from botocore.exceptions import ClientError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from sandbox.aws.identify import identify, service_models, signing_names
from sandbox.client import SandboxClient


def counted(sandbox: SandboxClient) -> set[tuple[str, str, str]]:
    return {(call["service"], call["action"], call["kind"]) for call in sandbox.calls()}


def test_query_protocol_is_identified_by_its_action_parameter(sandbox):
    iam = sandbox.client("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    iam.list_roles()
    iam.get_role(RoleName="r")
    assert counted(sandbox) == {("iam", "CreateRole", "mutating"), ("iam", "ListRoles", "read"),
                                ("iam", "GetRole", "read")}


def test_ec2_protocol_is_identified_by_its_action_parameter(sandbox):
    ec2 = sandbox.client("ec2")
    ec2.create_vpc(CidrBlock="10.0.0.0/16")
    ec2.describe_vpcs()
    assert counted(sandbox) == {("ec2", "CreateVpc", "mutating"), ("ec2", "DescribeVpcs", "read")}


def test_json_protocol_is_identified_by_x_amz_target(sandbox):
    ecr = sandbox.client("ecr")
    ecr.create_repository(repositoryName="app")
    ecr.describe_repositories()
    ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "latest"}])
    assert counted(sandbox) == {("ecr", "CreateRepository", "mutating"), ("ecr", "DescribeRepositories", "read"),
                                ("ecr", "BatchGetImage", "read")}


def test_rest_json_is_identified_by_method_and_path_even_where_moto_has_no_such_operation(sandbox):
    eks = sandbox.client("eks")
    eks.list_clusters()
    for call in (lambda: eks.describe_nodegroup(clusterName="c", nodegroupName="n"),
                 lambda: eks.delete_nodegroup(clusterName="c", nodegroupName="n"),
                 lambda: eks.describe_addon_versions(kubernetesVersion="1.31")):
        try:
            call()
        except ClientError:
            pass  # the cluster does not exist, or moto lacks the operation: identification happens first
    assert counted(sandbox) == {("eks", "ListClusters", "read"), ("eks", "DescribeNodegroup", "read"),
                                ("eks", "DeleteNodegroup", "mutating"), ("eks", "DescribeAddonVersions", "read")}


def test_rest_labels_holding_arns_are_matched_before_percent_decoding(sandbox):
    """botocore sends "/" inside an ARN label as %2F; the operation is still named (EKS TagResource,
    DescribeAccessEntry) and the label reaches the handler decoded."""
    eks = sandbox.client("eks")
    for call in (lambda: eks.tag_resource(resourceArn="arn:aws:eks:us-east-1:123456789012:cluster/c", tags={"a": "b"}),
                 lambda: eks.describe_access_entry(clusterName="c", principalArn="arn:aws:iam::123456789012:role/team/dev")):
        try:
            call()
        except ClientError as error:
            assert error.response["Error"]["Code"] in ("NotFoundException", "ResourceNotFoundException")
    assert counted(sandbox) == {("eks", "TagResource", "mutating"), ("eks", "DescribeAccessEntry", "read")}


def test_rest_xml_tells_s3_operations_on_the_same_path_apart(sandbox):
    s3 = sandbox.client("s3")
    s3.create_bucket(Bucket="identify-bucket")
    s3.put_object(Bucket="identify-bucket", Key="dir/key.txt", Body=b"x")
    # The body passes through the middleware to moto intact.
    assert s3.get_object(Bucket="identify-bucket", Key="dir/key.txt")["Body"].read() == b"x"
    s3.get_object_acl(Bucket="identify-bucket", Key="dir/key.txt")
    s3.list_objects_v2(Bucket="identify-bucket")
    s3.head_bucket(Bucket="identify-bucket")
    s3.delete_objects(Bucket="identify-bucket", Delete={"Objects": [{"Key": "dir/key.txt"}]})
    assert counted(sandbox) == {
        ("s3", "CreateBucket", "mutating"), ("s3", "PutObject", "mutating"), ("s3", "GetObject", "read"),
        ("s3", "GetObjectAcl", "read"), ("s3", "ListObjectsV2", "read"), ("s3", "HeadBucket", "read"),
        ("s3", "DeleteObjects", "mutating")}


def test_presigned_sts_get_caller_identity_is_identified_from_x_amz_credential(sandbox):
    sts = sandbox.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    requests.get(url, timeout=10)
    assert counted(sandbox) == {("sts", "GetCallerIdentity", "read")}


def test_unsigned_requests_are_counted_as_unknown(sandbox):
    requests.post(sandbox.endpoint + "/", data={"Action": "DescribeVpcs"}, timeout=10)
    assert counted(sandbox) == {("unknown", "Unknown", "mutating")}


def captured_request(sandbox: SandboxClient, service: str, operation: str, **params) -> Request:
    """The exact HTTP request botocore sends for an operation, as the middleware's werkzeug sees it."""
    sent = {}

    def capture(request, **_):
        sent["request"] = request

    client = sandbox.client(service)
    client.meta.events.register(f"before-send.{service}.{operation}", capture)
    method = {api: name for name, api in client.meta.method_to_api_mapping.items()}[operation]
    try:
        getattr(client, method)(**params)
    except ClientError:
        pass  # only the request matters here
    prepared = sent["request"]
    url = urlsplit(prepared.url)
    headers = {name: value.decode() if isinstance(value, bytes) else value for name, value in prepared.headers.items()}
    return Request(EnvironBuilder(path=url.path, query_string=url.query, method=prepared.method,
                                  headers=headers, data=prepared.body).get_environ())


@pytest.mark.parametrize(("service", "operation", "params", "expected"), [
    ("eks", "DescribeNodegroup", {"clusterName": "c1", "nodegroupName": "ng"}, {"clusterName": "c1",
                                                                                "nodegroupName": "ng"}),
    ("eks", "DescribeAddonVersions", {"kubernetesVersion": "1.31", "addonName": "vpc-cni"},
     {"kubernetesVersion": "1.31", "addonName": "vpc-cni"}),
    ("eks", "CreateAccessEntry", {"clusterName": "c1", "principalArn": "arn:aws:iam::123456789012:role/r"},
     {"clusterName": "c1", "principalArn": "arn:aws:iam::123456789012:role/r"}),
    ("ecr", "DescribeRepositories", {"repositoryNames": ["app"]}, {"repositoryNames": ["app"]}),
])
def test_params_carry_botocore_member_names_for_rest_and_json(sandbox, service, operation, params, expected):
    call = identify(captured_request(sandbox, service, operation, **params))
    assert (call.service, call.action) == (service, operation)
    assert {key: call.params.get(key) for key in expected} == expected


def test_query_params_are_the_raw_form_keys(sandbox):
    call = identify(captured_request(sandbox, "ec2", "CreateNatGateway", SubnetId="subnet-1",
                                     TagSpecifications=[{"ResourceType": "natgateway",
                                                         "Tags": [{"Key": "k", "Value": "v"}]}]))
    assert call.protocol == "ec2"
    assert call.params["SubnetId"] == "subnet-1"
    assert call.params["TagSpecification.1.ResourceType"] == "natgateway"
    assert (call.region, call.access_key_id) == ("us-east-1", "testing")


def test_signing_names_read_from_the_model_openings_are_the_full_models():
    """Each service's signing name, read from the metadata at the opening of its model file, is the one botocore's
    loaded model gives (elb and elbv2 both sign as elasticloadbalancing, cloudwatch as monitoring)."""
    session = botocore.session.get_session()
    assert signing_names() == {name: session.get_service_model(name).signing_name
                               for name in session.get_available_services()}
    assert [model.service_name for model in service_models("elasticloadbalancing")] == ["elb", "elbv2"]
    assert [model.service_name for model in service_models("monitoring")] == ["cloudwatch"]
