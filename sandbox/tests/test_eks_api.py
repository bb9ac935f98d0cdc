"""EKS through boto3 against the running sandbox: every test names the AWS behaviour it checks.

Shapes follow botocore's eks service model; status changes (CREATING -> ACTIVE, UPDATING -> ACTIVE,
DELETING -> gone) are asynchronous as on AWS and awaited with botocore's own waiters.
"""

from __future__ import annotations

import base64
import json
import re
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.waiter import WaiterModel, create_waiter_with_client

from sandbox.client import SandboxClient

ACCOUNT = "123456789012"
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-cluster"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform/admins"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"
# Fast polling: the sandbox settles in EKSFORGE_SANDBOX_EKS_DELAY seconds, not AWS's minutes.
FAST = {"Delay": 0.2, "MaxAttempts": 150}


@pytest.fixture(scope="module")
def session(running_sandbox):
    # No per-test reset (it reloads moto's managed IAM policies, seconds each): every test makes its own
    # cluster under a unique name instead.
    return SandboxClient(running_sandbox).boto3_session()


@pytest.fixture(scope="module")
def endpoint(running_sandbox) -> str:
    return running_sandbox.aws_endpoint


@pytest.fixture(scope="module")
def eks(session, endpoint):
    return session.client("eks", endpoint_url=endpoint)


@pytest.fixture(scope="module", autouse=True)
def roles(session, endpoint) -> None:
    """The IAM roles the tests hand to EKS, which (like AWS) refuses roles that do not exist."""
    iam = session.client("iam", endpoint_url=endpoint)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                "Principal": {"Service": "eks.amazonaws.com"}}]})
    for arn in (CLUSTER_ROLE, NODE_ROLE, ADMIN_ROLE):
        path, _, role_name = arn.split(":role", 1)[1].rpartition("/")
        try:
            iam.create_role(RoleName=role_name, Path=path + "/", AssumeRolePolicyDocument=trust)
        except iam.exceptions.EntityAlreadyExistsException:
            pass


@pytest.fixture
def name() -> str:
    return f"c-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def subnets(session, endpoint) -> list[str]:
    """Two subnets of one VPC in two AZs, as EKS requires for a cluster."""
    ec2 = session.client("ec2", endpoint_url=endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    return [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")
            ["Subnet"]["SubnetId"] for i, zone in enumerate("ab")]


def create_cluster(eks, subnets, name, version="1.31", mode="API_AND_CONFIG_MAP", **extra) -> dict:
    cluster = eks.create_cluster(name=name, version=version, roleArn=CLUSTER_ROLE,
                                 resourcesVpcConfig={"subnetIds": subnets},
                                 accessConfig={"authenticationMode": mode}, **extra)["cluster"]
    eks.get_waiter("cluster_active").wait(name=name, WaiterConfig=FAST)
    return cluster


@pytest.fixture
def cluster(eks, subnets, name) -> dict:
    return create_cluster(eks, subnets, name)


def wait_update(eks, update: dict, **target) -> dict:
    """Poll DescribeUpdate until the update leaves InProgress (what `aws eks wait` users do)."""
    waiter_model = {"version": 2, "waiters": {"Update": {
        "operation": "DescribeUpdate", "delay": FAST["Delay"], "maxAttempts": FAST["MaxAttempts"],
        "acceptors": [{"state": "success", "matcher": "path", "argument": "update.status", "expected": "Successful"},
                      {"state": "failure", "matcher": "path", "argument": "update.status", "expected": "Failed"}]}}}
    create_waiter_with_client("Update", WaiterModel(waiter_model), eks).wait(updateId=update["id"], **target)
    return eks.describe_update(updateId=update["id"], **target)["update"]


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# --- clusters -------------------------------------------------------------------------------------------


def test_create_cluster_starts_creating_then_becomes_active_with_full_description(eks, subnets, running_sandbox, name):
    """CreateCluster answers status CREATING at once; the cluster_active waiter then sees ACTIVE, and
    DescribeCluster reports endpoint, CA, OIDC issuer, platform version and the VPC config with its subnets."""
    created = eks.create_cluster(name=name, version="1.31", roleArn=CLUSTER_ROLE,
                                 resourcesVpcConfig={"subnetIds": subnets, "endpointPrivateAccess": True},
                                 tags={"team": "platform"})["cluster"]
    assert created["status"] == "CREATING"
    eks.get_waiter("cluster_active").wait(name=name, WaiterConfig=FAST)
    cluster = eks.describe_cluster(name=name)["cluster"]
    assert cluster["status"] == "ACTIVE"
    assert cluster["arn"] == f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/{name}"
    assert cluster["version"] == "1.31" and re.fullmatch(r"eks\.\d+", cluster["platformVersion"])
    assert cluster["endpoint"] == running_sandbox.cluster_endpoint("us-east-1", name)
    assert re.fullmatch(r"https://oidc\.eks\.us-east-1\.amazonaws\.com/id/[0-9A-F]{32}",
                        cluster["identity"]["oidc"]["issuer"])
    ca = running_sandbox.ca_cert_path
    assert base64.b64decode(cluster["certificateAuthority"]["data"]) == (ca.read_bytes() if ca.exists() else b"")
    vpc = cluster["resourcesVpcConfig"]
    assert vpc["subnetIds"] == subnets and vpc["vpcId"].startswith("vpc-")
    assert vpc["clusterSecurityGroupId"].startswith("sg-")
    assert (vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"], vpc["publicAccessCidrs"]) == \
        (True, True, ["0.0.0.0/0"])
    assert cluster["accessConfig"] == {"bootstrapClusterCreatorAdminPermissions": True,
                                       "authenticationMode": "CONFIG_MAP"}
    assert cluster["tags"] == {"team": "platform"}
    assert name in eks.list_clusters()["clusters"]


def test_cluster_security_group_is_created_in_the_vpc_and_removed_with_the_cluster(eks, cluster, session, endpoint,
                                                                                   name):
    """EKS creates the cluster security group eks-cluster-sg-<name>-* in the cluster's VPC and deletes it
    with the cluster."""
    ec2 = session.client("ec2", endpoint_url=endpoint)
    group_id = cluster["resourcesVpcConfig"]["clusterSecurityGroupId"]
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["GroupName"].startswith(f"eks-cluster-sg-{name}-")
    assert group["VpcId"] == cluster["resourcesVpcConfig"]["vpcId"]
    eks.delete_cluster(name=name)
    eks.get_waiter("cluster_deleted").wait(name=name, WaiterConfig=FAST)
    with pytest.raises(ClientError):
        ec2.describe_security_groups(GroupIds=[group_id])


def test_create_cluster_twice_is_resource_in_use(eks, cluster, subnets, name):
    """A second CreateCluster with the same name fails with ResourceInUseException (HTTP 409)."""
    with pytest.raises(ClientError) as excinfo:
        eks.create_cluster(name=name, roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnets})
    assert error_of(excinfo) == ("ResourceInUseException", 409)


def test_cluster_needs_subnets_in_two_availability_zones(eks, subnets, name):
    """EKS refuses a cluster whose subnets are all in one AZ, and an unknown subnet, with
    InvalidParameterException."""
    for subnet_ids in ([subnets[0]], [subnets[0], "subnet-0000000000000000f"]):
        with pytest.raises(ClientError) as excinfo:
            eks.create_cluster(name=name, roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnet_ids})
        assert error_of(excinfo) == ("InvalidParameterException", 400)


