"""EKS refuses, as AWS does, what its API model alone would let through (sandbox/aws/extensions/eks/validation.py):
instance types that do not exist in the region or do not run the AMI type's architecture, labels and taints
Kubernetes refuses, taint effects, scaling bounds, disk sizes, tags, and Kubernetes versions EKS does not offer.
A refused create makes nothing; a refused update changes nothing."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox.client import SandboxClient

TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})
FAST = {"Delay": 0.2, "MaxAttempts": 150}
# botocore checks minimums (maxSize >= 1) itself; without that the request reaches EKS as raw callers send it.
UNCHECKED = Config(parameter_validation=False)


@pytest.fixture(scope="module")
def client(running_sandbox) -> SandboxClient:
    return SandboxClient(running_sandbox)


@pytest.fixture(scope="module")
def eks(client):
    return client.client("eks")


@pytest.fixture(scope="module")
def setup(client, eks) -> dict:
    """One ACTIVE cluster with one ACTIVE nodegroup for the whole module (nothing here changes either)."""
    ec2, iam = client.client("ec2", internal=True), client.client("iam", internal=True)
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{index}.0/24", AvailabilityZone=f"us-east-1{zone}")
               ["Subnet"]["SubnetId"] for index, zone in enumerate("ab")]
    suffix = uuid.uuid4().hex[:8]
    roles = {kind: iam.create_role(RoleName=f"refusals-{kind}-{suffix}", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
             for kind in ("cluster", "node")}
    name = f"refusals-{suffix}"
    eks.create_cluster(name=name, roleArn=roles["cluster"], resourcesVpcConfig={"subnetIds": subnets})
    eks.get_waiter("cluster_active").wait(name=name, WaiterConfig=FAST)
    eks.create_nodegroup(clusterName=name, nodegroupName="base", subnets=subnets, nodeRole=roles["node"],
                         labels={"role": "base"})
    eks.get_waiter("nodegroup_active").wait(clusterName=name, nodegroupName="base", WaiterConfig=FAST)
    return {"clusterName": name, "subnets": subnets, "nodeRole": roles["node"]}


def nodegroup(setup: dict, name: str, **settings) -> dict:
    return {"clusterName": setup["clusterName"], "nodegroupName": name, "subnets": setup["subnets"],
            "nodeRole": setup["nodeRole"], **settings}


def refusal(call, **params) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def nodegroups(eks, setup) -> list[str]:
    return eks.list_nodegroups(clusterName=setup["clusterName"])["nodegroups"]


# --- instance types and AMI types ---------------------------------------------------------------------------


@pytest.mark.parametrize(("instance_type", "ami_type"), [
    ("t3.mega", "AL2023_x86_64_STANDARD"),   # no such instance type
    ("t4g.medium", "AL2023_x86_64_STANDARD"),  # Graviton (arm64) with an x86 AMI
    ("m5.large", "AL2023_ARM_64_STANDARD"),  # x86 with an ARM AMI
    ("c7g.large", "BOTTLEROCKET_x86_64"),
])
def test_instance_type_that_does_not_exist_or_run_the_ami_is_invalid_parameter(eks, setup, instance_type, ami_type):
    """EKS: "[t4g.medium] is not a valid instance type for requested amiType AL2023_x86_64_STANDARD" (400)."""
    assert refusal(eks.create_nodegroup, **nodegroup(setup, "bad", instanceTypes=[instance_type], amiType=ami_type)) \
        == ("InvalidParameterException", 400,
            f"[{instance_type}] is not a valid instance type for requested amiType {ami_type}")
    assert "bad" not in nodegroups(eks, setup)


def test_the_default_ami_type_is_x86(eks, setup):
    code, _, message = refusal(eks.create_nodegroup, **nodegroup(setup, "bad", instanceTypes=["m7g.large"]))
    assert (code, message) == ("InvalidParameterException",
                               "[m7g.large] is not a valid instance type for requested amiType AL2023_x86_64_STANDARD")


@pytest.mark.parametrize(("instance_types", "ami_type"), [(["t4g.medium", "m7g.large"], "AL2023_ARM_64_STANDARD"),
                                                          (["t3.large", "m5.xlarge"], "AL2023_x86_64_STANDARD")])
def test_matching_instance_and_ami_types_are_accepted(eks, setup, instance_types, ami_type):
    name = f"ok-{uuid.uuid4().hex[:6]}"
    created = eks.create_nodegroup(**nodegroup(setup, name, instanceTypes=instance_types, amiType=ami_type))
    assert created["nodegroup"]["instanceTypes"] == instance_types
    eks.delete_nodegroup(clusterName=setup["clusterName"], nodegroupName=name)


def test_describe_instance_type_offerings_answers_for_the_region(client):
    """The offerings a preflight reads once: the region's instance types, the ones above among them."""
    ec2 = client.client("ec2")
    pages = ec2.get_paginator("describe_instance_type_offerings").paginate(LocationType="region")
    offered = {offering["InstanceType"]: offering["Location"] for page in pages
               for offering in page["InstanceTypeOfferings"]}
    assert {"t3.medium", "m5.large", "t4g.medium", "m7g.large"} <= set(offered)
    assert "t3.mega" not in offered
    assert set(offered.values()) == {"us-east-1"}
    filtered = ec2.describe_instance_type_offerings(
        LocationType="region", Filters=[{"Name": "instance-type", "Values": ["t3.medium", "t3.mega"]}])
    assert [offering["InstanceType"] for offering in filtered["InstanceTypeOfferings"]] == ["t3.medium"]


