"""CloudFront distributions as the Terraform AWS provider reads them back; moto 5.2.5 differs in three ways.

Real CloudFront:
- returns each origin's OriginAccessControlId as it was set (moto drops it: the bucket origin loses its OAC);
- leaves out ForwardedValues (and the legacy TTLs) of a cache behaviour that names a CachePolicyId (moto adds
  ForwardedValues with Forward=none);
- leaves out SSLSupportMethod when the distribution uses the default *.cloudfront.net certificate (moto answers
  sni-only).
The fix remembers the OAC ids of the request's origins per distribution and edits moto's XML answers.
Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.query import edit_xml

WRITES = ("CreateDistribution", "CreateDistributionWithTags", "UpdateDistribution")
READS = ("GetDistribution", "GetDistributionConfig", "ListDistributions")
LEGACY_WITH_CACHE_POLICY = ("ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL")


def local(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element.iter() if local(child) == name]


def first_text(element: ElementTree.Element, name: str) -> str:
    found = children(element, name)
    return (found[0].text or "") if found else ""


class CloudFrontFixes(Extension):
    def __init__(self) -> None:
        self.access_controls: dict[str, dict[str, str]] = {}  # distribution id -> origin id -> OAC id

    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "cloudfront" or call.action not in WRITES + READS:
            return None
        requested = {}
        if call.action in WRITES:
            config = ElementTree.fromstring(request.get_data())
            requested = {first_text(origin, "Id"): first_text(origin, "OriginAccessControlId")
                         for origin in children(config, "Origin")}
        answer = self.ask_moto(request)
        if answer.status_code not in (200, 201):
            return answer
        return edit_xml_any(answer, lambda root, _: self.edit(call, root, requested))

    def edit(self, call: Call, root: ElementTree.Element, requested: dict[str, str]) -> None:
        distributions = [root] if local(root) != "DistributionList" else children(root, "DistributionSummary")
        for distribution in distributions:
            distribution_id = first_text(distribution, "Id") or call.params.get("Id", "")
            if call.action in WRITES:
                self.access_controls[distribution_id] = {key: value for key, value in requested.items() if value}
            controls = self.access_controls.get(distribution_id, {})
            for origin in children(distribution, "Origin"):
                oac = next((child for child in origin if local(child) == "OriginAccessControlId"), None)
                if oac is None:
                    oac = ElementTree.SubElement(origin, origin.tag.replace("Origin", "OriginAccessControlId"))
                oac.text = controls.get(first_text(origin, "Id"), "")
            for behavior in children(distribution, "DefaultCacheBehavior") + children(distribution, "CacheBehavior"):
                if first_text(behavior, "CachePolicyId"):
                    for child in [child for child in behavior if local(child) in LEGACY_WITH_CACHE_POLICY]:
                        behavior.remove(child)
            for certificate in children(distribution, "ViewerCertificate"):
                if first_text(certificate, "CloudFrontDefaultCertificate") == "true":
                    for child in [child for child in certificate if local(child) == "SSLSupportMethod"]:
                        certificate.remove(child)

    def reset(self) -> None:
        self.access_controls.clear()


def edit_xml_any(response: Response, edit) -> Response:
    """edit_xml for CloudFront, whose creations answer 201."""
    status = response.status_code
    response.status_code = 200
    edited = edit_xml(response, edit)
    edited.status_code = status
    return edited


EXTENSION = CloudFrontFixes()
