"""Discovery routes: the root path list, /version, /api, /apis (legacy and aggregated v2), /openapi."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import discovery, metrics, openapi, openapi_v2
from ..errors import ApiError
from .exchange import Exchange, json_response

ROOT_PATHS = ["/api", "/api/v1", "/apis", "/openapi/v2", "/openapi/v3", "/version", "/healthz"]


def not_found() -> ApiError:
    return ApiError(404, "the server could not find the requested resource")


def version(exchange: Exchange) -> dict:
    major, _, minor = exchange.info.version.partition(".")
    return {"major": major, "minor": minor, "gitVersion": f"v{exchange.info.version}.0-eks-sandbox",
            "gitCommit": "0" * 40, "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.24.0", "compiler": "gc", "platform": "linux/amd64",
            "emulationMajor": major, "emulationMinor": minor}


def _served(exchange: Exchange) -> list:
    """The kinds discovery lists: stored ones and the aggregated metrics API while it is available."""
    return exchange.objects.resource_types() + metrics.served_types(exchange.objects)


def root(exchange: Exchange, core: bool) -> Response:
    """/api or /apis."""
    types = _served(exchange)
    if _wants_aggregated(exchange.request.headers.get("Accept") or ""):
        response = json_response(discovery.aggregated(types, core), content_type=discovery.AGGREGATED_CONTENT_TYPE)
        response.headers["Vary"] = "Accept"
        return response
    if core:
        return exchange.respond(discovery.api_versions(exchange.request.host))
    return exchange.respond(discovery.api_group_list(types))


def group(exchange: Exchange, name: str) -> Response:
    """/apis/<group>."""
    found = discovery.api_group(_served(exchange), name)
    if found is None:
        raise not_found()
    return exchange.respond(found)


def resource_list(exchange: Exchange, group_name: str, version_name: str) -> Response:
    """/api/<version> or /apis/<group>/<version>."""
    listing = discovery.api_resource_list(_served(exchange), group_name, version_name)
    if listing is None:
        raise not_found()
    return exchange.respond(listing)


def openapi_document(exchange: Exchange, parts: list[str]) -> Response:
    """/openapi/v2, /openapi/v3 and its per group-version documents."""
    types = exchange.objects.resource_types()
    if parts == ["v3"]:
        return exchange.respond(openapi.index(types, exchange.prefix))
    if parts == ["v2"]:
        as_json, as_protobuf, etag = openapi_v2.document(types, version(exchange)["gitVersion"])
        if etag in (exchange.request.headers.get("If-None-Match") or ""):
            return Response(status=304, headers={"ETag": etag})
        if exchange.accepts("protobuf"):
            return Response(as_protobuf, content_type=openapi_v2.PROTOBUF_TYPE, headers={"ETag": etag})
        return Response(as_json, content_type="application/json", headers={"ETag": etag})
    if len(parts) >= 3 and parts[0] == "v3":
        if parts[1] == "api" and len(parts) == 3:
            found = openapi.document(types, "", parts[2])
        elif parts[1] == "apis" and len(parts) == 4:
            found = openapi.document(types, parts[2], parts[3])
        else:
            found = None
        if found:
            return exchange.respond(found[0])
    raise not_found()


def _wants_aggregated(accept: str) -> bool:
    for media_range in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in media_range.split(";")[1:])
        if params.get("g") == "apidiscovery.k8s.io" and params.get("v") == "v2" and \
                params.get("as") == "APIGroupDiscoveryList":
            return True
    return False
