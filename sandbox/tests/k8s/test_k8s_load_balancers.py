"""The simulated AWS Load Balancer Controller and external-dns, driven by the real charts (eks/aws-load-balancer-
controller 3.5.0 and external-dns 1.21.1 installed with helm) and checked with kubectl and boto3: ALBs for
Ingresses, an NLB for a Service, Route53 records, and nothing at all while the controller is not ready.

One setup for the module (the charts installed once into the session's cluster, uninstalled at the end); the tests
run in file order on it (the last one deletes the Ingress)."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import pytest

from sandbox.config import REPO_ROOT
from sandbox.harness import EksCluster
from sandbox.tests.k8s.k8s_helpers import BIN, run, wait_until

MIRROR = Path(os.environ.get("EKSFORGE_CHART_MIRROR") or REPO_ROOT.parent / "shared" / "charts")
DOMAIN = "shop.eksforge.test"
OWNER = "demo"
LBC = "lbc-aws-load-balancer-controller"

APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: nginx, ports: [{{name: http, containerPort: 8080}}]}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  type: NodePort
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: http}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/target-type: ip
    alb.ingress.kubernetes.io/listen-ports: '[{{"HTTP": 80}}, {{"HTTPS": 443}}]'
    alb.ingress.kubernetes.io/certificate-arn: {certificate}
spec:
  ingressClassName: alb
  rules:
  - host: www.{domain}
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
"""


def kubectl(eks: EksCluster, namespace: str, *args, input: str | None = None):
    done = eks.kubectl(*args, namespace=namespace, input=input)
    assert done.returncode == 0, done.stderr
    return done.stdout


def helm(eks: EksCluster, *args):
    env = {**eks.env, "KUBECONFIG": str(eks.kubeconfig()), "HOME": str(eks.tmp)}
    done = run([BIN / "helm", *args], env=env, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def get(eks: EksCluster, namespace: str, kind: str, name: str) -> dict | None:
    done = eks.kubectl("get", kind, name, "-o", "json", namespace=namespace)
    return json.loads(done.stdout) if done.returncode == 0 else None


def hostname(obj: dict | None) -> str | None:
    ingress = (((obj or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress") or [{}]
    return ingress[0].get("hostname")


def load_balancers(elbv2, stack: str) -> list[dict]:
    """The load balancers tagged as the stack's, with their tags."""
    found = []
    for lb in elbv2.describe_load_balancers()["LoadBalancers"]:
        tags = {t["Key"]: t["Value"] for t in
                elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]}
        if stack in (tags.get("ingress.k8s.aws/stack"), tags.get("service.k8s.aws/stack")):
            found.append({**lb, "Tags": tags})
    return found


def records(route53, zone_id: str) -> dict[tuple[str, str], dict]:
    return {(r["Name"].rstrip("."), r["Type"]): r
            for r in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]}


@pytest.fixture(scope="module")
def setup(eks: EksCluster):
    """An Ingress applied before the charts (what happened to it is recorded), then both charts installed."""
    namespace = f"lb-{uuid.uuid4().hex[:8]}"
    ec2, acm, route53 = eks.boto3("ec2"), eks.boto3("acm"), eks.boto3("route53")
    for subnet in ec2.describe_subnets()["Subnets"]:
        ec2.create_tags(Resources=[subnet["SubnetId"]], Tags=[{"Key": "kubernetes.io/role/elb", "Value": "1"}])
    certificate = acm.request_certificate(DomainName=f"*.{DOMAIN}")["CertificateArn"]
    zone_id = route53.create_hosted_zone(Name=DOMAIN, CallerReference=namespace)["HostedZone"]["Id"]
    # A record another external-dns owns: policy sync must leave it alone.
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"legacy.{DOMAIN}", "Type": "A", "TTL": 300,
                                                   "ResourceRecords": [{"Value": "192.0.2.10"}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"a-legacy.{DOMAIN}", "Type": "TXT", "TTL": 300,
                                                   "ResourceRecords": [{"Value": '"heritage=external-dns,external-dns/'
                                                                                 'owner=other-cluster"'}]}}]})
    kubectl(eks, namespace, "create", "namespace", namespace)
    kubectl(eks, namespace, "apply", "-f", "-", input=APP.format(certificate=certificate, domain=DOMAIN))
    time.sleep(1.5)  # several controller passes
    before = {"ingress": get(eks, namespace, "ingress", "web"), "albs": load_balancers(eks.boto3("elbv2"),
                                                                                         f"{namespace}/web")}
    vpc_id = ec2.describe_subnets()["Subnets"][0]["VpcId"]
    helm(eks, "install", "lbc", MIRROR / "eks" / "aws-load-balancer-controller-3.5.0.tgz", "-n", "kube-system",
         "--set", "clusterName=demo", "--set", "region=us-east-1", "--set", f"vpcId={vpc_id}", "--wait",
         "--timeout", "60s")
    helm(eks, "install", "edns", MIRROR / "external-dns" / "external-dns-1.21.1.tgz", "-n", "kube-system",
         "--set", "provider.name=aws", "--set", f"txtOwnerId={OWNER}", "--set", f"domainFilters={{{DOMAIN}}}",
         "--set", "policy=sync", "--wait", "--timeout", "60s")
    try:
        yield {"namespace": namespace, "before": before, "zone": zone_id, "certificate": certificate}
    finally:
        eks.kubectl("delete", "namespace", namespace, "--wait=false")
        helm(eks, "uninstall", "edns", "-n", "kube-system")
        helm(eks, "uninstall", "lbc", "-n", "kube-system")


