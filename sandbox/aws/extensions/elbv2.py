"""Where moto 5.2.5's Elastic Load Balancing (ELBv2 and classic) differs from real AWS in what the simulated cloud
controllers and external-dns rely on: a load balancer's DNS name and its canonical hosted zone (the alias target of
its Route53 records). Tests: sandbox/tests/test_aws_elbv2_fixes.py.

moto names every ELBv2 load balancer `<name>-1.<region>.elb.amazonaws.com` in the made-up zone `Z2P70J7EXAMPLE`,
and every classic one `<name>.us-east-1.elb.amazonaws.com` without a zone id. AWS names an Application or Classic
Load Balancer `[internal-]<name>-<number>.<region>.elb.amazonaws.com` and a Network Load Balancer
`<name>-<hex>.elb.<region>.amazonaws.com`, each in its region's zone for that type (AWS General Reference,
"Elastic Load Balancing endpoints and quotas"; external-dns keys its alias targets on these).

An ELBv2 CreateLoadBalancer without Scheme makes an internet-facing load balancer (AWS's default, which the
Terraform provider relies on: it sends Scheme only for an internal one); moto stores no scheme then and describes
none.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ElementTree

from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.query import edit_xml, with_form

ELBV2_VERSION = "2015-12-01"  # the classic ELB API (2012-06-01) shares the signing name and action names
CLASSIC_VERSION = "2012-06-01"

# Region -> (Application/Classic Load Balancer zone, Network Load Balancer zone), from the AWS General Reference.
CANONICAL_ZONES = {
    "us-east-1": ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
    "us-east-2": ("Z3AADJGX6KTTL2", "ZLMOA37VPKANP"),
    "us-west-1": ("Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"),
    "us-west-2": ("Z1H1FL5HABSF5", "Z18D5FSROUN65G"),
    "eu-west-1": ("Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"),
    "eu-west-2": ("ZHURV8PSTC4K8", "ZD4D7Y8KGAS4G"),
    "eu-central-1": ("Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"),
}


def dns_name(arn: str, name: str, lb_type: str, scheme: str, region: str) -> str:
    """The DNS name AWS gives a load balancer (stable: derived from its ARN, or a classic one's name)."""
    digest = hashlib.sha256(arn.encode()).hexdigest()
    if lb_type == "network":
        return f"{name}-{digest[:16]}.elb.{region}.amazonaws.com"
    prefix = "internal-" if scheme == "internal" else ""
    return f"{prefix}{name}-{int(digest, 16) % 10**10}.{region}.elb.amazonaws.com"


def canonical_zone(region: str, lb_type: str) -> str | None:
    zones = CANONICAL_ZONES.get(region)
    return None if zones is None else zones[1 if lb_type == "network" else 0]


class Elbv2Fixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "elasticloadbalancing" or \
                call.action not in ("CreateLoadBalancer", "DescribeLoadBalancers"):
            return None
        if call.params.get("Version") == CLASSIC_VERSION:
            return self._classic(call, request)
        if call.params.get("Version") != ELBV2_VERSION:
            return None
        if call.action == "CreateLoadBalancer" and not call.params.get("Scheme"):
            request = with_form(request, {**call.params, "Scheme": "internet-facing"})

        def rename(root: ElementTree.Element, namespace: str) -> None:
            for member in root.iter(f"{namespace}member"):
                arn = member.find(f"{namespace}LoadBalancerArn")
                if arn is None:
                    continue
                lb_type = member.findtext(f"{namespace}Type", "application")
                name = member.findtext(f"{namespace}LoadBalancerName", "")
                scheme = member.findtext(f"{namespace}Scheme", "internet-facing")
                dns = member.find(f"{namespace}DNSName")
                if dns is not None:
                    dns.text = dns_name(arn.text or "", name, lb_type, scheme, call.region)
                zone = member.find(f"{namespace}CanonicalHostedZoneId")
                if zone is not None:
                    zone.text = canonical_zone(call.region, lb_type) or zone.text

        return edit_xml(self.ask_moto(request), rename)

    def _classic(self, call: Call, request: Request) -> Response:
        def rename(root: ElementTree.Element, namespace: str) -> None:
            if call.action == "CreateLoadBalancer":
                for dns in root.iter(f"{namespace}DNSName"):
                    dns.text = dns_name(call.params.get("LoadBalancerName", ""), call.params["LoadBalancerName"],
                                        "classic", call.params.get("Scheme", "internet-facing"), call.region)
                return
            for member in root.iter(f"{namespace}member"):
                name = member.findtext(f"{namespace}LoadBalancerName")
                dns = member.find(f"{namespace}DNSName")
                if name is None or dns is None:
                    continue
                dns.text = dns_name(name, name, "classic", member.findtext(f"{namespace}Scheme", "internet-facing"),
                                    call.region)
                hosted_name = member.find(f"{namespace}CanonicalHostedZoneName")
                if hosted_name is not None:
                    hosted_name.text = dns.text
                zone = member.find(f"{namespace}CanonicalHostedZoneNameID")
                if zone is None:
                    zone = ElementTree.SubElement(member, f"{namespace}CanonicalHostedZoneNameID")
                zone.text = canonical_zone(call.region, "classic") or "Z2P70J7EXAMPLE"

        return edit_xml(self.ask_moto(request), rename)


EXTENSION = Elbv2Fixes()
