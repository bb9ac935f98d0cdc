"""Pure mapping logic of the simulated AWS Load Balancer Controller and external-dns (no sandbox needed)."""

from __future__ import annotations

import pytest

from sandbox.k8s.controllers import external_dns as dns
from sandbox.k8s.controllers import load_balancers_model as model
from sandbox.k8s.controllers.services import load_balancer_name

FLAGS = model.Flags("demo")


def ingress(name: str, annotations: dict | None = None, paths=(("/", "Prefix"),), host="a.example.com", **meta):
    return {"metadata": {"namespace": "shop", "name": name, "annotations": annotations or {}, **meta},
            "spec": {"ingressClassName": "alb", "rules": [{"host": host, "http": {"paths": [
                {"path": p, "pathType": t, "backend": {"service": {"name": "web", "port": {"number": 80}}}}
                for p, t in paths]}}]}}


CLUSTER = model.Cluster(
    services={("shop", "web"): {"metadata": {"namespace": "shop", "name": "web", "uid": "u-1"},
                                "spec": {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": 8080,
                                                                        "nodePort": 30080}]}}},
    endpoints={}, instance_ids=("i-1", "i-2"))


def test_paths_become_the_controller_s_path_patterns():
    stack = model.ingress_stack("shop/web", False, [ingress("web", paths=(("/", "Prefix"), ("/api/", "Prefix"),
                                                                           ("/exact", "Exact")))], CLUSTER, FLAGS)
    [listener] = stack.listeners
    assert (listener.port, listener.protocol, listener.default_target_group) == (80, "HTTP", None)
    assert [dict(r.conditions)["path-pattern"] for r in listener.rules] == [("/*",), ("/api", "/api/*"), ("/exact",)]
    assert [r.priority for r in listener.rules] == [1, 2, 3]
    assert dict(listener.rules[0].conditions)["host-header"] == ("a.example.com",)


def test_names_tags_and_instance_targets():
    stack = model.ingress_stack("shop/web", False, [ingress("web")], CLUSTER, FLAGS)
    assert stack.scheme == "internal"  # the controller's default
    assert stack.lb_name.startswith("k8s-shop-web-") and len(stack.lb_name) == len("k8s-shop-web-") + 10
    assert stack.tags("LoadBalancer") == {"elbv2.k8s.aws/cluster": "demo", "ingress.k8s.aws/stack": "shop/web",
                                          "ingress.k8s.aws/resource": "LoadBalancer"}
    [tg] = stack.target_groups
    assert (tg.resource_id, tg.target_type, tg.port, tg.targets) == \
        ("shop/web-web:80", "instance", 30080, (("i-1", 30080), ("i-2", 30080)))
    assert stack.sg_ingress == (("tcp", 80, "0.0.0.0/0"),)


def test_a_certificate_makes_https_443_the_default_listener():
    stack = model.ingress_stack("shop/web", False, [ingress("web", {model.ALB + "certificate-arn": "arn:c"})],
                                CLUSTER, FLAGS)
    assert [(l.port, l.protocol, l.certificates) for l in stack.listeners] == [(443, "HTTPS", ("arn:c",))]


def test_a_group_shares_one_load_balancer_in_group_order():
    group = {model.ALB + "group.name": "shop"}
    first = ingress("b", {**group, model.ALB + "group.order": "1"}, host="b.example.com")
    second = ingress("a", {**group, model.ALB + "group.order": "2"}, host="a.example.com")
    stack = model.ingress_stack("shop", True, [second, first], CLUSTER, FLAGS)
    assert stack.lb_name.startswith("k8s-shop-") and stack.members == (("shop", "b"), ("shop", "a"))
    assert [dict(r.conditions)["host-header"] for r in stack.listeners[0].rules] == [("b.example.com",),
                                                                                      ("a.example.com",)]
    assert model.group_of(first) == ("shop", True)
    assert model.group_finalizer("shop", True) == "group.ingress.k8s.aws/shop"
    assert model.stacks_of_finalizers(ingress("x", finalizers=["group.ingress.k8s.aws/shop", "other"])) == ["shop"]
    assert model.stacks_of_finalizers(ingress("x", finalizers=["ingress.k8s.aws/resources"])) == ["shop/x"]


