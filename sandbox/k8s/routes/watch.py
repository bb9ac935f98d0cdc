"""Watch requests: option checks, a watch of one named object as a field selector, the event stream."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..errors import ApiError
from ..watch import client_gone_check, stream
from .exchange import JSON, Exchange


def serve(exchange: Exchange, rtype, namespace: str, name: str | None) -> Response:
    args = exchange.args
    if "sendInitialEvents" in args and args.get("resourceVersionMatch") != "NotOlderThan":
        why = "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
        raise ApiError(422, f'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: {why}', details={
            "group": "meta.k8s.io", "kind": "ListOptions",
            "causes": [{"reason": "FieldValueForbidden", "message": why, "field": "resourceVersionMatch"}]})
    params = args.to_dict()
    if name:
        selector = f"metadata.name={name}"
        extra = args.get("fieldSelector")
        params["fieldSelector"] = f"{selector},{extra}" if extra else selector
    events = stream(exchange.objects, rtype, namespace or None, params, exchange.app.shutdown,
                    client_gone_check(exchange.request.environ.get("werkzeug.socket")))
    return Response(events, content_type=JSON, direct_passthrough=True)
