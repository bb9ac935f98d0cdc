"""The paths under /clusters/<region>/<name>: discovery, then resource paths, authorized per verb and
served by rest.py (reads and writes) or watch.py (streams)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import kinds, metrics
from ..errors import ApiError, forbidden
from ..selectors import check_query
from . import containers, discovery, rest, tokens, watch
from .exchange import Exchange

_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def dispatch(exchange: Exchange, path: str) -> Response:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return exchange.respond({"paths": discovery.ROOT_PATHS})
    if parts[0] in ("healthz", "livez", "readyz"):
        return Response("ok", content_type="text/plain")
    if parts == ["version"]:
        return exchange.respond(discovery.version(exchange))
    if parts[0] == "openapi":
        return discovery.openapi_document(exchange, parts[1:])
    if parts[0] == "api":
        if len(parts) == 1:
            return discovery.root(exchange, core=True)
        return _api_path(exchange, "", parts[1], parts[2:])
    if parts[0] == "apis":
        if len(parts) == 1:
            return discovery.root(exchange, core=False)
        if len(parts) == 2:
            return discovery.group(exchange, parts[1])
        return _api_path(exchange, parts[1], parts[2], parts[3:])
    raise discovery.not_found()


def _api_path(exchange: Exchange, group: str, version: str, segments: list[str]) -> Response:
    if not segments:
        return discovery.resource_list(exchange, group, version)
    is_watch = segments[0] == "watch"
    if is_watch:
        segments = segments[1:]
    namespace = None
    if len(segments) >= 3 and segments[0] == "namespaces" and not (len(segments) == 3 and
                                                                  segments[2] in ("status", "finalize")):
        namespace, segments = segments[1], segments[2:]
    if not segments or len(segments) > 3:
        raise discovery.not_found()
    plural, name = segments[0], segments[1] if len(segments) > 1 else None
    subresource = segments[2] if len(segments) > 2 else ""
    if (group, version) == (metrics.GROUP, metrics.VERSION):
        return _metrics(exchange, plural, namespace, name, is_watch or bool(subresource))
    rtype = exchange.objects.resolve(group, version, plural)
    if rtype is containers.PODS and namespace and name and subresource in containers.SUBRESOURCES:
        verb = containers.verb(exchange.request.method, subresource)
        if not exchange.allowed(verb, rtype, namespace):
            raise forbidden(exchange.user, verb, rtype, namespace, name)
        return containers.serve(exchange, namespace, name, subresource)
    if rtype is None or (namespace is not None and not rtype.namespaced) or \
            (subresource and subresource not in rtype.subresources) or (is_watch and subresource):
        raise discovery.not_found()
    if rtype.namespaced and namespace is None and name is not None:
        raise discovery.not_found()
    deprecated = kinds.deprecation(rtype, exchange.info.version)
    if deprecated:
        exchange.warnings.append(deprecated)
    verb = _verb(exchange, name, is_watch, subresource)
    if verb not in rtype.verbs:
        raise ApiError(405, "the server does not allow this method on the requested resource")
    if not exchange.allowed(verb, rtype, namespace):
        raise forbidden(exchange.user, verb, rtype, namespace, name or "")
    if verb in ("list", "watch", "deletecollection"):
        check_query(exchange.args, rtype)
    if verb == "watch":
        return watch.serve(exchange, rtype, namespace or "", name)
    if subresource == "token":
        return tokens.serve(exchange, rtype, namespace or "", name)
    return rest.serve(exchange, verb, rtype, namespace or "", name, subresource)


def _metrics(exchange: Exchange, plural: str, namespace: str | None, name: str | None, unsupported: bool) -> Response:
    """NodeMetrics and PodMetrics, as the aggregator proxies them to metrics-server (get and list only)."""
    rtype = next((t for t in metrics.TYPES if t.plural == plural), None)
    if rtype is None or unsupported or (namespace is not None and not rtype.namespaced):
        raise discovery.not_found()
    verb = "get" if name else "list"
    if exchange.request.method != "GET" or (verb == "list" and exchange.args.get("watch") in ("true", "1")):
        raise ApiError(405, "the server does not allow this method on the requested resource")
    if not exchange.allowed(verb, rtype, namespace):
        raise forbidden(exchange.user, verb, rtype, namespace, name or "")
    return exchange.respond(metrics.serve(exchange.objects, verb, rtype, namespace, name,
                                          exchange.args.get("labelSelector")))


def _verb(exchange: Exchange, name, is_watch: bool, subresource: str) -> str:
    method = exchange.request.method
    if subresource == "token":  # create-only: a TokenRequest is made, never stored
        if method != "POST":
            raise ApiError(405, "the server does not allow this method on the requested resource")
        return "create"
    if method == "GET":
        if name:
            return "watch" if is_watch else "get"
        return "watch" if is_watch or exchange.args.get("watch") in ("true", "1") else "list"
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    if method not in _METHOD_VERBS or (method == "POST" and name) or (method in ("PUT", "PATCH") and not name):
        raise ApiError(405, "the server does not allow this method on the requested resource")
    return _METHOD_VERBS[method]
