"""The addons role (platform layer) on the platform site.yml built (the `platform` fixture): every add-on
inventories/local enables is installed and ready, with its IAM role and Pod Identity association, the Route53 zone,
the Container Insights add-on and log groups, and gp3 as the only default StorageClass; a second run changes
nothing, makes no mutating AWS call and sends no Kubernetes write for the add-ons; the layer's destroy removes Argo CD
with what it delivered first, then a hand-made Ingress and LoadBalancer Service before it uninstalls the load
balancer controller, so no ALB, NLB, target group, security group, record or IAM role is left, and the layer
then comes back. Bad input is refused by the preflight (the addons cases of test_preflight.py); --check on an empty
account plans the add-ons (test_layers.py)."""

from __future__ import annotations

import json

import pytest

from tests.integration.support.asserts import assert_idempotent, assert_ran, wait_for
from tests.integration.support.constants import DESTROY, LOCAL_PLATFORM, OWNER_TAG
from tests.integration.support.inventory import tags_of
from tests.integration.support.kubernetes import assert_platform_namespace, kubectl, namespaces

pytestmark = pytest.mark.slow

DOMAIN = "eksforge-local.example.test"  # platform_domain of inventories/local
CHARTS = {"aws-load-balancer-controller", "cluster-autoscaler", "metrics-server", "external-dns"}
IDENTITIES = {"aws-load-balancer-controller", "cluster-autoscaler", "external-dns"}
ROLES = {f"{LOCAL_PLATFORM}-{name}" for name in IDENTITIES | {"amazon-cloudwatch-observability"}}
LOG_GROUPS = {f"/aws/containerinsights/{LOCAL_PLATFORM}/{kind}" for kind in ("application", "dataplane", "host",
                                                                              "performance")}
CLUSTER_TAG = "elbv2.k8s.aws/cluster"  # what the load balancer controller tags its ALBs, NLBs, groups with

HAND_MADE = """
apiVersion: v1
kind: Namespace
metadata: {name: shop-by-hand}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop-by-hand}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: public
  namespace: shop-by-hand
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: external
    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip
    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 443, targetPort: 8443}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop-by-hand
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/target-type: ip
spec:
  ingressClassName: alb
  rules:
    - host: shop.eksforge-local.example.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"""


def kube_json(sandbox, *args: str) -> dict:
    done = kubectl(sandbox, *args, "-o", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def zone_id(sandbox) -> str | None:
    zones = sandbox.boto3_client("route53").list_hosted_zones_by_name(DNSName=DOMAIN)["HostedZones"]
    return next((zone["Id"].split("/")[-1] for zone in zones if zone["Name"] == DOMAIN + "."), None)


def owned_records(sandbox, zone: str) -> list[dict]:
    """The records of the zone other than its SOA and NS."""
    records = sandbox.boto3_client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return [record for record in records if record["Type"] not in ("SOA", "NS")]


def load_balancer_leftovers(sandbox) -> dict[str, list]:
    """ELBv2 load balancers and target groups, and security groups, that the cluster's controller tagged."""
    elbv2, ec2 = sandbox.boto3_client("elbv2"), sandbox.boto3_client("ec2")
    arns = [lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]]
    arns += [group["TargetGroupArn"] for group in elbv2.describe_target_groups()["TargetGroups"]]
    tagged = [] if not arns else [
        description["ResourceArn"] for start in range(0, len(arns), 20)
        for description in elbv2.describe_tags(ResourceArns=arns[start:start + 20])["TagDescriptions"]
        if tags_of(description).get(CLUSTER_TAG) == LOCAL_PLATFORM]
    groups = ec2.describe_security_groups(Filters=[{"Name": f"tag:{CLUSTER_TAG}", "Values": [LOCAL_PLATFORM]}])
    return {"elbv2": tagged, "security_groups": [group["GroupId"] for group in groups["SecurityGroups"]]}


def addon_roles(sandbox) -> set[str]:
    return {role["RoleName"] for role in sandbox.boto3_client("iam").list_roles()["Roles"]} & ROLES


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


