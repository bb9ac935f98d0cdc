"""Helpers for the VPC / infra-layer integration tests: what exists in the sandbox, listed with boto3.

(No tests in here; the module name starts with test_vpc so it lives in the VPC tests' room.)
"""

from __future__ import annotations

OWNER_TAG = "eksforge:platform"
LOCAL_PLATFORM = "eksforge-local"


def _tag_filter(platform: str) -> list[dict]:
    return [{"Name": f"tag:{OWNER_TAG}", "Values": [platform]}]


def _tags(resource: dict) -> dict:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", []) or []}


def owned_resources(sandbox, platform: str = LOCAL_PLATFORM) -> dict[str, list]:
    """Every resource of the infra layer that carries eksforge:platform=<platform>, listed per API (the
    tagging API of moto may miss some types), plus NAT gateways and EIPs inside/for the platform VPC."""
    ec2 = sandbox.boto3_client("ec2")
    tags = _tag_filter(platform)
    vpcs = ec2.describe_vpcs(Filters=tags)["Vpcs"]
    vpc_ids = [vpc["VpcId"] for vpc in vpcs]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["pending", "available", "deleting", "failed"]}])
    nats = [nat for nat in nats["NatGateways"] if nat["VpcId"] in vpc_ids or _tags(nat).get(OWNER_TAG) == platform]
    endpoints = [
        endpoint for endpoint in ec2.describe_vpc_endpoints()["VpcEndpoints"]
        if endpoint["State"].lower() not in ("deleted", "deleting")
        and (endpoint["VpcId"] in vpc_ids or _tags(endpoint).get(OWNER_TAG) == platform)
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
        if _tags(iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"])).get(OWNER_TAG) == platform
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


def tags_of(resource: dict) -> dict:
    """A boto3 resource's Tags list as a dict."""
    return _tags(resource)


def assert_ran(run, *, changed: int | None = None) -> None:
    """The run succeeded (and, if given, reported exactly `changed` changes); shows the output if not."""
    assert run.rc == 0 and run.failed == 0, f"playbook failed (rc={run.rc}):\n{run.output[-6000:]}"
    if changed is not None:
        assert run.changed == changed, (f"expected changed={changed}, got {run.recap}; changed tasks:\n"
                                        + "\n".join(changed_tasks(run.output)) + f"\n\n{run.output[-6000:]}")


def changed_tasks(output: str) -> list[str]:
    """The TASK headers of an ansible-playbook output whose result lines say `changed`."""
    found, task = [], ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line.rstrip("* ")
        elif line.startswith("changed:") and task not in found:
            found.append(task)
    return found
