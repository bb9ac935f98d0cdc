"""The addons role (platform layer) on the platform site.yml built (the `platform` fixture): every add-on
inventories/local enables is installed and ready, with its IAM role and Pod Identity association, the Route53 zone,
the Container Insights add-on and log groups, and gp3 as the only default StorageClass. The layer's second run (no
change, no mutating AWS call, no Kubernetes write for the add-ons) is the AWX build workflow's platform job
(test_awx_jobs.py). The layer's destroy (load balancers made by hand go before the controller) is in
test_platform_destroy.py, the last test on this platform. Bad input is refused by the preflight (the addons cases of
test_preflight.py); --check on an empty account plans the add-ons (test_layers.py)."""

from __future__ import annotations

import pytest

from tests.integration.support.addons import (CHARTS, DOMAIN, IDENTITIES, LOG_GROUPS, ROLES, addon_roles, kube_json,
                                              zone_id)
from tests.integration.support.constants import LOCAL_PLATFORM, OWNER_TAG
from tests.integration.support.inventory import tags_of

pytestmark = pytest.mark.slow

def test_every_enabled_addon_is_installed_and_ready(platform):
    sandbox = platform.sandbox
    deployments = {item["metadata"]["name"]: item for item in
                   kube_json(sandbox, "get", "deployments", "-n", "kube-system")["items"]}
    releases = {item["metadata"]["labels"]["name"]: item["metadata"]["labels"]["status"] for item in kube_json(
        sandbox, "get", "secrets", "-n", "kube-system", "-l", "owner=helm")["items"]}
    assert {name: releases.get(name) for name in CHARTS} == {name: "deployed" for name in CHARTS}
    for chart in CHARTS:
        [deployment] = [d for name, d in deployments.items() if name.startswith(chart)]
        status = deployment["status"]
        assert status.get("readyReplicas", 0) == deployment["spec"]["replicas"] >= 1, (chart, status)

    balancer = next(d for name, d in deployments.items() if name.startswith("aws-load-balancer-controller"))
    args = " ".join(balancer["spec"]["template"]["spec"]["containers"][0]["args"])
    vpc_id = sandbox.boto3_client("eks").describe_cluster(name=LOCAL_PLATFORM)["cluster"]["resourcesVpcConfig"]["vpcId"]
    assert f"--cluster-name={LOCAL_PLATFORM}" in args and f"--aws-vpc-id={vpc_id}" in args and "--aws-region=us-east-1" in args
    assert kube_json(sandbox, "get", "ingressclass", "alb")["spec"]["controller"] == "ingress.k8s.aws/alb"
    autoscaler = next(d for name, d in deployments.items() if name.startswith("cluster-autoscaler"))
    image = autoscaler["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image.endswith(":v1.33.0"), image  # inventories/local runs Kubernetes 1.33
    external_dns = " ".join(next(d for name, d in deployments.items() if name.startswith("external-dns"))[
        "spec"]["template"]["spec"]["containers"][0]["args"])
    assert f"--txt-owner-id={LOCAL_PLATFORM}" in external_dns and f"--domain-filter={DOMAIN}" in external_dns

    classes = {item["metadata"]["name"]: item for item in kube_json(sandbox, "get", "storageclass")["items"]}
    defaults = [name for name, item in classes.items()
                if item["metadata"].get("annotations", {}).get("storageclass.kubernetes.io/is-default-class") == "true"]
    assert defaults == ["gp3"]
    assert classes["gp3"]["provisioner"] == "ebs.csi.aws.com"
    assert classes["gp3"]["parameters"] == {"type": "gp3", "encrypted": "true", "fsType": "ext4"}

    eks = sandbox.boto3_client("eks")
    associations = {(item["namespace"], item["serviceAccount"]): item for item in
                    eks.list_pod_identity_associations(clusterName=LOCAL_PLATFORM)["associations"]}
    for name in IDENTITIES:
        described = eks.describe_pod_identity_association(
            clusterName=LOCAL_PLATFORM, associationId=associations[("kube-system", name)]["associationId"])
        assert described["association"]["roleArn"].endswith(f":role/{LOCAL_PLATFORM}-{name}")
    assert ("amazon-cloudwatch", "cloudwatch-agent") in associations  # owned by the add-on
    addon = eks.describe_addon(clusterName=LOCAL_PLATFORM, addonName="amazon-cloudwatch-observability")["addon"]
    assert addon["status"] == "ACTIVE"

    iam = sandbox.boto3_client("iam")
    assert addon_roles(sandbox) == ROLES
    trust = iam.get_role(RoleName=f"{LOCAL_PLATFORM}-cluster-autoscaler")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    policy = iam.get_role_policy(RoleName=f"{LOCAL_PLATFORM}-cluster-autoscaler",
                                 PolicyName=f"{LOCAL_PLATFORM}-cluster-autoscaler")["PolicyDocument"]
    scaling = next(s for s in policy["Statement"] if "autoscaling:SetDesiredCapacity" in s["Action"])
    assert scaling["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{LOCAL_PLATFORM}": "owned"}}
    nodegroup = eks.describe_nodegroup(clusterName=LOCAL_PLATFORM, nodegroupName="general")["nodegroup"]
    assert nodegroup["tags"][f"k8s.io/cluster-autoscaler/{LOCAL_PLATFORM}"] == "owned"
    zone = zone_id(sandbox)
    dns_policy = iam.get_role_policy(RoleName=f"{LOCAL_PLATFORM}-external-dns",
                                     PolicyName=f"{LOCAL_PLATFORM}-external-dns")["PolicyDocument"]
    assert dns_policy["Statement"][0]["Resource"] == f"arn:aws:route53:::hostedzone/{zone}"
    zone_tags = sandbox.boto3_client("route53").list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone)
    assert tags_of(zone_tags["ResourceTagSet"])[OWNER_TAG] == LOCAL_PLATFORM

    groups = sandbox.boto3_client("logs").describe_log_groups(logGroupNamePrefix="/aws/containerinsights/")["logGroups"]
    assert {group["logGroupName"]: group.get("retentionInDays") for group in groups} == {name: 7 for name in LOG_GROUPS}