def test_cluster_and_node_roles_must_exist(eks, subnets, name):
    """CreateCluster with a role that does not exist fails with InvalidParameterException ("Role with arn: ...
    could not be assumed ..."); so does CreateNodegroup with a missing node role."""
    missing = f"arn:aws:iam::{ACCOUNT}:role/does-not-exist"
    with pytest.raises(ClientError) as excinfo:
        eks.create_cluster(name=name, roleArn=missing, resourcesVpcConfig={"subnetIds": subnets})
    assert error_of(excinfo) == ("InvalidParameterException", 400)
    assert excinfo.value.response["Error"]["Message"].startswith(f"Role with arn: {missing}")
    create_cluster(eks, subnets, name)
    with pytest.raises(ClientError) as excinfo:
        eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets, nodeRole=missing)
    assert error_of(excinfo) == ("InvalidParameterException", 400)


def test_describe_unknown_cluster_is_resource_not_found(eks):
    """DescribeCluster of a missing cluster raises ResourceNotFoundException (HTTP 404) with a message."""
    with pytest.raises(ClientError) as excinfo:
        eks.describe_cluster(name="missing")
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)
    assert "missing" in excinfo.value.response["Error"]["Message"]


def test_update_cluster_config_endpoint_access_is_an_update_that_completes(eks, cluster, name):
    """UpdateClusterConfig returns an EndpointAccessUpdate InProgress, the cluster is UPDATING, and once
    DescribeUpdate says Successful the new endpoint settings are described; subnets are kept."""
    update = eks.update_cluster_config(name=name, resourcesVpcConfig={
        "endpointPrivateAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]})["update"]
    assert (update["type"], update["status"]) == ("EndpointAccessUpdate", "InProgress")
    assert {"type": "EndpointPrivateAccess", "value": "true"} in update["params"]
    assert eks.describe_cluster(name=name)["cluster"]["status"] in ("UPDATING", "ACTIVE")
    assert wait_update(eks, update, name=name)["status"] == "Successful"
    vpc = eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    assert (vpc["endpointPrivateAccess"], vpc["publicAccessCidrs"]) == (True, ["203.0.113.0/24"])
    assert vpc["subnetIds"] == cluster["resourcesVpcConfig"]["subnetIds"]
    assert eks.list_updates(name=name)["updateIds"] == [update["id"]]


def test_update_cluster_config_takes_one_kind_of_change_and_refuses_no_op(eks, cluster, name):
    """EKS accepts one type of update per UpdateClusterConfig ("Only one type of update can be allowed.")
    and refuses a logging config that changes nothing ("No changes needed ...")."""
    with pytest.raises(ClientError) as excinfo:
        eks.update_cluster_config(name=name, resourcesVpcConfig={"endpointPrivateAccess": True},
                                  logging={"clusterLogging": [{"types": ["api"], "enabled": True}]})
    assert error_of(excinfo) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as excinfo:
        eks.update_cluster_config(name=name, logging={"clusterLogging": [{"types": ["api"], "enabled": False}]})
    assert "No changes needed" in excinfo.value.response["Error"]["Message"]


def test_logging_update_splits_enabled_and_disabled_types(eks, cluster, name):
    """After a LoggingUpdate, DescribeCluster lists enabled log types in one entry and disabled in another."""
    update = eks.update_cluster_config(name=name, logging={"clusterLogging": [
        {"types": ["api", "audit"], "enabled": True}]})["update"]
    assert update["type"] == "LoggingUpdate"
    wait_update(eks, update, name=name)
    logging = eks.describe_cluster(name=name)["cluster"]["logging"]["clusterLogging"]
    assert logging == [{"types": ["api", "audit"], "enabled": True},
                       {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False}]


def test_cluster_takes_no_second_update_while_one_is_in_progress(eks, cluster, name):
    """While the cluster is UPDATING, another update fails with ResourceInUseException."""
    eks.update_cluster_config(name=name, upgradePolicy={"supportType": "STANDARD"})
    with pytest.raises(ClientError) as excinfo:
        eks.update_cluster_version(name=name, version="1.32")
    assert error_of(excinfo) == ("ResourceInUseException", 409)


def test_update_cluster_version_one_minor_at_a_time(eks, cluster, name):
    """UpdateClusterVersion to the next minor is a VersionUpdate; the version changes when it completes.
    Skipping a minor version (1.32 -> 1.34) or going back fails with InvalidParameterException."""
    update = eks.update_cluster_version(name=name, version="1.32")["update"]
    assert (update["type"], update["status"]) == ("VersionUpdate", "InProgress")
    assert {"type": "Version", "value": "1.32"} in update["params"]
    wait_update(eks, update, name=name)
    eks.get_waiter("cluster_active").wait(name=name, WaiterConfig=FAST)
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.32"
    for target in ("1.34", "1.31"):
        with pytest.raises(ClientError) as excinfo:
            eks.update_cluster_version(name=name, version=target)
        assert error_of(excinfo) == ("InvalidParameterException", 400)


def test_authentication_mode_only_moves_towards_api(eks, subnets, name):
    """AccessConfigUpdate goes CONFIG_MAP -> API_AND_CONFIG_MAP -> API; going back is refused. Access
    entries need an API mode: on a CONFIG_MAP cluster they fail with InvalidRequestException."""
    create_cluster(eks, subnets, name, mode="CONFIG_MAP")
    with pytest.raises(ClientError) as excinfo:
        eks.list_access_entries(clusterName=name)
    assert error_of(excinfo) == ("InvalidRequestException", 400)
    update = eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    assert update["update"]["type"] == "AccessConfigUpdate"
    wait_update(eks, update["update"], name=name)
    assert eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    with pytest.raises(ClientError) as excinfo:
        eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "CONFIG_MAP"})
    assert error_of(excinfo) == ("InvalidParameterException", 400)


