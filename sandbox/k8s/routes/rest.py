"""The REST verbs on a resource path: get, list, create, update, patch, delete, deletecollection, with the
scale subresource and server-side printing (tables, partial object metadata)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import tables
from ..errors import ApiError, bad_request
from ..objects import APPLY_PATCH, PATCH_TYPES
from ..patch import json_patch, merge_patch, strategic_merge
from ..scale import scale_of, with_replicas
from . import reviews
from .exchange import JSON, EncodedJSON, Exchange, int_arg


def serve(exchange: Exchange, verb: str, rtype, namespace: str, name: str | None, subresource: str) -> Response:
    objects, args, content_type = exchange.objects, exchange.args, exchange.content_type
    if verb == "list":
        query = (rtype, namespace or None, args.get("labelSelector"), args.get("fieldSelector"),
                 int_arg(args, "limit"), args.get("continue"))
        if exchange.accepts("as=Table") or exchange.accepts("as=PartialObjectMetadataList"):
            return exchange.respond(_shape_list(exchange, rtype, objects.list(*query, shared=True)))
        return exchange.respond(EncodedJSON(objects.list_encoded(*query)))
    if verb == "get":
        obj = objects.get(rtype, namespace, name)
        if subresource == "scale":
            return exchange.respond(scale_of(obj, rtype))
        return exchange.respond(_shape_object(exchange, rtype, obj))
    if verb == "create":
        if rtype.plural in reviews.KINDS:
            return exchange.respond(reviews.review(exchange, rtype, exchange.body(content_type)), 201)
        options = exchange.write_options()
        return exchange.respond(objects.create(rtype, namespace, exchange.body(content_type), options), 201)
    if verb == "update":
        options = exchange.write_options()
        body = exchange.body(content_type)
        if subresource == "scale":
            updated = objects.update(rtype, namespace, name,
                                     with_replicas(objects.get(rtype, namespace, name), body, rtype), options)
            return exchange.respond(scale_of(updated, rtype))
        return exchange.respond(objects.update(rtype, namespace, name, body, options, subresource))
    if verb == "patch":
        return _patch(exchange, rtype, namespace, name, subresource)
    options = _delete_options(exchange)
    if verb == "delete":
        return exchange.respond(objects.delete(rtype, namespace, name, options, exchange.dry_run()))
    listing = objects.list(rtype, namespace or None, args.get("labelSelector"), args.get("fieldSelector"))
    deleted = [objects.delete(rtype, o["metadata"].get("namespace", ""), o["metadata"]["name"], options,
                              exchange.dry_run()) for o in listing["items"]]
    return exchange.respond({**listing, "items": deleted})


def _patch(exchange: Exchange, rtype, namespace: str, name: str, subresource: str) -> Response:
    objects, content_type = exchange.objects, exchange.content_type
    if content_type not in PATCH_TYPES:
        raise ApiError(415, f'the body of the request was in an unknown format - accepted media types include: '
                            f'{", ".join(PATCH_TYPES)}', "UnsupportedMediaType")
    options = exchange.write_options()
    body = exchange.body(content_type)
    if subresource == "scale":
        current = objects.get(rtype, namespace, name)
        scale = scale_of(current, rtype)
        if content_type == "application/json-patch+json":
            patched = json_patch(scale, body)
        elif content_type == "application/strategic-merge-patch+json":
            patched = strategic_merge(scale, body, None)
        else:
            patched = merge_patch(scale, body)
        updated = objects.update(rtype, namespace, name, with_replicas(current, patched, rtype), options)
        return exchange.respond(scale_of(updated, rtype))
    existed = content_type != APPLY_PATCH or objects.find(rtype, namespace, name) is not None
    result = objects.patch(rtype, namespace, name, content_type, body, options, subresource)
    return exchange.respond(result, 200 if existed else 201)


def _delete_options(exchange: Exchange) -> dict:
    options = {}
    request = exchange.request
    if request.content_length or request.headers.get("Transfer-Encoding"):
        raw = request.get_data(cache=True)
        if raw.strip():
            options = exchange.body(exchange.content_type or JSON)
    if not isinstance(options, dict):
        raise bad_request("DeleteOptions must be an object")
    if exchange.args.get("propagationPolicy"):
        options["propagationPolicy"] = exchange.args["propagationPolicy"]
    if options.get("propagationPolicy") not in (None, "Foreground", "Background", "Orphan"):
        raise bad_request(f'propagationPolicy: Unsupported value: "{options["propagationPolicy"]}"')
    if "All" in (options.get("dryRun") or []):
        exchange.args = exchange.args.copy()
        exchange.args.add("dryRun", "All")
    return options


def _shape_list(exchange: Exchange, rtype, result: dict) -> dict:
    if exchange.accepts("as=Table"):
        return tables.table(rtype, result["items"], result["metadata"], exchange.args.get("includeObject", "Metadata"))
    return tables.partial_list(result["items"], result["metadata"])


def _shape_object(exchange: Exchange, rtype, obj: dict) -> dict:
    if exchange.accepts("as=Table"):
        return tables.table(rtype, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                            exchange.args.get("includeObject", "Metadata"))
    if exchange.accepts("as=PartialObjectMetadata"):
        return tables.partial(obj)
    return obj
