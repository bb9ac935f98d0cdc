"""SelfSubjectReview (who am I) and SelfSubjectAccessReview (may I), answered from EKS access policies."""

from __future__ import annotations

from ..auth import principal_of
from ..errors import bad_request
from .exchange import Exchange

KINDS = ("selfsubjectaccessreviews", "selfsubjectreviews")


def review(exchange: Exchange, rtype, body) -> dict:
    if not isinstance(body, dict):
        raise bad_request("the request body must be an object")
    result = {**body, "apiVersion": rtype.api_version, "kind": rtype.kind,
              "metadata": {**(body.get("metadata") or {}), "creationTimestamp": None}}
    if rtype.plural == "selfsubjectreviews":
        result["status"] = {"userInfo": {"username": exchange.user, "groups": ["system:authenticated"],
                                         "extra": {"arn": [exchange.user],
                                                   "canonicalArn": [principal_of(exchange.user)]}}}
        return result
    attributes = (body.get("spec") or {}).get("resourceAttributes")
    if not isinstance(attributes, dict):  # non-resource URLs (discovery, /version) are open to everyone
        result["status"] = {"allowed": True}
        return result
    objects = exchange.objects
    target = objects.resolve(attributes.get("group", ""), attributes.get("version") or "",
                             attributes.get("resource", "")) or next(
        (t for t in objects.resource_types()
         if (t.group, t.plural) == (attributes.get("group", ""), attributes.get("resource"))), None)
    if target is None:
        result["status"] = {"allowed": False, "reason": "no such resource"}
        return result
    allowed = exchange.allowed(attributes.get("verb", ""), target, attributes.get("namespace") or None)
    result["status"] = {"allowed": allowed, **({} if allowed else {"reason": "not allowed by EKS access policies"})}
    return result