def test_associate_encryption_config_is_an_update_and_only_once(eks, cluster, name):
    """AssociateEncryptionConfig adds secrets encryption through an AssociateEncryptionConfig update;
    a cluster that already has it refuses another with InvalidRequestException."""
    encryption = [{"resources": ["secrets"], "provider": {"keyArn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1"}}]
    update = eks.associate_encryption_config(clusterName=name, encryptionConfig=encryption)["update"]
    assert update["type"] == "AssociateEncryptionConfig"
    wait_update(eks, update, name=name)
    eks.get_waiter("cluster_active").wait(name=name, WaiterConfig=FAST)
    assert eks.describe_cluster(name=name)["cluster"]["encryptionConfig"] == encryption
    with pytest.raises(ClientError) as excinfo:
        eks.associate_encryption_config(clusterName=name, encryptionConfig=encryption)
    assert error_of(excinfo) == ("InvalidRequestException", 400)


def test_delete_cluster_goes_deleting_then_not_found(eks, cluster, name):
    """DeleteCluster answers status DELETING; the cluster_deleted waiter then gets ResourceNotFoundException."""
    assert eks.delete_cluster(name=name)["cluster"]["status"] == "DELETING"
    eks.get_waiter("cluster_deleted").wait(name=name, WaiterConfig=FAST)
    assert name not in eks.list_clusters()["clusters"]


def test_delete_cluster_with_nodegroups_is_resource_in_use(eks, cluster, subnets, name):
    """A cluster with nodegroups cannot be deleted: ResourceInUseException (HTTP 409)."""
    eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets, nodeRole=NODE_ROLE)
    with pytest.raises(ClientError) as excinfo:
        eks.delete_cluster(name=name)
    assert error_of(excinfo) == ("ResourceInUseException", 409)


# --- tags -----------------------------------------------------------------------------------------------


