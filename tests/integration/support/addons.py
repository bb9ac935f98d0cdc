"""What the add-ons make and how to find it again: the add-on tests and the platform's destroy test read it."""

from __future__ import annotations

import json

from tests.integration.support.constants import LOCAL_PLATFORM
from tests.integration.support.inventory import tags_of
from tests.integration.support.kubernetes import kubectl

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
