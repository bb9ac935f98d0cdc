"""The EKS modules against the sandbox: create -> no-op -> check mode -> update -> delete, verified with boto3.

Each step is one run of one module: alone (`run(...)`, `ansible localhost -m`) or, for a lifecycle, as one task
of a playbook of steps (`run.steps(...)`, one Ansible start for them all; tests/integration/support/runs.py). Its
result carries the API calls the sandbox logged during exactly that step, so "no mutating call" assertions cover it.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.support.asserts import wait_for
from tests.integration.support.constants import ACCOUNT, EKS_TRUST as TRUST, REGION as DEFAULT_REGION
from tests.integration.support.runs import ModuleStep, run_module, run_module_steps

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def eks_sandbox(sandbox):
    """The session sandbox, emptied once for this module's shared network, roles and cluster."""
    sandbox.reset()
    return sandbox


class ModuleRuns:
    """`run("eks_cluster", args)`: one run of eksforge.platform.eks_cluster with --diff against the sandbox, its
    result with the API calls it made; `run.steps(step(...), ...)` for several in one playbook."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def __call__(self, module: str, args: dict, check: bool = False, expect_failure: bool = False) -> dict:
        return run_module(self.sandbox, f"eksforge.platform.{module}", args, check=check, diff=True,
                          expect_failure=expect_failure)

    def steps(self, *steps: ModuleStep) -> list[dict]:
        """The steps (`step(...)`) in order in one playbook with --diff: one Ansible start for them all."""
        return run_module_steps(self.sandbox, *steps, diff=True)

    def lifecycle(self, module: str, create: dict, update: dict, refused: tuple = ()) -> list[dict]:
        """In one playbook: `create` twice, `update` in check mode, `update` twice, then each of `refused` (which must
        fail); their results in that order."""
        return self.steps(step(module, create), step(module, create), step(module, update, check=True),
                          step(module, update), step(module, update),
                          *(step(module, args, fails=True) for args in refused))


def step(module: str, args: dict, check: bool = False, fails: bool = False) -> ModuleStep:
    """eksforge.platform.`module` with `args` as one step of `run.steps`."""
    return ModuleStep(f"eksforge.platform.{module}", args, check=check, fails=fails)


def removal(module: str, absent: dict) -> tuple[ModuleStep, ...]:
    """The steps of a removal: planned in check mode, made, then made again (nothing left to remove)."""
    return step(module, absent, check=True), step(module, absent), step(module, absent)


@pytest.fixture(scope="module")
def run(eks_sandbox):
    return ModuleRuns(eks_sandbox)


@pytest.fixture(scope="module")
def aws(eks_sandbox):
    return {service: eks_sandbox.boto3_client(service) for service in ("eks", "ec2", "iam")}


@pytest.fixture(scope="module")
def network(aws):
    ec2 = aws["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{DEFAULT_REGION}{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("abc")
    ]
    groups = [ec2.create_security_group(VpcId=vpc, GroupName=f"e2-eks-{n}", Description="eks test")["GroupId"] for n in range(2)]
    return {"vpc": vpc, "subnets": subnets, "security_groups": groups}


@pytest.fixture(scope="module")
def roles(aws):
    arns = {}
    for name in ("e2-cluster", "e2-nodes", "e2-admins", "e2-developers", "e2-orders", "e2-orders-v2", "e2-ebs-csi"):
        try:
            arns[name] = aws["iam"].create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        except aws["iam"].exceptions.EntityAlreadyExistsException:
            arns[name] = aws["iam"].get_role(RoleName=name)["Role"]["Arn"]
    return arns


@pytest.fixture(scope="module")
def shared_cluster(aws, network, roles):
    """A cluster on 1.31 for the nodegroup, add-on, access entry and pod identity tests, made with boto3."""
    eks = aws["eks"]
    name = "e2-shared"
    eks.create_cluster(
        name=name,
        version="1.31",
        roleArn=roles["e2-cluster"],
        resourcesVpcConfig={"subnetIds": network["subnets"][:2]},
        accessConfig={"authenticationMode": "API"},
    )
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda s: s == "ACTIVE")
    return name


def assert_mutations(result, expected):
    """The run made exactly the `expected` mutating calls (any order)."""
    assert sorted(result["mutating_calls"]) == sorted(expected), result["mutating_calls"]


def assert_ok(result, changed):
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is changed, result


def assert_failed_before_mutating(result, message):
    assert result.get("failed"), result
    assert message in result["msg"], result["msg"]
    assert result["mutating_calls"] == [], result["mutating_calls"]


# ---------------------------------------------------------------------------
# eks_cluster / eks_cluster_info
# ---------------------------------------------------------------------------


def test_eks_cluster_lifecycle(run, aws, network, roles):
    eks = aws["eks"]
    create = {
        "name": "e2-lifecycle",
        "version": "1.30",
        "role_arn": roles["e2-cluster"],
        "subnets": network["subnets"][:2],
        "security_groups": [network["security_groups"][0]],
        "endpoint_public_access": True,
        "endpoint_private_access": False,
        "enabled_log_types": ["api"],
        "authentication_mode": "API_AND_CONFIG_MAP",
        "support_type": "STANDARD",
        "tags": {"eksforge:platform": "e2", "team": "shop"},
    }
    update = dict(
        create,
        version="1.31",
        endpoint_private_access=True,
        public_access_cidrs=["203.0.113.0/24"],
        enabled_log_types=["api", "audit"],
        authentication_mode="API",
        support_type="EXTENDED",
        security_groups=network["security_groups"],
        tags={"eksforge:platform": "e2", "stage": "dev"},
    )
    key = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001"
    created, again, checked, updated, unchanged, by_name, *refused, encrypted, unencrypted = run.steps(
        step("eks_cluster", create),
        step("eks_cluster", create),
        step("eks_cluster", update, check=True),
        step("eks_cluster", update),
        step("eks_cluster", update),
        step("eks_cluster", dict(update, security_groups=["e2-eks-0", "e2-eks-1"])),
        step("eks_cluster", dict(update, version="1.33"), fails=True),
        step("eks_cluster", dict(update, version="1.30"), fails=True),
        step("eks_cluster", dict(update, subnets=network["subnets"][1:]), fails=True),
        step("eks_cluster", dict(update, authentication_mode="CONFIG_MAP"), fails=True),
        step("eks_cluster", dict(update, encryption_key_arn=key)),
        step("eks_cluster", dict(update, encryption_key_arn=""), fails=True))

    assert_ok(created, True)
    assert created["status"] == "ACTIVE"
    assert created["endpoint"].startswith("https://")
    assert created["certificate_authority"]["data"]
    assert created["identity"]["oidc"]["issuer"].startswith("https://")
    assert created["arn"].endswith(":cluster/e2-lifecycle")
    assert created["platform_version"]
    assert created["resources_vpc_config"]["cluster_security_group_id"]
    assert_mutations(created, ["eks:CreateCluster"])

    assert_ok(again, False)
    assert again["mutating_calls"] == []

    # check mode plans every update on the 1.30 cluster and changes nothing
    assert_ok(checked, True)
    assert checked["mutating_calls"] == []
    assert [u["kind"] for u in checked["updates"]] == ["endpoint_access", "security_groups", "logging", "access_config", "upgrade_policy", "version"]
    assert checked["diff"]["before"]["version"] == "1.30" and checked["diff"]["after"]["version"] == "1.31"

    assert_ok(updated, True)
    assert [u["kind"] for u in updated["updates"]] == ["endpoint_access", "security_groups", "logging", "access_config", "upgrade_policy", "version"]
    assert_mutations(updated, ["eks:UpdateClusterConfig"] * 5 + ["eks:UpdateClusterVersion", "eks:TagResource", "eks:UntagResource"])
    assert updated["diff"]["before"]["version"] == "1.30"
    assert_ok(unchanged, False)
    assert_ok(by_name, False)
    assert by_name["mutating_calls"] == []
    for result, message in zip(refused, ("one minor version at a time", "downgrade", "subnet_ids", "can't go back")):
        assert_failed_before_mutating(result, message)
    assert_ok(encrypted, True)
    assert_mutations(encrypted, ["eks:AssociateEncryptionConfig"])
    assert_failed_before_mutating(unencrypted, "can't be removed")

    cluster = eks.describe_cluster(name="e2-lifecycle")["cluster"]
    assert cluster["version"] == "1.31"
    assert cluster["status"] == "ACTIVE"
    assert cluster["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    assert cluster["resourcesVpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert sorted(cluster["resourcesVpcConfig"]["securityGroupIds"]) == sorted(network["security_groups"])
    enabled = {t for entry in cluster["logging"]["clusterLogging"] if entry["enabled"] for t in entry["types"]}
    assert enabled == {"api", "audit"}
    assert cluster["accessConfig"]["authenticationMode"] == "API"
    assert cluster["upgradePolicy"]["supportType"] == "EXTENDED"
    assert cluster["tags"] == {"eksforge:platform": "e2", "stage": "dev"}
    assert cluster["encryptionConfig"][0]["provider"]["keyArn"] == key
    for done in updated["updates"]:
        assert eks.describe_update(name="e2-lifecycle", updateId=done["id"])["update"]["status"] == "Successful"

    absent = {"name": "e2-lifecycle", "state": "absent"}
    info, missing, listed, planned, deleted, gone = run.steps(
        step("eks_cluster_info", {"name": "e2-lifecycle"}),
        step("eks_cluster_info", {"name": "e2-missing"}),
        step("eks_cluster_info", {}),
        *removal("eks_cluster", absent))
    assert_ok(info, False)
    assert [c["name"] for c in info["clusters"]] == ["e2-lifecycle"]
    assert info["clusters"][0]["version"] == "1.31"
    assert missing["clusters"] == []
    assert "e2-lifecycle" in [c["name"] for c in listed["clusters"]]
    assert_ok(planned, True)
    assert planned["mutating_calls"] == []
    assert_ok(deleted, True)
    assert_mutations(deleted, ["eks:DeleteCluster"])
    assert "e2-lifecycle" not in eks.list_clusters()["clusters"]
    assert_ok(gone, False)
    assert gone["mutating_calls"] == []


# ---------------------------------------------------------------------------
# eks_nodegroup
# ---------------------------------------------------------------------------


def test_eks_nodegroup_lifecycle(run, aws, network, roles, shared_cluster):
    eks = aws["eks"]
    create = {
        "name": "e2-workers",
        "cluster_name": shared_cluster,
        "node_role": roles["e2-nodes"],
        "subnets": network["subnets"][:2],
        "scaling_config": {"min_size": 1, "max_size": 3, "desired_size": 2},
        "instance_types": ["m7g.large"],
        "capacity_type": "SPOT",
        "ami_type": "AL2023_ARM_64_STANDARD",
        "disk_size": 40,
        "labels": {"workload": "shop", "tier": "app"},
        "taints": [{"key": "dedicated", "value": "shop", "effect": "NO_SCHEDULE"}],
        "update_config": {"max_unavailable": 1},
        "version": "1.30",
        "tags": {"eksforge:platform": "e2"},
    }
    update = dict(
        create,
        scaling_config={"min_size": 2, "max_size": 5, "desired_size": 3},
        labels={"workload": "shop", "pool": "spot"},
        taints=[{"key": "dedicated", "value": "web", "effect": "NO_SCHEDULE"}, {"key": "spot", "effect": "PREFER_NO_SCHEDULE"}],
        update_config={"max_unavailable_percentage": 50},
        version="1.31",
        tags={"eksforge:platform": "e2", "pool": "spot"},
    )
    invalid = dict(update, scaling_config={"min_size": 3, "max_size": 5, "desired_size": 1})
    created, again, checked, updated, unchanged, *refused = run.lifecycle(
        "eks_nodegroup", create, update,
        refused=(invalid, dict(update, instance_types=["m7g.xlarge"]), dict(update, version="1.32")))
    assert_ok(created, True)
    assert created["status"] == "ACTIVE"
    assert_mutations(created, ["eks:CreateNodegroup"])
    assert_ok(again, False)
    assert again["mutating_calls"] == []

    assert_ok(checked, True)
    assert checked["mutating_calls"] == []
    assert [u["kind"] for u in checked["updates"]] == ["config", "version"]
    assert checked["diff"]["after"]["labels"] == {"workload": "shop", "pool": "spot"}

    assert_ok(updated, True)
    assert_mutations(updated, ["eks:UpdateNodegroupConfig", "eks:UpdateNodegroupVersion", "eks:TagResource"])
    assert_ok(unchanged, False)
    for result, message in zip(refused, ("min_size <= desired_size <= max_size", "instance_types", "newer than its cluster")):
        assert_failed_before_mutating(result, message)
    nodegroup = eks.describe_nodegroup(clusterName=shared_cluster, nodegroupName="e2-workers")["nodegroup"]
    assert nodegroup["scalingConfig"] == {"minSize": 2, "maxSize": 5, "desiredSize": 3}
    assert nodegroup["labels"] == {"workload": "shop", "pool": "spot"}
    assert sorted((t["key"], t.get("value"), t["effect"]) for t in nodegroup["taints"]) == [
        ("dedicated", "web", "NO_SCHEDULE"),
        ("spot", None, "PREFER_NO_SCHEDULE"),
    ]
    assert nodegroup["updateConfig"].get("maxUnavailablePercentage") == 50
    assert nodegroup["version"] == "1.31"
    assert nodegroup["tags"] == {"eksforge:platform": "e2", "pool": "spot"}

    absent = {"name": "e2-workers", "cluster_name": shared_cluster, "state": "absent"}
    planned, deleted, gone = run.steps(*removal("eks_nodegroup", absent))
    assert_ok(planned, True)
    assert planned["mutating_calls"] == []
    assert_ok(deleted, True)
    assert_mutations(deleted, ["eks:DeleteNodegroup"])
    assert "e2-workers" not in eks.list_nodegroups(clusterName=shared_cluster)["nodegroups"]
    assert_ok(gone, False)


def test_eks_nodegroup_launch_template(run, aws, network, roles, shared_cluster):
    ec2, eks = aws["ec2"], aws["eks"]
    template = ec2.create_launch_template(LaunchTemplateName="e2-nodes", LaunchTemplateData={"InstanceType": "m7i.large"})["LaunchTemplate"]
    ec2.create_launch_template_version(LaunchTemplateId=template["LaunchTemplateId"], LaunchTemplateData={"InstanceType": "m7i.xlarge"})
    create = {
        "name": "e2-templated",
        "cluster_name": shared_cluster,
        "node_role": roles["e2-nodes"],
        "subnets": network["subnets"][:2],
        "launch_template": {"name": "e2-nodes", "version": "1"},
    }
    update = dict(create, launch_template={"name": "e2-nodes", "version": "2"})
    created, again, checked, updated, unchanged, renamed = run.lifecycle(
        "eks_nodegroup", create, update, refused=(dict(update, launch_template={"name": "other", "version": "1"}),))
    assert_ok(created, True)
    assert_ok(again, False)
    assert again["mutating_calls"] == []
    assert_ok(checked, True)
    assert checked["mutating_calls"] == []
    assert_ok(updated, True)
    assert_mutations(updated, ["eks:UpdateNodegroupVersion"])
    assert_ok(unchanged, False)
    assert_failed_before_mutating(renamed, "launch_template.name")
    assert eks.describe_nodegroup(clusterName=shared_cluster, nodegroupName="e2-templated")["nodegroup"]["launchTemplate"]["version"] == "2"

    deleted = run("eks_nodegroup", {"name": "e2-templated", "cluster_name": shared_cluster, "state": "absent"})
    assert_ok(deleted, True)


def test_eks_nodegroup_info(run, aws, network, roles, shared_cluster):
    eks = aws["eks"]
    names = ("e2-info-a", "e2-info-b")
    *created, listed, one, unknown, missing = run.steps(
        *(step("eks_nodegroup", {"name": name, "cluster_name": shared_cluster, "node_role": roles["e2-nodes"],
                                 "subnets": network["subnets"][:2], "labels": {"pool": name},
                                 "tags": {"eksforge:platform": "e2", "pool": name}}) for name in names),
        step("eks_nodegroup_info", {"cluster_name": shared_cluster}, check=True),
        step("eks_nodegroup_info", {"cluster_name": shared_cluster, "name": "e2-info-b"}),
        step("eks_nodegroup_info", {"cluster_name": shared_cluster, "name": "no-such-nodegroup"}),
        step("eks_nodegroup_info", {"cluster_name": "no-such-cluster"}))
    made = dict(zip(names, created))
    for result in made.values():
        assert_ok(result, True)

    assert_ok(listed, False)
    assert listed["mutating_calls"] == []
    found = {n["nodegroup_name"]: n for n in listed["nodegroups"]}
    assert {"e2-info-a", "e2-info-b"} <= set(found)
    for name, result in made.items():
        # the shape eks_nodegroup returns, read again
        expected = {k: v for k, v in result.items() if k not in ("action", "changed", "diff", "mutating_calls", "read_calls", "invocation", "updates", "started", "ended")}
        assert found[name] == expected, name
        assert found[name]["tags"] == {"eksforge:platform": "e2", "pool": name}
        assert found[name]["scaling_config"]["min_size"] == 1 and found[name]["labels"] == {"pool": name}

    assert [n["nodegroup_name"] for n in one["nodegroups"]] == ["e2-info-b"]
    assert unknown["nodegroups"] == []
    assert_ok(missing, False)
    assert missing["nodegroups"] == [] and missing["mutating_calls"] == []

    for deleted in run.steps(*(step("eks_nodegroup", {"name": name, "cluster_name": shared_cluster, "state": "absent"})
                               for name in made)):
        assert_ok(deleted, True)
    assert not {"e2-info-a", "e2-info-b"} & set(eks.list_nodegroups(clusterName=shared_cluster)["nodegroups"])


# ---------------------------------------------------------------------------
# eks_addon
# ---------------------------------------------------------------------------


def compatible_versions(eks, addon, kubernetes_version):
    infos = eks.describe_addon_versions(addonName=addon, kubernetesVersion=kubernetes_version)["addons"]
    versions = [v for info in infos for v in info["addonVersions"] if any(c["clusterVersion"] == kubernetes_version for c in v["compatibilities"])]
    default = next(v["addonVersion"] for v in versions if any(c["clusterVersion"] == kubernetes_version and c["defaultVersion"] for c in v["compatibilities"]))
    return [v["addonVersion"] for v in versions], default


def test_eks_addon_lifecycle(run, aws, roles, shared_cluster):
    eks = aws["eks"]
    versions, default = compatible_versions(eks, "vpc-cni", "1.31")
    create = {
        "cluster_name": shared_cluster,
        "name": "vpc-cni",
        "version": "default",
        "configuration_values": {"env": {"ENABLE_PREFIX_DELEGATION": "true"}},
        "resolve_conflicts": "OVERWRITE",
        "tags": {"eksforge:platform": "e2"},
    }
    latest = max(versions, key=lambda v: tuple(int(n) for n in v.lstrip("v").replace("-eksbuild.", ".").split(".")))
    update = dict(
        create,
        version="latest",
        configuration_values={"env": {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1"}},
        tags={"eksforge:platform": "e2", "addon": "cni"},
    )
    created, again, checked, updated, unchanged, *refused = run.lifecycle(
        "eks_addon", create, update,
        refused=(dict(update, version="v0.0.1-eksbuild.1"), dict(update, name="no-such-addon")))
    assert_ok(created, True)
    assert created["addon_version"] == default
    assert created["status"] == "ACTIVE"
    assert_mutations(created, ["eks:CreateAddon"])
    # the configuration values it was created with, as the update's diff read them
    assert updated["diff"]["before"]["configuration_values"] == {"env": {"ENABLE_PREFIX_DELEGATION": "true"}}

    assert_ok(again, False)
    assert again["mutating_calls"] == []

    assert_ok(checked, True)
    assert checked["mutating_calls"] == []
    assert checked["diff"]["after"]["version"] == latest

    assert_ok(updated, True)
    assert_mutations(updated, ["eks:UpdateAddon", "eks:TagResource"])
    addon = eks.describe_addon(clusterName=shared_cluster, addonName="vpc-cni")["addon"]
    assert addon["addonVersion"] == latest
    assert json.loads(addon["configurationValues"]) == update["configuration_values"]
    assert addon["tags"] == {"eksforge:platform": "e2", "addon": "cni"}
    assert eks.describe_update(name=shared_cluster, updateId=updated["update_id"], addonName="vpc-cni")["update"]["status"] == "Successful"
    assert_ok(unchanged, False)
    for result, message in zip(refused, ("not available for Kubernetes 1.31", "unknown to EKS")):
        assert_failed_before_mutating(result, message)

    csi = {
        "cluster_name": shared_cluster,
        "name": "aws-ebs-csi-driver",
        "pod_identity_associations": [{"service_account": "ebs-csi-controller-sa", "role_arn": roles["e2-ebs-csi"]}],
    }
    removals = []
    for name in ("vpc-cni", "aws-ebs-csi-driver"):
        absent = {"cluster_name": shared_cluster, "name": name, "state": "absent"}
        planned, _, gone = removal("eks_addon", absent)
        removals += [planned, step("eks_addon", dict(absent, preserve=True)), gone]
    made, again, *removed = run.steps(step("eks_addon", csi), step("eks_addon", csi), *removals)
    assert_ok(made, True)
    assert_ok(again, False)
    assert again["mutating_calls"] == []
    for checked, deleted, gone in (removed[:3], removed[3:]):
        assert_ok(checked, True)
        assert checked["mutating_calls"] == []
        assert_ok(deleted, True)
        assert_mutations(deleted, ["eks:DeleteAddon"])
        assert_ok(gone, False)
    assert eks.list_addons(clusterName=shared_cluster)["addons"] == []


def test_eks_addon_resolves_for_kubernetes_version_before_the_cluster_exists_or_is_upgraded(run, aws, shared_cluster):
    """kubernetes_version: check mode plans for the version the play creates or upgrades the cluster with."""
    eks = aws["eks"]
    versions_133, default_133 = compatible_versions(eks, "coredns", "1.33")
    planned = {"cluster_name": "e2-planned", "name": "coredns", "version": "default", "kubernetes_version": "1.33"}

    # The shared cluster runs 1.31: a plan for its upgrade to 1.32 resolves for 1.32, a real change refuses.
    dummy, default_132 = compatible_versions(eks, "kube-proxy", "1.32")
    versions_131, default_131 = compatible_versions(eks, "kube-proxy", "1.31")
    assert default_132 != default_131  # kube-proxy is built per Kubernetes minor version
    upgrade = {"cluster_name": shared_cluster, "name": "kube-proxy", "version": "default", "kubernetes_version": "1.32"}
    current = dict(upgrade, kubernetes_version="1.31")
    (checked, newest, exact, *refused, upgrade_planned, upgrade_refused, created, again, upgrade_replanned, updated,
     deleted) = run.steps(
        step("eks_addon", planned, check=True),
        step("eks_addon", dict(planned, version="latest"), check=True),
        step("eks_addon", dict(planned, version=versions_133[-1]), check=True),
        step("eks_addon", dict(planned, version="v9.9.9-eksbuild.1"), check=True, fails=True),
        step("eks_addon", dict(planned, name="no-such-addon"), check=True, fails=True),
        step("eks_addon", dict(planned, kubernetes_version=None), check=True, fails=True),
        step("eks_addon", planned, fails=True),
        step("eks_addon", upgrade, check=True),
        step("eks_addon", upgrade, fails=True),
        step("eks_addon", current),
        step("eks_addon", current),
        step("eks_addon", upgrade, check=True),
        step("eks_addon", dict(current, version="latest")),
        step("eks_addon", {"cluster_name": shared_cluster, "name": "kube-proxy", "state": "absent"}))

    assert_ok(checked, True)
    assert checked["diff"]["before"] == {} and checked["diff"]["after"]["version"] == default_133
    assert checked["mutating_calls"] == []
    assert "eks:DescribeAddonVersions" in checked["read_calls"]
    assert_ok(newest, True)
    assert newest["diff"]["after"]["version"] == max(versions_133, key=lambda v: tuple(int(n) for n in re.findall(r"\d+", v)))
    assert_ok(exact, True)
    assert exact["diff"]["after"]["version"] == versions_133[-1]
    for result, message in zip(refused, ("not available for Kubernetes 1.33", "unknown to EKS", "set kubernetes_version",
                                         "Cluster e2-planned does not exist")):
        assert_failed_before_mutating(result, message)
    assert "e2-planned" not in eks.list_clusters()["clusters"]

    assert_ok(upgrade_planned, True)
    assert upgrade_planned["diff"]["after"]["version"] == default_132 and upgrade_planned["mutating_calls"] == []
    assert_failed_before_mutating(upgrade_refused, "runs Kubernetes 1.31, not kubernetes_version 1.32")

    assert_ok(created, True)
    assert created["addon_version"] == default_131
    assert_mutations(created, ["eks:CreateAddon"])
    assert_ok(again, False)
    assert again["mutating_calls"] == []
    # planned for the upgrade, the installed add-on would move to 1.32's default
    assert_ok(upgrade_replanned, True)
    assert upgrade_replanned["diff"]["before"]["version"] == default_131
    assert upgrade_replanned["diff"]["after"]["version"] == default_132
    assert upgrade_replanned["mutating_calls"] == []
    assert_ok(updated, True)
    assert_mutations(updated, ["eks:UpdateAddon"])
    assert updated["addon_version"] != default_131 and updated["addon_version"] in versions_131
    assert_ok(deleted, True)
    assert_mutations(deleted, ["eks:DeleteAddon"])


def test_eks_addons_plans_every_addon_then_converges_them_in_one_run(run, aws, shared_cluster):
    """eks_addons: one run for a list; every version is checked before the first change, the cluster read once."""
    eks = aws["eks"]
    cni_versions, cni_default = compatible_versions(eks, "vpc-cni", "1.31")
    dummy, proxy_default = compatible_versions(eks, "kube-proxy", "1.31")
    addons = [{"name": "vpc-cni", "version": "default", "configuration_values": {"env": {"WARM_IP_TARGET": "2"}}},
              {"name": "kube-proxy", "version": "default"}]
    request = {"cluster_name": shared_cluster, "addons": addons, "tags": {"eksforge:platform": "e2"}}

    # one bad version fails the whole list before any add-on is created, naming it
    bad = dict(request, addons=[addons[0], {"name": "kube-proxy", "version": "v9.9.9-eksbuild.1"}])
    latest = max(cni_versions, key=lambda v: tuple(int(n) for n in re.findall(r"\d+", v)))
    change = dict(request, addons=[dict(addons[0], version="latest"), {"name": "kube-proxy", "state": "absent"}])
    refused, created, again, checked, changed, unchanged = run.steps(
        step("eks_addons", bad, fails=True),
        step("eks_addons", request),
        step("eks_addons", request),
        step("eks_addons", change, check=True),
        step("eks_addons", change),
        step("eks_addons", change))
    assert_failed_before_mutating(refused, "'kube-proxy' version 'v9.9.9-eksbuild.1' is not available for Kubernetes 1.31")

    assert_ok(created, True)
    assert_mutations(created, ["eks:CreateAddon", "eks:CreateAddon"])
    assert created["read_calls"].count("eks:DescribeCluster") == 1
    assert [(a["name"], a["addon_version"], a["status"]) for a in created["addons"]] == [
        ("vpc-cni", cni_default, "ACTIVE"), ("kube-proxy", proxy_default, "ACTIVE")]
    # the configuration values it was created with, as the change's diff read them
    assert checked["diff"]["before"]["vpc-cni"]["configuration_values"] == {"env": {"WARM_IP_TARGET": "2"}}

    assert_ok(again, False)
    assert again["mutating_calls"] == [] and [a["changed"] for a in again["addons"]] == [False, False]

    assert_ok(checked, True)
    assert checked["mutating_calls"] == []
    assert checked["diff"]["after"]["vpc-cni"]["version"] == latest and checked["diff"]["after"]["kube-proxy"] == {}
    assert_ok(changed, True)
    assert_mutations(changed, ["eks:UpdateAddon", "eks:DeleteAddon"])
    assert eks.list_addons(clusterName=shared_cluster)["addons"] == ["vpc-cni"]
    assert eks.describe_addon(clusterName=shared_cluster, addonName="vpc-cni")["addon"]["addonVersion"] == latest
    assert_ok(unchanged, False)

    # check mode plans a list for a cluster the play has yet to create
    dummy, coredns_default_133 = compatible_versions(eks, "coredns", "1.33")
    planned, removed = run.steps(
        step("eks_addons", {"cluster_name": "e2-planned", "kubernetes_version": "1.33",
                            "addons": [{"name": "coredns", "version": "default"}]}, check=True),
        step("eks_addons", {"cluster_name": shared_cluster, "addons": [{"name": "vpc-cni", "state": "absent"}]}))
    assert_ok(planned, True)
    assert planned["diff"]["after"]["coredns"]["version"] == coredns_default_133 and planned["mutating_calls"] == []
    assert_ok(removed, True)
    assert eks.list_addons(clusterName=shared_cluster)["addons"] == []


# ---------------------------------------------------------------------------
# eks_access_entry
# ---------------------------------------------------------------------------

ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
EDIT = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"


def associated(eks, cluster, principal):
    listed = eks.list_associated_access_policies(clusterName=cluster, principalArn=principal)["associatedAccessPolicies"]
    return {p["policyArn"]: (p["accessScope"]["type"], sorted(p["accessScope"].get("namespaces") or [])) for p in listed}


def test_eks_access_entry_lifecycle(run, aws, roles, shared_cluster):
    eks = aws["eks"]
    principal = roles["e2-developers"]
    create = {
        "cluster_name": shared_cluster,
        "principal_arn": principal,
        "kubernetes_groups": ["shop-developers"],
        "policy_associations": [
            {"policy": "AmazonEKSClusterAdminPolicy"},
            {"policy": EDIT, "access_scope": {"type": "namespace", "namespaces": ["shop", "shop-staging"]}},
        ],
        "tags": {"eksforge:platform": "e2"},
    }
    created, again = run.steps(step("eks_access_entry", create), step("eks_access_entry", create))
    assert_ok(created, True)
    assert_mutations(created, ["eks:CreateAccessEntry", "eks:AssociateAccessPolicy", "eks:AssociateAccessPolicy"])
    assert associated(eks, shared_cluster, principal) == {ADMIN: ("cluster", []), EDIT: ("namespace", ["shop", "shop-staging"])}
    entry = eks.describe_access_entry(clusterName=shared_cluster, principalArn=principal)["accessEntry"]
    assert entry["kubernetesGroups"] == ["shop-developers"]
    assert entry["type"] == "STANDARD"
    assert_ok(again, False)
    assert again["mutating_calls"] == []

    update = dict(
        create,
        kubernetes_groups=["shop-developers", "viewers"],
        policy_associations=[
            {"policy": EDIT, "access_scope": {"type": "namespace", "namespaces": ["shop"]}},
            {"policy": "AmazonEKSViewPolicy"},
        ],
        tags={"eksforge:platform": "e2", "team": "shop"},
    )
    keep_others = dict(update, policy_associations=[{"policy": "AmazonEKSViewPolicy"}], purge_policy_associations=False)
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/e2-developers/alice"
    checked, updated, unchanged, kept, *refused = run.steps(
        step("eks_access_entry", update, check=True),
        step("eks_access_entry", update),
        step("eks_access_entry", update),
        step("eks_access_entry", keep_others),
        step("eks_access_entry", dict(update, principal_arn=session), fails=True),
        step("eks_access_entry", dict(update, type="EC2_LINUX"), fails=True))
    assert_ok(checked, True)
    assert checked["mutating_calls"] == []
    assert [p["policy_arn"] for p in checked["access_policies"]] == [EDIT, VIEW]

    assert_ok(updated, True)
    assert_mutations(
        updated, ["eks:AssociateAccessPolicy", "eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy", "eks:UpdateAccessEntry", "eks:TagResource"]
    )
    assert associated(eks, shared_cluster, principal) == {EDIT: ("namespace", ["shop"]), VIEW: ("cluster", [])}
    entry = eks.describe_access_entry(clusterName=shared_cluster, principalArn=principal)["accessEntry"]
    assert sorted(entry["kubernetesGroups"]) == ["shop-developers", "viewers"]
    assert entry["tags"] == {"eksforge:platform": "e2", "team": "shop"}
    assert_ok(unchanged, False)
    assert_ok(kept, False)
    assert kept["mutating_calls"] == []
    for result, message in zip(refused, ("not an IAM role or user ARN", "kubernetes_groups and kubernetes_username can only be set")):
        assert_failed_before_mutating(result, message)

    absent = {"cluster_name": shared_cluster, "principal_arn": principal, "state": "absent"}
    planned, deleted, gone = run.steps(*removal("eks_access_entry", absent))
    assert_ok(planned, True)
    assert planned["mutating_calls"] == []
    assert_ok(deleted, True)
    assert_mutations(deleted, ["eks:DeleteAccessEntry"])
    assert principal not in eks.list_access_entries(clusterName=shared_cluster)["accessEntries"]
    assert_ok(gone, False)


# ---------------------------------------------------------------------------
# eks_pod_identity_association
# ---------------------------------------------------------------------------


def test_eks_pod_identity_association_lifecycle(run, aws, roles, shared_cluster):
    eks = aws["eks"]
    create = {
        "cluster_name": shared_cluster,
        "namespace": "shop",
        "service_account": "orders",
        "role_arn": roles["e2-orders"],
        "tags": {"eksforge:platform": "e2"},
    }
    update = dict(create, role_arn=roles["e2-orders-v2"], tags={"eksforge:platform": "e2", "app": "orders"})
    created, again, checked, updated, unchanged = run.lifecycle("eks_pod_identity_association", create, update)
    assert_ok(created, True)
    assert_mutations(created, ["eks:CreatePodIdentityAssociation"])
    assert created["association_id"]
    assert_ok(again, False)
    assert again["mutating_calls"] == []

    assert_ok(checked, True)
    assert checked["mutating_calls"] == []
    assert checked["diff"]["after"]["role_arn"] == roles["e2-orders-v2"]

    assert_ok(updated, True)
    assert_mutations(updated, ["eks:UpdatePodIdentityAssociation", "eks:TagResource"])
    association = eks.describe_pod_identity_association(clusterName=shared_cluster, associationId=created["association_id"])["association"]
    assert association["roleArn"] == roles["e2-orders-v2"]
    assert association["tags"] == {"eksforge:platform": "e2", "app": "orders"}
    assert_ok(unchanged, False)

    absent = {"cluster_name": shared_cluster, "namespace": "shop", "service_account": "orders", "state": "absent"}
    planned, deleted, gone = run.steps(*removal("eks_pod_identity_association", absent))
    assert_ok(planned, True)
    assert planned["mutating_calls"] == []
    assert_ok(deleted, True)
    assert_mutations(deleted, ["eks:DeletePodIdentityAssociation"])
    assert eks.list_pod_identity_associations(clusterName=shared_cluster)["associations"] == []
    assert_ok(gone, False)


# ---------------------------------------------------------------------------
# Throttling
# ---------------------------------------------------------------------------


def test_eks_modules_retry_throttled_calls(run, eks_sandbox, aws, roles, shared_cluster):
    """With a third of all calls throttled (in EKS's own error shape), the modules still converge."""
    args = {"cluster_name": shared_cluster, "namespace": "throttled", "service_account": "app", "role_arn": roles["e2-orders"]}
    eks_sandbox.set_faults(throttle_rate=0.3, seed=7)
    try:
        created, again, info, deleted = run.steps(
            step("eks_pod_identity_association", args),
            step("eks_pod_identity_association", args),
            step("eks_cluster_info", {"name": shared_cluster}),
            step("eks_pod_identity_association", dict(args, state="absent")))
        assert_ok(created, True)
        assert_ok(again, False)
        assert_ok(info, False)
        assert info["clusters"][0]["name"] == shared_cluster
        assert_ok(deleted, True)
    finally:
        eks_sandbox.clear_faults()
    assert eks_sandbox.boto3_client("eks").list_pod_identity_associations(clusterName=shared_cluster, namespace="throttled")["associations"] == []