def test_tags_by_arn_for_every_eks_resource(eks, cluster, subnets, name):
    """TagResource/UntagResource/ListTagsForResource work by ARN on clusters, nodegroups, add-ons, access
    entries and pod identity associations, and Describe* shows the same tags; an unknown ARN is
    NotFoundException."""
    nodegroup = eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets,
                                     nodeRole=NODE_ROLE)["nodegroup"]
    addon = eks.create_addon(clusterName=name, addonName="coredns")["addon"]
    entry = eks.create_access_entry(clusterName=name, principalArn=ADMIN_ROLE)["accessEntry"]
    association = eks.create_pod_identity_association(clusterName=name, namespace="apps", serviceAccount="api",
                                                      roleArn=NODE_ROLE)["association"]
    arns = [cluster["arn"], nodegroup["nodegroupArn"], addon["addonArn"], entry["accessEntryArn"],
            association["associationArn"]]
    for arn in arns:
        eks.tag_resource(resourceArn=arn, tags={"env": "dev", "owner": "platform"})
        eks.untag_resource(resourceArn=arn, tagKeys=["owner"])
        assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}
    assert eks.describe_cluster(name=name)["cluster"]["tags"] == {"env": "dev"}
    assert eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]["tags"] == {"env": "dev"}
    with pytest.raises(ClientError) as excinfo:
        eks.list_tags_for_resource(resourceArn=f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/nope")
    assert error_of(excinfo) == ("NotFoundException", 404)


# --- nodegroups -----------------------------------------------------------------------------------------


def test_nodegroup_defaults_follow_the_cluster(eks, cluster, subnets, name):
    """CreateNodegroup without version uses the cluster's version, AL2023 AMIs, a releaseVersion of that
    version, an updateConfig of maxUnavailable 1 and scaling 1/2/2; it goes CREATING -> ACTIVE."""
    nodegroup = eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets,
                                     nodeRole=NODE_ROLE)["nodegroup"]
    assert nodegroup["status"] == "CREATING"
    eks.get_waiter("nodegroup_active").wait(clusterName=name, nodegroupName="workers", WaiterConfig=FAST)
    nodegroup = eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]
    assert nodegroup["status"] == "ACTIVE"
    assert nodegroup["version"] == "1.31" and nodegroup["releaseVersion"].startswith("1.31.")
    assert nodegroup["amiType"] == "AL2023_x86_64_STANDARD"
    assert nodegroup["updateConfig"] == {"maxUnavailable": 1}
    assert nodegroup["scalingConfig"] == {"minSize": 1, "maxSize": 2, "desiredSize": 2}
    assert nodegroup["nodegroupArn"].startswith(f"arn:aws:eks:us-east-1:{ACCOUNT}:nodegroup/{name}/workers/")
    assert eks.list_nodegroups(clusterName=name)["nodegroups"] == ["workers"]


def test_nodegroup_gets_an_ec2_linux_access_entry_for_its_role(eks, cluster, subnets, name):
    """With access entries in use, EKS adds an EC2_LINUX access entry for a managed nodegroup's node role."""
    eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets, nodeRole=NODE_ROLE)
    entry = eks.describe_access_entry(clusterName=name, principalArn=NODE_ROLE)["accessEntry"]
    assert entry["type"] == "EC2_LINUX" and entry["username"] == "system:node:{{EC2PrivateDNSName}}"


def test_al2_amis_end_with_kubernetes_1_32(eks, subnets, name):
    """Amazon Linux 2 node AMIs are not offered for Kubernetes 1.33+: InvalidParameterException."""
    create_cluster(eks, subnets, name, version="1.33")
    with pytest.raises(ClientError) as excinfo:
        eks.create_nodegroup(clusterName=name, nodegroupName="old", subnets=subnets, nodeRole=NODE_ROLE,
                             amiType="AL2_x86_64")
    assert error_of(excinfo) == ("InvalidParameterException", 400)


def test_nodegroup_cannot_run_ahead_of_the_control_plane(eks, cluster, subnets, name):
    """A nodegroup version newer than the cluster's is refused with InvalidParameterException."""
    with pytest.raises(ClientError) as excinfo:
        eks.create_nodegroup(clusterName=name, nodegroupName="new", subnets=subnets, nodeRole=NODE_ROLE,
                             version="1.32")
    assert error_of(excinfo) == ("InvalidParameterException", 400)