def test_nothing_happens_before_the_controller_is_ready(setup):
    ingress = setup["before"]["ingress"]
    assert ingress["metadata"].get("finalizers") is None
    assert hostname(ingress) is None
    assert setup["before"]["albs"] == []


def test_ingress_gets_an_alb_its_hostname_and_a_dns_record(eks, setup):
    namespace = setup["namespace"]
    elbv2, ec2, route53 = eks.boto3("elbv2"), eks.boto3("ec2"), eks.boto3("route53")
    ingress = wait_until(lambda: (i := get(eks, namespace, "ingress", "web")) and hostname(i) and i, timeout=30)
    assert ingress["metadata"]["finalizers"] == ["ingress.k8s.aws/resources"]
    [alb] = load_balancers(elbv2, f"{namespace}/web")
    assert (alb["Type"], alb["Scheme"], alb["DNSName"]) == ("application", "internet-facing", hostname(ingress))
    assert alb["Tags"] == {"elbv2.k8s.aws/cluster": "demo", "ingress.k8s.aws/stack": f"{namespace}/web",
                           "ingress.k8s.aws/resource": "LoadBalancer"}
    assert alb["LoadBalancerName"].startswith(f"k8s-{namespace.replace('-', '')[:8]}-web-")
    listeners = {l["Port"]: l for l in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]}
    assert {p: l["Protocol"] for p, l in listeners.items()} == {80: "HTTP", 443: "HTTPS"}
    assert listeners[443]["Certificates"] == [{"CertificateArn": setup["certificate"]}]
    assert listeners[80]["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "404"
    [rule] = [r for r in elbv2.describe_rules(ListenerArn=listeners[80]["ListenerArn"])["Rules"] if not r["IsDefault"]]
    assert {c["Field"]: c.get("HostHeaderConfig", c.get("PathPatternConfig"))["Values"] for c in rule["Conditions"]} \
        == {"host-header": [f"www.{DOMAIN}"], "path-pattern": ["/*"]}
    tg_arn = rule["Actions"][0]["ForwardConfig"]["TargetGroups"][0]["TargetGroupArn"]
    [tg] = elbv2.describe_target_groups(TargetGroupArns=[tg_arn])["TargetGroups"]
    assert (tg["TargetType"], tg["Port"], tg["Protocol"]) == ("ip", 8080, "HTTP")
    tg_tags = {t["Key"]: t["Value"] for t in elbv2.describe_tags(ResourceArns=[tg_arn])["TagDescriptions"][0]["Tags"]}
    assert tg_tags["ingress.k8s.aws/resource"] == f"{namespace}/web-web:80"
    pods = json.loads(kubectl(eks, namespace, "get", "pods", "-l", "app=web", "-o", "json"))["items"]
    targets = elbv2.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    assert sorted((t["Target"]["Id"], t["Target"]["Port"]) for t in targets) == \
        sorted((p["status"]["podIP"], 8080) for p in pods)
    [group] = ec2.describe_security_groups(GroupIds=alb["SecurityGroups"])["SecurityGroups"]
    assert {t["Key"]: t["Value"] for t in group["Tags"]} == {
        "elbv2.k8s.aws/cluster": "demo", "ingress.k8s.aws/stack": f"{namespace}/web",
        "ingress.k8s.aws/resource": "ManagedLBSecurityGroup"}
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [80, 443]
    found = wait_until(lambda: (r := records(route53, setup["zone"])).get((f"www.{DOMAIN}", "A")) and r, timeout=15)
    assert found[(f"www.{DOMAIN}", "A")]["AliasTarget"] == {
        "HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": alb["DNSName"], "EvaluateTargetHealth": True}
    assert found[(f"cname-www.{DOMAIN}", "TXT")]["ResourceRecords"] == [{"Value": (
        f'"heritage=external-dns,external-dns/owner={OWNER},external-dns/resource=ingress/{namespace}/web"')}]


def test_changing_rules_updates_the_alb_and_the_records(eks, setup):
    namespace = setup["namespace"]
    elbv2, route53 = eks.boto3("elbv2"), eks.boto3("route53")
    kubectl(eks, namespace, "patch", "ingress", "web", "--type=json", "-p", json.dumps([
        {"op": "replace", "path": "/spec/rules/0/host", "value": f"shop.{DOMAIN}"},
        {"op": "replace", "path": "/spec/rules/0/http/paths/0/path", "value": "/cart"}]))

    def conditions():
        [alb] = load_balancers(elbv2, f"{namespace}/web")
        return [sorted((c["Field"], tuple(c.get("HostHeaderConfig", c.get("PathPatternConfig"))["Values"]))
                       for c in r["Conditions"])
                for l in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
                for r in elbv2.describe_rules(ListenerArn=l["ListenerArn"])["Rules"] if not r["IsDefault"]]

    wanted = [("host-header", (f"shop.{DOMAIN}",)), ("path-pattern", ("/cart", "/cart/*"))]
    assert wait_until(lambda: conditions() == [wanted, wanted], timeout=15)
    names = wait_until(lambda: (n := set(records(route53, setup["zone"]))) and (f"shop.{DOMAIN}", "A") in n
                       and (f"www.{DOMAIN}", "A") not in n and n, timeout=15)
    assert (f"cname-shop.{DOMAIN}", "TXT") in names and (f"cname-www.{DOMAIN}", "TXT") not in names
    assert {(f"legacy.{DOMAIN}", "A"), (f"a-legacy.{DOMAIN}", "TXT")} <= names  # another owner's


def test_service_gets_an_nlb_and_loses_it_when_deleted(eks, setup):
    namespace = setup["namespace"]
    elbv2, route53 = eks.boto3("elbv2"), eks.boto3("route53")
    kubectl(eks, namespace, "apply", "-f", "-", input=f"""\
apiVersion: v1
kind: Service
metadata:
  name: tcp
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
    external-dns.alpha.kubernetes.io/hostname: tcp.{DOMAIN}
spec:
  type: LoadBalancer
  loadBalancerClass: service.k8s.aws/nlb
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: http}}]
""")
    service = wait_until(lambda: (s := get(eks, namespace, "service", "tcp")) and hostname(s) and s, timeout=30)
    assert service["metadata"]["finalizers"] == ["service.k8s.aws/resources"]
    [nlb] = load_balancers(elbv2, f"{namespace}/tcp")
    assert (nlb["Type"], nlb["DNSName"], nlb["Tags"]["service.k8s.aws/resource"]) == \
        ("network", hostname(service), "LoadBalancer")
    assert nlb["DNSName"].endswith(".elb.us-east-1.amazonaws.com")
    [listener] = elbv2.describe_listeners(LoadBalancerArn=nlb["LoadBalancerArn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("TCP", 80)
    tg_arn = listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"][0]["TargetGroupArn"]
    [tg] = elbv2.describe_target_groups(TargetGroupArns=[tg_arn])["TargetGroups"]
    assert (tg["TargetType"], tg["Port"]) == ("instance", service["spec"]["ports"][0]["nodePort"])
    alias = wait_until(lambda: records(route53, setup["zone"]).get((f"tcp.{DOMAIN}", "A")), timeout=15)
    assert alias["AliasTarget"]["HostedZoneId"] == "Z26RNL4JYFTOTI"
    kubectl(eks, namespace, "delete", "service", "tcp", "--timeout=30s")
    assert load_balancers(elbv2, f"{namespace}/tcp") == []
    assert wait_until(lambda: (f"tcp.{DOMAIN}", "A") not in records(route53, setup["zone"]), timeout=15)


def test_other_load_balancer_services_get_eks_s_classic_load_balancer(eks, setup):
    """Not the controller's (no class, no `external` type): EKS's cloud provider makes a Classic Load Balancer,
    with its finalizer, security group and tags, and deletes them with the Service."""
    namespace = setup["namespace"]
    elb, ec2 = eks.boto3("elb"), eks.boto3("ec2")
    kubectl(eks, namespace, "create", "service", "loadbalancer", "classic", "--tcp=80:8080")
    service = wait_until(lambda: (s := get(eks, namespace, "service", "classic")) and hostname(s) and s, timeout=30)
    name = ("a" + service["metadata"]["uid"].replace("-", ""))[:32]
    assert service["metadata"]["finalizers"] == ["service.kubernetes.io/load-balancer-cleanup"]
    [clb] = elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"]
    assert (clb["DNSName"], clb["Scheme"]) == (hostname(service), "internet-facing")
    assert [d["Listener"]["InstancePort"] for d in clb["ListenerDescriptions"]] == \
        [service["spec"]["ports"][0]["nodePort"]]
    tags = {t["Key"]: t["Value"] for t in elb.describe_tags(LoadBalancerNames=[name])["TagDescriptions"][0]["Tags"]}
    assert tags == {"kubernetes.io/service-name": f"{namespace}/classic", "kubernetes.io/cluster/demo": "owned"}
    [group] = ec2.describe_security_groups(GroupIds=clb["SecurityGroups"])["SecurityGroups"]
    assert group["GroupName"] == f"k8s-elb-{name}" and [p["FromPort"] for p in group["IpPermissions"]] == [80]
    kubectl(eks, namespace, "delete", "service", "classic", "--timeout=30s")
    assert name not in {d["LoadBalancerName"] for d in elb.describe_load_balancers()["LoadBalancerDescriptions"]}
    assert ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"k8s-elb-{name}"]}])[
        "SecurityGroups"] == []


