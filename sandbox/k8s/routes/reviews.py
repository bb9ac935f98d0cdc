"""SelfSubjectReview (who am I), SelfSubjectAccessReview (may I) and SelfSubjectRulesReview (what may I), answered
from EKS access policies, the way RBAC answers them for the Kubernetes roles those policies stand for."""

from __future__ import annotations

from .. import kinds
from ..auth import principal_of
from ..rbac import groups_of
from ..errors import bad_request
from .exchange import Exchange

KINDS = ("selfsubjectaccessreviews", "selfsubjectreviews", "selfsubjectrulesreviews")
WILDCARD = "*"


def review(exchange: Exchange, rtype, body) -> dict:
    if not isinstance(body, dict):
        raise bad_request("the request body must be an object")
    result = {**body, "apiVersion": rtype.api_version, "kind": rtype.kind,
              "metadata": {**(body.get("metadata") or {}), "creationTimestamp": None}}
    if rtype.plural == "selfsubjectreviews":
        if exchange.is_service_account:
            result["status"] = {"userInfo": {"username": exchange.user, "groups": groups_of(exchange.user)}}
        else:
            result["status"] = {"userInfo": {"username": exchange.user, "groups": ["system:authenticated"],
                                             "extra": {"arn": [exchange.user],
                                                       "canonicalArn": [principal_of(exchange.user)]}}}
        return result
    if rtype.plural == "selfsubjectrulesreviews":
        result["status"] = _rules(exchange, (body.get("spec") or {}).get("namespace") or None)
        return result
    attributes = (body.get("spec") or {}).get("resourceAttributes")
    if not isinstance(attributes, dict):  # non-resource URLs (discovery, /version) are open to everyone
        result["status"] = {"allowed": True}
        return result
    group, resource, verb = (attributes.get(k) or "" for k in ("group", "resource", "verb"))
    targets = [t for t in _types(exchange) if group in (WILDCARD, t.group) and resource in (WILDCARD, t.plural)
               and (attributes.get("version") or t.version) in (WILDCARD, t.version)]
    if not targets:
        result["status"] = {"allowed": False, "reason": "no such resource"}
        return result
    namespace = attributes.get("namespace") or None
    allowed = all(exchange.allowed(v, t, namespace) for t in targets for v in (t.verbs if verb == WILDCARD else [verb]))
    result["status"] = {"allowed": allowed, **({} if allowed else {"reason": "not allowed by EKS access policies"})}
    return result


def _types(exchange: Exchange) -> list:
    """Each served resource once, in the version it is stored in (a second served version names the same objects)."""
    return [t for t in exchange.objects.resource_types() if kinds.stored_type(t) is t]


def _rules(exchange: Exchange, namespace: str | None) -> dict:
    """The rules that hold in `namespace`: one wildcard rule when every verb on every resource is allowed, else
    per group the resources sharing a set of allowed verbs."""
    allowed: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    everything = True
    for rtype in _types(exchange):
        # From the access entries as cached (a refusal refreshes them; hundreds of refusals must not).
        verbs = tuple(v for v in rtype.verbs if exchange.permits(v, rtype, namespace if rtype.namespaced else None))
        everything = everything and verbs == rtype.verbs
        if verbs:
            allowed.setdefault((rtype.group, verbs), []).append(rtype.plural)
    if everything:
        return {"resourceRules": [{"verbs": [WILDCARD], "apiGroups": [WILDCARD], "resources": [WILDCARD]}],
                "nonResourceRules": [{"verbs": [WILDCARD], "nonResourceURLs": [WILDCARD]}], "incomplete": False}
    return {"resourceRules": [{"verbs": list(verbs), "apiGroups": [group], "resources": sorted(resources)}
                              for (group, verbs), resources in sorted(allowed.items())],
            "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": [
                "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz",
                "/version", "/version/"]}],
            "incomplete": False}