def test_update_nodegroup_config_scaling_labels_taints_update_config(eks, cluster, subnets, name):
    """UpdateNodegroupConfig is a ConfigUpdate (listed by ListUpdates with nodegroupName); when it completes
    the nodegroup shows the new scaling, labels, taints and updateConfig."""
    eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets, nodeRole=NODE_ROLE,
                         labels={"role": "general", "old": "x"})
    eks.get_waiter("nodegroup_active").wait(clusterName=name, nodegroupName="workers", WaiterConfig=FAST)
    update = eks.update_nodegroup_config(
        clusterName=name, nodegroupName="workers",
        scalingConfig={"minSize": 2, "maxSize": 5, "desiredSize": 3},
        labels={"addOrUpdateLabels": {"tier": "web"}, "removeLabels": ["old"]},
        taints={"addOrUpdateTaints": [{"key": "dedicated", "value": "web", "effect": "NO_SCHEDULE"}]},
        updateConfig={"maxUnavailablePercentage": 25})["update"]
    assert (update["type"], update["status"]) == ("ConfigUpdate", "InProgress")
    assert {"type": "DesiredSize", "value": "3"} in update["params"]
    assert eks.list_updates(name=name, nodegroupName="workers")["updateIds"] == [update["id"]]
    wait_update(eks, update, name=name, nodegroupName="workers")
    nodegroup = eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]
    assert nodegroup["scalingConfig"] == {"minSize": 2, "maxSize": 5, "desiredSize": 3}
    assert nodegroup["labels"] == {"role": "general", "tier": "web"}
    assert nodegroup["taints"] == [{"key": "dedicated", "value": "web", "effect": "NO_SCHEDULE"}]
    assert nodegroup["updateConfig"] == {"maxUnavailablePercentage": 25}


def test_update_nodegroup_version_follows_the_upgraded_cluster(eks, cluster, subnets, name):
    """After the control plane moves to 1.32, UpdateNodegroupVersion without a version brings the nodegroup to
    the cluster's version with a matching releaseVersion (a VersionUpdate)."""
    eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets, nodeRole=NODE_ROLE)
    eks.get_waiter("nodegroup_active").wait(clusterName=name, nodegroupName="workers", WaiterConfig=FAST)
    wait_update(eks, eks.update_cluster_version(name=name, version="1.32")["update"], name=name)
    update = eks.update_nodegroup_version(clusterName=name, nodegroupName="workers")["update"]
    assert update["type"] == "VersionUpdate"
    wait_update(eks, update, name=name, nodegroupName="workers")
    nodegroup = eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]
    assert nodegroup["version"] == "1.32" and nodegroup["releaseVersion"].startswith("1.32.")


def test_delete_nodegroup_then_cluster(eks, cluster, subnets, name):
    """DeleteNodegroup answers DELETING and nodegroup_deleted sees it gone; then the cluster can be deleted."""
    eks.create_nodegroup(clusterName=name, nodegroupName="workers", subnets=subnets, nodeRole=NODE_ROLE)
    eks.get_waiter("nodegroup_active").wait(clusterName=name, nodegroupName="workers", WaiterConfig=FAST)
    deleting = eks.delete_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]
    assert deleting["status"] == "DELETING"
    eks.get_waiter("nodegroup_deleted").wait(clusterName=name, nodegroupName="workers", WaiterConfig=FAST)
    eks.delete_cluster(name=name)
    eks.get_waiter("cluster_deleted").wait(name=name, WaiterConfig=FAST)


# --- add-ons --------------------------------------------------------------------------------------------


def test_describe_addon_versions_filters_by_kubernetes_version_and_name(eks):
    """DescribeAddonVersions with kubernetesVersion lists only versions compatible with it, exactly one marked
    defaultVersion; addonName narrows to that add-on; the catalogue has the five AWS add-ons of the eks role and
    Container Insights (amazon-cloudwatch-observability)."""
    names = {addon["addonName"] for addon in eks.describe_addon_versions(kubernetesVersion="1.34")["addons"]}
    assert names == {"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver",
                     "amazon-cloudwatch-observability"}
    for version in ("1.30", "1.34"):
        addons = eks.describe_addon_versions(kubernetesVersion=version, addonName="kube-proxy")["addons"]
        assert [addon["addonName"] for addon in addons] == ["kube-proxy"]
        compatibilities = [c for v in addons[0]["addonVersions"] for c in v["compatibilities"]]
        assert {c["clusterVersion"] for c in compatibilities} == {version}
        assert sum(c["defaultVersion"] for c in compatibilities) == 1
        assert all(v["addonVersion"].startswith(f"v{version}.") for v in addons[0]["addonVersions"])


def test_describe_addon_configuration_returns_a_json_schema(eks):
    """DescribeAddonConfiguration returns configurationSchema as a JSON schema string, and the pod identity
    service account and policy AWS recommends for add-ons that need IAM."""
    version = eks.describe_addon_versions(kubernetesVersion="1.31", addonName="aws-ebs-csi-driver")[
        "addons"][0]["addonVersions"][0]["addonVersion"]
    answer = eks.describe_addon_configuration(addonName="aws-ebs-csi-driver", addonVersion=version)
    schema = json.loads(answer["configurationSchema"])
    assert schema["type"] == "object" and "controller" in schema["properties"]
    assert answer["podIdentityConfiguration"][0]["serviceAccount"] == "ebs-csi-controller-sa"