GROUPED = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  annotations: {{alb.ingress.kubernetes.io/group.name: {group}, alb.ingress.kubernetes.io/group.order: "{order}"}}
spec:
  ingressClassName: alb
  rules:
  - host: {name}.{domain}
    http:
      paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]
"""


def test_an_ingress_group_shares_one_alb(eks, setup):
    namespace = setup["namespace"]
    group = f"{namespace}-group"
    elbv2 = eks.boto3("elbv2")
    for order, name in enumerate(("cart", "pay"), start=1):
        kubectl(eks, namespace, "apply", "-f", "-",
                input=GROUPED.format(name=name, group=group, order=order, domain=DOMAIN))

    def published():
        found = [get(eks, namespace, "ingress", name) for name in ("cart", "pay")]
        return all(hostname(i) for i in found) and found

    ingresses = wait_until(published, timeout=30)
    [alb] = load_balancers(elbv2, group)
    assert {hostname(i) for i in ingresses} == {alb["DNSName"]}
    assert [i["metadata"]["finalizers"] for i in ingresses] == [[f"group.ingress.k8s.aws/{group}"]] * 2

    def hosts():
        [listener] = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
        return [c["HostHeaderConfig"]["Values"][0] for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])
                ["Rules"] for c in r["Conditions"] if c["Field"] == "host-header"]

    assert hosts() == [f"cart.{DOMAIN}", f"pay.{DOMAIN}"]  # in group.order
    kubectl(eks, namespace, "delete", "ingress", "cart", "--timeout=30s")
    assert hosts() == [f"pay.{DOMAIN}"] and load_balancers(elbv2, group) != []
    kubectl(eks, namespace, "delete", "ingress", "pay", "--timeout=30s")
    assert load_balancers(elbv2, group) == []


def test_deleted_ingress_waits_for_the_controller_then_everything_goes(eks, setup):
    """Like on EKS: with the controller gone, the Ingress stays Terminating on its finalizer and its ALB stays;
    once the controller is back, the ALB, listeners, rules, target groups and security group are deleted, then the
    finalizer, then external-dns removes the records."""
    namespace = setup["namespace"]
    elbv2, ec2, route53 = eks.boto3("elbv2"), eks.boto3("ec2"), eks.boto3("route53")
    [alb] = load_balancers(elbv2, f"{namespace}/web")
    kubectl(eks, "kube-system", "scale", "deployment", LBC, "--replicas=0")
    kubectl(eks, namespace, "delete", "ingress", "web", "--wait=false")
    time.sleep(1.5)
    terminating = get(eks, namespace, "ingress", "web")
    assert terminating["metadata"]["deletionTimestamp"]
    assert terminating["metadata"]["finalizers"] == ["ingress.k8s.aws/resources"]
    assert load_balancers(elbv2, f"{namespace}/web") != []
    kubectl(eks, "kube-system", "scale", "deployment", LBC, "--replicas=2")
    kubectl(eks, namespace, "wait", "--for=delete", "ingress/web", "--timeout=30s")
    assert load_balancers(elbv2, f"{namespace}/web") == []
    stack = [{"Name": "tag:ingress.k8s.aws/stack", "Values": [f"{namespace}/web"]}]
    assert ec2.describe_security_groups(Filters=stack)["SecurityGroups"] == []
    stacks = {t["Value"] for g in elbv2.describe_target_groups()["TargetGroups"]
              for t in elbv2.describe_tags(ResourceArns=[g["TargetGroupArn"]])["TagDescriptions"][0]["Tags"]
              if t["Key"] == "ingress.k8s.aws/stack"}
    assert f"{namespace}/web" not in stacks
    assert wait_until(lambda: (f"shop.{DOMAIN}", "A") not in records(route53, setup["zone"]), timeout=15)
    remaining = {lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]}
    assert alb["LoadBalancerArn"] not in remaining