# --- labels and taints --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("labels", "problem"), [
    ({"bad key": "v"}, "name part must consist of alphanumeric characters"),
    ({"-role": "v"}, "name part must consist of alphanumeric characters"),
    ({"r" * 64: "v"}, "name part must be no more than 63 characters"),
    ({"Example.com/role": "v"}, "prefix part a lowercase RFC 1123 subdomain"),
    ({"a/b/c": "v"}, "a qualified name must consist of alphanumeric characters"),
    ({"role": "web app"}, "a valid label must be an empty string or consist of alphanumeric characters"),
    ({"role": "v" * 64}, "must be no more than 63 characters"),
])
def test_labels_kubernetes_refuses_are_invalid_parameter(eks, setup, labels, problem):
    """EKS passes on Kubernetes' own message: "Invalid value: <key or value> : <what is wrong>"."""
    code, status, message = refusal(eks.create_nodegroup, **nodegroup(setup, "bad", labels=labels))
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.startswith("Invalid value: ") and problem in message
    assert "bad" not in nodegroups(eks, setup)


def test_valid_kubernetes_labels_and_taints_are_accepted(eks, setup):
    labels = {"example.com/role": "web", "node.kubernetes.io/lifecycle": "on-demand", "tier": "a.b_c-1"}
    taints = [{"key": "dedicated", "value": "", "effect": "NO_EXECUTE"},
              {"key": "example.com/gpu", "value": "true", "effect": "PREFER_NO_SCHEDULE"}]
    name = f"ok-{uuid.uuid4().hex[:6]}"
    created = eks.create_nodegroup(**nodegroup(setup, name, labels=labels, taints=taints))["nodegroup"]
    assert (created["labels"], created["taints"]) == (labels, taints)
    eks.delete_nodegroup(clusterName=setup["clusterName"], nodegroupName=name)


def test_taint_effects_are_eks_names_not_kubernetes_ones(eks, setup):
    assert refusal(eks.create_nodegroup, **nodegroup(setup, "bad", taints=[
        {"key": "dedicated", "value": "web", "effect": "NoSchedule"}])) == (
        "InvalidParameterException", 400,
        "Invalid taint effect: NoSchedule, must be one of these [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]")


def test_at_most_50_taints_and_taint_keys_follow_kubernetes(eks, setup):
    many = [{"key": f"t{index}", "effect": "NO_SCHEDULE"} for index in range(51)]
    assert refusal(eks.create_nodegroup, **nodegroup(setup, "bad", taints=many))[:2] == (
        "InvalidParameterException", 400)
    code, _, message = refusal(eks.create_nodegroup, **nodegroup(setup, "bad", taints=[
        {"key": "bad/key/x", "effect": "NO_SCHEDULE"}]))
    assert code == "InvalidParameterException" and message.startswith("Invalid value: bad/key/x : ")