def test_second_run_changes_nothing_in_aws_or_the_cluster(platform):
    run = platform.run("playbooks/platform.yml")
    assert_idempotent(run)
    # The addons role compares before it writes. (kubernetes.core.k8s PATCHes an unchanged object and reports ok:
    # the argocd and platform_namespace roles' objects.)
    others = ("/api/v1/namespaces/argocd", "/apis/argoproj.io/", "/api/v1/namespaces/platform")
    assert [write for write in run.cluster_writes if not write["path"].startswith(others)] == [], run.cluster_writes


def test_destroy_removes_hand_made_load_balancers_first_and_leaves_nothing(platform):
    """Destroy of the platform layer on the built platform with an Ingress and a LoadBalancer Service made by hand;
    the platform layer is put back afterwards (other tests of the worker share the fixture)."""
    sandbox = platform.sandbox
    applied = kubectl(sandbox, "apply", "-f", "-", input=HAND_MADE)
    assert applied.returncode == 0, applied.stderr
    # The controller (simulated by the emulator while the chart's Deployment is ready) makes an ALB and an NLB and
    # holds both objects with its finalizers; external-dns writes the host's records.
    ingress = wait_for(lambda: kube_json(sandbox, "get", "ingress", "web", "-n", "shop-by-hand"),
                       lambda item: item.get("status", {}).get("loadBalancer", {}).get("ingress"), timeout=120)
    assert ingress["metadata"]["finalizers"]
    wait_for(lambda: load_balancer_leftovers(sandbox)["elbv2"], lambda arns: len(arns) >= 4, timeout=120)
    zone = zone_id(sandbox)
    wait_for(lambda: owned_records(sandbox, zone), lambda records: records, timeout=120)
    try:
        destroyed = platform.run(DESTROY, tags="platform")
        assert_ran(destroyed)
        text = destroyed.output
        # Argo CD goes first with its Applications (nothing re-creates the shop's Ingress then), the load
        # balancers before their controller, and only the platform layer ran.
        assert text.index("Delete the Applications with their resources") < text.index(
            "Delete the Ingresses and the Services of type LoadBalancer") < text.index(
            "Uninstall the release aws-load-balancer-controller")
        assert destroyed.count("DescribeVpcs") == 0
        assert sandbox.boto3_client("eks").describe_cluster(name=LOCAL_PLATFORM)["cluster"]["status"] == "ACTIVE"
        # The shop's namespace is the apps layer's (its database Secrets); the Applications' resources are gone.
        assert {"argocd", "platform"}.isdisjoint(namespaces(sandbox)) and "shop" in namespaces(sandbox)
        assert kube_json(sandbox, "get", "deployments", "-n", "shop")["items"] == []
        assert kube_json(sandbox, "get", "ingress", "-A")["items"] == []
        assert [s for s in kube_json(sandbox, "get", "services", "-A")["items"] if s["spec"]["type"] == "LoadBalancer"] == []
        assert load_balancer_leftovers(sandbox) == {"elbv2": [], "security_groups": []}
        assert zone_id(sandbox) is None  # this role created it, external-dns's records went with it
        assert addon_roles(sandbox) == set()
        assert sandbox.boto3_client("eks").list_pod_identity_associations(clusterName=LOCAL_PLATFORM)["associations"] == []
        groups = sandbox.boto3_client("logs").describe_log_groups(logGroupNamePrefix="/aws/containerinsights/")
        assert groups["logGroups"] == []
        releases = kube_json(sandbox, "get", "secrets", "-n", "kube-system", "-l", "owner=helm")["items"]
        assert releases == []
        classes = {item["metadata"]["name"]: item for item in kube_json(sandbox, "get", "storageclass")["items"]}
        assert set(classes) == {"gp2"}
        assert classes["gp2"]["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    finally:
        kubectl(sandbox, "delete", "namespace", "shop-by-hand", "--ignore-not-found", "--wait=false")
        rebuilt = platform.run("playbooks/platform.yml")
        assert_ran(rebuilt)
        assert rebuilt.count("DescribeVpcs") == 0
    assert addon_roles(sandbox) == ROLES
    assert_platform_namespace(sandbox)

