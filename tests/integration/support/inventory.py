"""What exists in a sandbox, listed with boto3 (the resources a platform owns, tags, EKS add-on defaults), and
prerequisites tests make directly with boto3."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from sandbox.harness import REPO_ROOT
from tests.integration.support.constants import EKS_TRUST, LOCAL_PLATFORM, OWNER_TAG, REGION


def _tag_filter(platform: str) -> list[dict]:
    return [{"Name": f"tag:{OWNER_TAG}", "Values": [platform]}]


def tags_of(resource: dict) -> dict:
    """A boto3 resource's Tags list as a dict."""
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", []) or []}


def owned_resources(sandbox, platform: str = LOCAL_PLATFORM) -> dict[str, list]:
    """Every resource of the infra layer that carries eksforge:platform=<platform>, listed per API (the
    tagging API of moto may miss some types), plus NAT gateways and EIPs inside/for the platform VPC."""
    ec2 = sandbox.boto3_client("ec2")
    tags = _tag_filter(platform)
    vpcs = ec2.describe_vpcs(Filters=tags)["Vpcs"]
    vpc_ids = [vpc["VpcId"] for vpc in vpcs]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["pending", "available", "deleting", "failed"]}])
    nats = [nat for nat in nats["NatGateways"] if nat["VpcId"] in vpc_ids or tags_of(nat).get(OWNER_TAG) == platform]
    endpoints = [
        endpoint for endpoint in ec2.describe_vpc_endpoints()["VpcEndpoints"]
        if endpoint["State"].lower() not in ("deleted", "deleting")
        and (endpoint["VpcId"] in vpc_ids or tags_of(endpoint).get(OWNER_TAG) == platform)
    ]
    iam = sandbox.boto3_client("iam")
    roles = []
    for role in iam.list_roles()["Roles"]:
        role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role["RoleName"])["Tags"]}
        if role_tags.get(OWNER_TAG) == platform:
            roles.append(role["RoleName"])
    ecr = sandbox.boto3_client("ecr")
    repos = []
    for repo in ecr.describe_repositories()["repositories"]:
        repo_tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]}
        if repo_tags.get(OWNER_TAG) == platform:
            repos.append(repo["repositoryName"])
    eks = sandbox.boto3_client("eks")
    clusters = [name for name in eks.list_clusters()["clusters"]
                if eks.describe_cluster(name=name)["cluster"].get("tags", {}).get(OWNER_TAG) == platform]
    oidc_providers = [
        provider["Arn"] for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        if tags_of(iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])).get(OWNER_TAG) == platform
    ]
    tagging = sandbox.boto3_client("resourcegroupstaggingapi")
    tagged = tagging.get_resources(TagFilters=[{"Key": OWNER_TAG, "Values": [platform]}])["ResourceTagMappingList"]
    # A deleted NAT gateway stays visible (state "deleted") for a while, on AWS as in the sandbox: not a leftover.
    deleted_nats = {nat["NatGatewayId"] for nat in ec2.describe_nat_gateways(
        Filters=[{"Name": "state", "Values": ["deleted"]}])["NatGateways"]}
    tagged = [item for item in tagged if item["ResourceARN"].rsplit("/", 1)[-1] not in deleted_nats]
    return {
        "vpcs": vpc_ids,
        "subnets": ec2.describe_subnets(Filters=tags)["Subnets"],
        "igws": ec2.describe_internet_gateways(Filters=tags)["InternetGateways"],
        "nat_gateways": nats,
        "eips": ec2.describe_addresses(Filters=tags)["Addresses"],
        "route_tables": ec2.describe_route_tables(Filters=tags)["RouteTables"],
        "endpoints": endpoints,
        "security_groups": ec2.describe_security_groups(Filters=tags)["SecurityGroups"],
        "iam_roles": roles,
        "ecr_repositories": repos,
        "eks_clusters": clusters,
        "oidc_providers": oidc_providers,
        "tagging_api": [item["ResourceARN"] for item in tagged],
    }


def leftovers(sandbox, platform: str = LOCAL_PLATFORM) -> dict[str, list]:
    """The kinds of owned_resources that are not empty (a destroy must leave {})."""
    return {kind: items for kind, items in owned_resources(sandbox, platform).items() if items}


def default_addon_version(eks, addon: str, kubernetes: str) -> str:
    """The add-on version EKS marks as default for a Kubernetes version (DescribeAddonVersions)."""
    info = eks.describe_addon_versions(addonName=addon, kubernetesVersion=kubernetes)["addons"][0]
    return next(v["addonVersion"] for v in info["addonVersions"]
                if any(c["clusterVersion"] == kubernetes and c["defaultVersion"] for c in v["compatibilities"]))


def cluster_prerequisites(sandbox, name: str, cidr_prefix: str, region: str = REGION) -> dict:
    """What an EKS cluster needs, made directly with boto3: a VPC `<cidr_prefix>.0.0/16` with two subnets in two
    AZs and an IAM role `<name>-cluster` EKS can assume (also usable as node role). Returns the eks role's
    variables for them (eks_subnet_ids, eks_cluster_role_arn, eks_node_role_arn)."""
    ec2 = sandbox.boto3_client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr_prefix}.{index}.0/24",
                                 AvailabilityZone=f"{region}{zone}")["Subnet"]["SubnetId"]
               for index, zone in enumerate("ab")]
    role = sandbox.boto3_client("iam").create_role(RoleName=f"{name}-cluster",
                                                   AssumeRolePolicyDocument=EKS_TRUST)["Role"]["Arn"]
    return {"eks_subnet_ids": subnets, "eks_cluster_role_arn": role, "eks_node_role_arn": role}


def host_per_case_inventory(directory: Path, hosts: dict[str, dict]) -> Path:
    """An inventory in `directory`: inventories/local's group_vars and the group `platform` with `hosts` (name ->
    host variables over those group_vars, each run locally), so one ansible-playbook run checks many cases."""
    shutil.copytree(REPO_ROOT / "inventories" / "local" / "group_vars", directory / "group_vars")
    connection = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    platform = {name: {**connection, **variables} for name, variables in hosts.items()}
    (directory / "hosts.yml").write_text(yaml.safe_dump({"platform": {"hosts": platform}}, width=10_000))
    return directory