def test_update_nodegroup_config_refuses_the_same_labels_and_taints_and_changes_nothing(eks, setup):
    target = {"clusterName": setup["clusterName"], "nodegroupName": "base"}
    assert refusal(eks.update_nodegroup_config, **target,
                   labels={"addOrUpdateLabels": {"bad key": "v"}})[:2] == ("InvalidParameterException", 400)
    assert refusal(eks.update_nodegroup_config, **target,
                   taints={"addOrUpdateTaints": [{"key": "k", "effect": "NoExecute"}]})[:2] == (
        "InvalidParameterException", 400)
    described = eks.describe_nodegroup(**target)["nodegroup"]
    assert (described["labels"], described.get("taints", [])) == ({"role": "base"}, [])
    assert eks.list_updates(name=setup["clusterName"], nodegroupName="base")["updateIds"] == []


# --- scaling and disk size ------------------------------------------------------------------------------------


@pytest.mark.parametrize("scaling", [{"minSize": 3, "desiredSize": 2, "maxSize": 4},
                                     {"minSize": 1, "desiredSize": 5, "maxSize": 4},
                                     {"minSize": 0, "desiredSize": 0, "maxSize": 0}])
def test_scaling_needs_min_le_desired_le_max_and_max_at_least_1(client, setup, scaling):
    eks = client.client("eks", config=UNCHECKED)
    code, status, message = refusal(eks.create_nodegroup, **nodegroup(setup, "bad", scalingConfig=scaling))
    assert (code, status) == ("InvalidParameterException", 400)
    assert "maximum capacity must be at least 1" in message
    assert "bad" not in nodegroups(eks, setup)


@pytest.mark.parametrize("disk_size", [0, 16385])
def test_disk_size_outside_ebs_bounds_is_invalid_parameter(eks, setup, disk_size):
    assert refusal(eks.create_nodegroup, **nodegroup(setup, "bad", diskSize=disk_size))[:2] == (
        "InvalidParameterException", 400)


def test_disk_size_with_a_launch_template_is_invalid_parameter(eks, setup):
    assert refusal(eks.create_nodegroup, **nodegroup(setup, "bad", diskSize=50,
                                                     launchTemplate={"name": "nodes", "version": "1"})) == (
        "InvalidParameterException", 400, "Disk size must be specified within the launch template.")


# --- tags and versions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tags", [{"k" * 129: "v"}, {"k": "v" * 257}, {"aws:team": "a"},
                                  {f"k{index}": "v" for index in range(51)}])
def test_tags_at_creation_follow_the_tag_rules(eks, setup, tags):
    assert refusal(eks.create_nodegroup, **nodegroup(setup, "bad", tags=tags))[:2] == (
        "InvalidParameterException", 400)
    assert "bad" not in nodegroups(eks, setup)


@pytest.mark.parametrize("tags", [{"k" * 129: "v"}, {"k": "v" * 257}, {"aws:team": "a"}])
def test_tag_resource_refuses_long_and_reserved_tags_with_bad_request(eks, setup, tags):
    arn = eks.describe_cluster(name=setup["clusterName"])["cluster"]["arn"]
    assert refusal(eks.tag_resource, resourceArn=arn, tags=tags)[:2] == ("BadRequestException", 400)
    assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == {}


def test_create_cluster_with_a_version_eks_does_not_offer_is_invalid_parameter(eks, setup):
    """EKS: "unsupported Kubernetes version 1.10" (InvalidParameterException, 400); no cluster is made."""
    described = eks.describe_cluster(name=setup["clusterName"])["cluster"]
    code, status, message = refusal(eks.create_cluster, name="old", version="1.10", roleArn=described["roleArn"],
                                    resourcesVpcConfig={"subnetIds": setup["subnets"]})
    assert (code, status, message) == ("InvalidParameterException", 400, "unsupported Kubernetes version 1.10")
    assert "old" not in eks.list_clusters()["clusters"]