def test_addon_lifecycle_create_update_delete(eks, cluster, name):
    """CreateAddon without addonVersion installs the default for the cluster version (CREATING -> ACTIVE);
    UpdateAddon is an AddonUpdate carrying configurationValues; DeleteAddon goes DELETING -> not found."""
    default = next(v["addonVersion"] for v in eks.describe_addon_versions(
        kubernetesVersion="1.31", addonName="coredns")["addons"][0]["addonVersions"]
        if v["compatibilities"][0]["defaultVersion"])
    addon = eks.create_addon(clusterName=name, addonName="coredns", resolveConflicts="OVERWRITE")["addon"]
    assert (addon["status"], addon["addonVersion"]) == ("CREATING", default)
    eks.get_waiter("addon_active").wait(clusterName=name, addonName="coredns", WaiterConfig=FAST)
    assert eks.list_addons(clusterName=name)["addons"] == ["coredns"]
    update = eks.update_addon(clusterName=name, addonName="coredns", addonVersion="v1.11.4-eksbuild.22",
                              configurationValues='{"replicaCount": 3}')["update"]
    assert update["type"] == "AddonUpdate"
    assert {"type": "AddonVersion", "value": "v1.11.4-eksbuild.22"} in update["params"]
    assert eks.list_updates(name=name, addonName="coredns")["updateIds"] == [update["id"]]
    wait_update(eks, update, name=name, addonName="coredns")
    addon = eks.describe_addon(clusterName=name, addonName="coredns")["addon"]
    assert (addon["addonVersion"], addon["configurationValues"]) == ("v1.11.4-eksbuild.22", '{"replicaCount": 3}')
    assert eks.delete_addon(clusterName=name, addonName="coredns", preserve=True)["addon"]["status"] == "DELETING"
    eks.get_waiter("addon_deleted").wait(clusterName=name, addonName="coredns", WaiterConfig=FAST)


def test_addon_refuses_incompatible_version_unknown_config_and_duplicates(eks, cluster, name):
    """An add-on version built for another Kubernetes version, or configurationValues outside the schema, are
    InvalidParameterException; creating an existing add-on is ResourceInUseException."""
    with pytest.raises(ClientError) as excinfo:
        eks.create_addon(clusterName=name, addonName="kube-proxy", addonVersion="v1.34.1-eksbuild.2")
    assert error_of(excinfo) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as excinfo:
        eks.create_addon(clusterName=name, addonName="coredns", configurationValues='{"bogus": 1}')
    assert error_of(excinfo) == ("InvalidParameterException", 400)
    eks.create_addon(clusterName=name, addonName="coredns")
    with pytest.raises(ClientError) as excinfo:
        eks.create_addon(clusterName=name, addonName="coredns")
    assert error_of(excinfo) == ("ResourceInUseException", 409)


def test_addon_pod_identity_associations_belong_to_the_addon(eks, cluster, name):
    """CreateAddon with podIdentityAssociations creates associations in kube-system owned by the add-on (ownerArn);
    they cannot be deleted directly (InvalidRequestException) and go away with the add-on."""
    role = f"arn:aws:iam::{ACCOUNT}:role/ebs-csi"
    addon = eks.create_addon(clusterName=name, addonName="aws-ebs-csi-driver", podIdentityAssociations=[
        {"serviceAccount": "ebs-csi-controller-sa", "roleArn": role}])["addon"]
    [summary] = eks.list_pod_identity_associations(clusterName=name)["associations"]
    assert addon["podIdentityAssociations"] == [summary["associationArn"]]
    assert (summary["namespace"], summary["ownerArn"]) == ("kube-system", addon["addonArn"])
    with pytest.raises(ClientError) as excinfo:
        eks.delete_pod_identity_association(clusterName=name, associationId=summary["associationId"])
    assert error_of(excinfo) == ("InvalidRequestException", 400)
    eks.delete_addon(clusterName=name, addonName="aws-ebs-csi-driver")
    assert eks.list_pod_identity_associations(clusterName=name)["associations"] == []


def test_addon_pod_identity_association_goes_to_the_addons_own_namespace(eks, cluster, name):
    """amazon-cloudwatch-observability runs in the namespace amazon-cloudwatch (EKS user guide, "Install the CloudWatch
    agent with the Amazon CloudWatch Observability EKS add-on"), so EKS makes its cloudwatch-agent association there."""
    role = f"arn:aws:iam::{ACCOUNT}:role/cloudwatch-agent"
    eks.create_addon(clusterName=name, addonName="amazon-cloudwatch-observability", podIdentityAssociations=[
        {"serviceAccount": "cloudwatch-agent", "roleArn": role}])
    [summary] = eks.list_pod_identity_associations(clusterName=name)["associations"]
    assert (summary["namespace"], summary["serviceAccount"]) == ("amazon-cloudwatch", "cloudwatch-agent")
    eks.delete_addon(clusterName=name, addonName="amazon-cloudwatch-observability")


# --- access entries -------------------------------------------------------------------------------------


def test_cluster_creator_gets_an_admin_access_entry(eks, session, endpoint, cluster, name):
    """With bootstrapClusterCreatorAdminPermissions (default true) and an API authentication mode, EKS makes an
    access entry for the creating principal (the ARN GetCallerIdentity reports) with
    AmazonEKSClusterAdminPolicy on cluster scope."""
    creator = session.client("sts", endpoint_url=endpoint).get_caller_identity()["Arn"]
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == [creator]
    policies = eks.list_associated_access_policies(clusterName=name, principalArn=creator)
    assert [(p["policyArn"], p["accessScope"]["type"]) for p in policies["associatedAccessPolicies"]] == \
        [(POLICY + "AmazonEKSClusterAdminPolicy", "cluster")]