@pytest.mark.parametrize("annotations, message", [
    ({model.ALB + "listen-ports": "80"}, "listen-ports"),
    ({model.ALB + "listen-ports": '[{"HTTPS": 443}]'}, "certificate-arn"),
    ({model.ALB + "scheme": "public"}, "scheme"),
])
def test_bad_annotations_fail_the_model_with_a_reason(annotations, message):
    with pytest.raises(model.ModelError, match=message):
        model.ingress_stack("shop/web", False, [ingress("web", annotations)], CLUSTER, FLAGS)


def test_which_ingresses_and_services_the_controller_handles():
    classes = {"alb": {"metadata": {"name": "alb"}, "spec": {"controller": model.INGRESS_CONTROLLER}},
               "nginx": {"metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}}}
    other = ingress("web")
    other["spec"]["ingressClassName"] = "nginx"
    assert model.ingress_class_matches(ingress("web"), classes, FLAGS)
    assert not model.ingress_class_matches(other, classes, FLAGS)
    lb = {"metadata": {"annotations": {}}, "spec": {"type": "LoadBalancer"}}
    assert not model.service_handled(lb)  # the in-tree cloud provider's (a CLB)
    assert model.service_handled({**lb, "spec": {"type": "LoadBalancer", "loadBalancerClass": model.NLB_CLASS}})
    assert model.service_handled({"metadata": {"annotations": {model.SVC + "aws-load-balancer-type": "external"}},
                                  "spec": {"type": "LoadBalancer"}})
    assert load_balancer_name("12345678-aaaa-bbbb-cccc-1234567890ab") == "a12345678aaaabbbbcccc1234567890a"


def test_external_dns_flags_and_txt_names():
    deployment = {"spec": {"template": {"spec": {"containers": [{"args": [
        "--source=service", "--source=ingress", "--policy=upsert-only", "--txt-owner-id=demo",
        "--domain-filter=example.com", "--provider=aws", "--interval=1m", "--txt-prefix=reg-"]}]}}}}
    config = dns.settings(deployment)
    assert (config.sources, config.policy, config.owner, config.domain_filters, config.interval) == \
        (("service", "ingress"), "upsert-only", "demo", ("example.com",), 60.0)
    assert dns.txt_name("www.example.com", "ALIAS", config) == "reg-cname-www.example.com"
    assert dns.txt_name("www.example.com", "A", dns.Settings()) == "a-www.example.com"
    assert dns.owner_of('"heritage=external-dns,external-dns/owner=demo,external-dns/resource=ingress/a/b"') == "demo"
    assert dns.owner_of('"v=spf1 -all"') is None


def test_external_dns_plan_touches_only_its_own_records():
    config = dns.Settings(sources=("ingress",), owner="demo")
    alb = "k8s-shop-web-1-123.us-east-1.elb.amazonaws.com"
    wanted = {"new.example.com": dns.Endpoint("new.example.com", "ALIAS", (alb,), "ingress/shop/web")}
    mine = {"Name": "old.example.com.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.1"}]}
    theirs = {"Name": "keep.example.com.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.2"}]}
    records = [mine, theirs,
               {"Name": "a-old.example.com.", "Type": "TXT", "TTL": 300, "ResourceRecords": [
                   {"Value": dns.txt_value("demo", "ingress/shop/old")}]},
               {"Name": "a-keep.example.com.", "Type": "TXT", "TTL": 300, "ResourceRecords": [
                   {"Value": dns.txt_value("someone-else", "ingress/x/y")}]}]
    changes = dns.plan(wanted, records, config, "us-east-1")
    assert [(c["Action"], c["ResourceRecordSet"]["Name"], c["ResourceRecordSet"]["Type"]) for c in changes] == [
        ("DELETE", "old.example.com.", "A"), ("DELETE", "a-old.example.com.", "TXT"),
        ("CREATE", "new.example.com.", "A"), ("CREATE", "cname-new.example.com.", "TXT")]
    assert changes[2]["ResourceRecordSet"]["AliasTarget"]["HostedZoneId"] == "Z35SXDOTRQ7X7K"
    upsert_only = dns.plan(wanted, records, dns.Settings(sources=("ingress",), owner="demo", policy="upsert-only"),
                           "us-east-1")
    assert [c["Action"] for c in upsert_only] == ["CREATE", "CREATE"]
