"""TokenRequest: POST .../serviceaccounts/<name>/token (`kubectl create token`), a bound token for the account."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import kinds, service_accounts
from ..errors import bad_request, invalid
from ..objects import timestamp
from .exchange import Exchange

TOKEN_REQUEST = kinds.ResourceType(*kinds.TOKEN_REQUEST_KIND, "token", True)


def serve(exchange: Exchange, rtype, namespace: str, name: str) -> Response:
    body = exchange.body(exchange.content_type)
    if not isinstance(body, dict):
        raise bad_request("the request body must be a TokenRequest")
    account = exchange.objects.get(rtype, namespace, name)
    spec = dict(body.get("spec") or {})
    seconds = spec.get("expirationSeconds") or service_accounts.DEFAULT_SECONDS
    if not isinstance(seconds, int) or seconds < service_accounts.MIN_SECONDS:
        raise _invalid_duration(seconds, "less than 10 minutes")
    if seconds > service_accounts.MAX_SECONDS:
        raise _invalid_duration(seconds, "larger than 2^32 seconds")
    spec["audiences"] = spec.get("audiences") or [service_accounts.API_AUDIENCE]
    spec["expirationSeconds"] = seconds
    spec.setdefault("boundObjectRef", None)
    token, expires = service_accounts.bound_token(exchange.info, account, spec["audiences"], seconds)
    return exchange.respond({
        "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": timestamp()}, "spec": spec,
        "status": {"token": token, "expirationTimestamp": service_accounts.expiry_timestamp(expires)}}, 201)


def _invalid_duration(seconds, limit: str):
    return invalid(TOKEN_REQUEST, "", [("FieldValueInvalid", "spec.expirationSeconds",
                                        f"Invalid value: {seconds}: may not specify a duration {limit}")])