def test_creator_entry_for_an_assumed_role_names_the_role(session, endpoint, subnets, name):
    """When the creator is an assumed-role session, EKS records the IAM role's ARN (with its path, not the
    session ARN) as the principal of the creator's admin access entry."""
    credentials = session.client("sts", endpoint_url=endpoint).assume_role(
        RoleArn=ADMIN_ROLE, RoleSessionName="ci")["Credentials"]
    role_eks = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                             aws_secret_access_key=credentials["SecretAccessKey"],
                             aws_session_token=credentials["SessionToken"],
                             region_name="us-east-1").client("eks", endpoint_url=endpoint)
    create_cluster(role_eks, subnets, name)
    assert role_eks.list_access_entries(clusterName=name)["accessEntries"] == [ADMIN_ROLE]


def test_no_creator_entry_without_bootstrap(eks, subnets, name):
    """bootstrapClusterCreatorAdminPermissions false: EKS creates no access entry for the creator."""
    eks.create_cluster(name=name, roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnets},
                       accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False})
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == []


def test_access_entry_lifecycle_with_policy_associations(eks, cluster, name):
    """Create/Describe/Update/Delete an access entry: a role's default username is its assumed-role session
    ARN; policies associate with cluster or namespace scope, show in ListAssociatedAccessPolicies and
    ListAccessEntries(associatedPolicyArn), and disassociate; a missing entry is ResourceNotFoundException."""
    entry = eks.create_access_entry(clusterName=name, principalArn=ADMIN_ROLE, kubernetesGroups=["platform"],
                                    tags={"team": "a"})["accessEntry"]
    assert entry["type"] == "STANDARD"
    assert entry["username"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/admins/{{{{SessionName}}}}"
    assert entry["accessEntryArn"].startswith(f"arn:aws:eks:us-east-1:{ACCOUNT}:access-entry/{name}/role/")
    updated = eks.update_access_entry(clusterName=name, principalArn=ADMIN_ROLE, kubernetesGroups=["ops"],
                                      username="admin")["accessEntry"]
    assert (updated["kubernetesGroups"], updated["username"]) == (["ops"], "admin")
    associated = eks.associate_access_policy(clusterName=name, principalArn=ADMIN_ROLE,
                                             policyArn=POLICY + "AmazonEKSEditPolicy",
                                             accessScope={"type": "namespace", "namespaces": ["apps"]})
    assert associated["associatedAccessPolicy"]["accessScope"] == {"type": "namespace", "namespaces": ["apps"]}
    assert eks.list_access_entries(clusterName=name, associatedPolicyArn=POLICY + "AmazonEKSEditPolicy")[
        "accessEntries"] == [ADMIN_ROLE]
    eks.disassociate_access_policy(clusterName=name, principalArn=ADMIN_ROLE,
                                   policyArn=POLICY + "AmazonEKSEditPolicy")
    assert eks.list_associated_access_policies(clusterName=name, principalArn=ADMIN_ROLE)[
        "associatedAccessPolicies"] == []
    eks.delete_access_entry(clusterName=name, principalArn=ADMIN_ROLE)
    with pytest.raises(ClientError) as excinfo:
        eks.describe_access_entry(clusterName=name, principalArn=ADMIN_ROLE)
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)


def test_access_entry_refuses_duplicates_and_reserved_groups(eks, cluster, name):
    """A second entry for the same principal is ResourceInUseException; a system: group is
    InvalidParameterException; an unknown policy ARN is InvalidParameterException."""
    eks.create_access_entry(clusterName=name, principalArn=ADMIN_ROLE)
    with pytest.raises(ClientError) as excinfo:
        eks.create_access_entry(clusterName=name, principalArn=ADMIN_ROLE)
    assert error_of(excinfo) == ("ResourceInUseException", 409)
    with pytest.raises(ClientError) as excinfo:
        eks.create_access_entry(clusterName=name, principalArn=NODE_ROLE, kubernetesGroups=["system:masters"])
    assert error_of(excinfo) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as excinfo:
        eks.associate_access_policy(clusterName=name, principalArn=ADMIN_ROLE, policyArn=POLICY + "Nope",
                                    accessScope={"type": "cluster"})
    assert error_of(excinfo) == ("InvalidParameterException", 400)


def test_list_access_policies_has_the_aws_managed_policies(eks):
    """ListAccessPolicies lists the AWS-managed policies under arn:aws:eks::aws:cluster-access-policy/."""
    policies = {p["name"]: p["arn"] for p in eks.list_access_policies()["accessPolicies"]}
    for name in ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy",
                 "AmazonEKSViewPolicy"):
        assert policies[name] == POLICY + name


# --- identity provider configs -------------------------------------------------------------------------


def test_oidc_identity_provider_config_lifecycle(eks, cluster, name):
    """AssociateIdentityProviderConfig is a cluster update of that type; the config goes CREATING -> ACTIVE, is
    listed and described with its ARN and tags; DisassociateIdentityProviderConfig makes it DELETING, then it is
    gone (ResourceNotFoundException)."""
    answer = eks.associate_identity_provider_config(clusterName=name, tags={"a": "b"}, oidc={
        "identityProviderConfigName": "corp", "issuerUrl": "https://login.example.com", "clientId": "eks",
        "usernameClaim": "email", "groupsClaim": "groups"})
    assert answer["update"]["type"] == "AssociateIdentityProviderConfig" and answer["tags"] == {"a": "b"}
    wait_update(eks, answer["update"], name=name)
    ref = {"type": "oidc", "name": "corp"}
    oidc = eks.describe_identity_provider_config(clusterName=name, identityProviderConfig=ref)[
        "identityProviderConfig"]["oidc"]
    assert (oidc["status"], oidc["issuerUrl"], oidc["usernameClaim"]) == ("ACTIVE", "https://login.example.com",
                                                                          "email")
    assert oidc["identityProviderConfigArn"].startswith(
        f"arn:aws:eks:us-east-1:{ACCOUNT}:identityproviderconfig/{name}/oidc/corp/")
    assert eks.list_identity_provider_configs(clusterName=name)["identityProviderConfigs"] == [ref]
    update = eks.disassociate_identity_provider_config(clusterName=name, identityProviderConfig=ref)["update"]
    assert update["type"] == "DisassociateIdentityProviderConfig"
    wait_update(eks, update, name=name)
    with pytest.raises(ClientError) as excinfo:
        eks.describe_identity_provider_config(clusterName=name, identityProviderConfig=ref)
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)


# --- pod identity associations --------------------------------------------------------------------------


def test_pod_identity_association_lifecycle(eks, cluster, name):
    """Create/Describe/List(filtered by namespace)/Update/Delete a pod identity association; the same service
    account twice is ResourceInUseException; a deleted one is ResourceNotFoundException."""
    created = eks.create_pod_identity_association(clusterName=name, namespace="apps", serviceAccount="api",
                                                  roleArn=NODE_ROLE, tags={"a": "b"})["association"]
    assert re.fullmatch(r"a-[a-z0-9]{17}", created["associationId"])
    with pytest.raises(ClientError) as excinfo:
        eks.create_pod_identity_association(clusterName=name, namespace="apps", serviceAccount="api",
                                            roleArn=NODE_ROLE)
    assert error_of(excinfo) == ("ResourceInUseException", 409)
    assert [a["serviceAccount"] for a in eks.list_pod_identity_associations(
        clusterName=name, namespace="apps")["associations"]] == ["api"]
    assert eks.list_pod_identity_associations(clusterName=name, namespace="other")["associations"] == []
    updated = eks.update_pod_identity_association(clusterName=name, associationId=created["associationId"],
                                                  roleArn=ADMIN_ROLE)["association"]
    assert updated["roleArn"] == ADMIN_ROLE
    assert eks.describe_pod_identity_association(clusterName=name, associationId=created["associationId"])[
        "association"]["tags"] == {"a": "b"}
    eks.delete_pod_identity_association(clusterName=name, associationId=created["associationId"])
    with pytest.raises(ClientError) as excinfo:
        eks.describe_pod_identity_association(clusterName=name, associationId=created["associationId"])
    assert error_of(excinfo) == ("ResourceNotFoundException", 404)


def test_list_operations_paginate(eks, subnets, name):
    """List operations page with maxResults/nextToken; botocore's paginator walks all pages."""
    create_cluster(eks, subnets, name)
    for index in range(3):
        eks.create_pod_identity_association(clusterName=name, namespace="apps", serviceAccount=f"sa{index}",
                                            roleArn=NODE_ROLE)
    first = eks.list_pod_identity_associations(clusterName=name, maxResults=2)
    assert len(first["associations"]) == 2 and "nextToken" in first
    pages = eks.get_paginator("list_pod_identity_associations").paginate(
        clusterName=name, PaginationConfig={"PageSize": 1})
    assert sum(len(page["associations"]) for page in pages) == 3


# --- Kubernetes versions --------------------------------------------------------------------------------


def test_describe_cluster_versions_lists_the_offered_versions_newest_first(eks):
    """DescribeClusterVersions lists the Kubernetes versions EKS offers (newest first), each with its default
    platform version and support phase, exactly one marked defaultVersion; clusterVersions narrows the list and
    a version EKS does not offer (such as 1.10) is simply absent, not an error."""
    versions = eks.describe_cluster_versions()["clusterVersions"]
    names = [v["clusterVersion"] for v in versions]
    assert names == sorted(names, key=lambda v: tuple(map(int, v.split("."))), reverse=True) and "1.33" in names
    assert [v["clusterVersion"] for v in versions if v["defaultVersion"]] == ["1.33"]
    assert {v["versionStatus"] for v in versions} <= {"STANDARD_SUPPORT", "EXTENDED_SUPPORT"}
    assert eks.describe_cluster_versions(clusterVersions=["1.10", "1.32"])["clusterVersions"][0]["clusterVersion"] == "1.32"
    assert eks.describe_cluster_versions(clusterVersions=["1.10"])["clusterVersions"] == []
