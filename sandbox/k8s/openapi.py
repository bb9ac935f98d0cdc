"""OpenAPI v3 documents: the /openapi/v3 index and one document per group-version.

kubectl and helm look for the PATCH operation of a kind with the `fieldValidation` query parameter to
decide that the server validates fields itself (`--validate=strict`).
"""

from __future__ import annotations

import functools
import hashlib
import json

from . import schemas
from .discovery import version_priority

COMPONENT_PREFIX = "#/components/schemas/"
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
COMMON_COMPONENTS = [_META + n for n in ("Status", "DeleteOptions", "Patch", "ObjectMeta", "ListMeta")]


def converted(schema, ref_prefix: str = COMPONENT_PREFIX, dropped: tuple = ("$schema", "$id")):
    """JSON-Schema-flavoured definitions -> OpenAPI (single types, refs under `ref_prefix`: components for v3,
    definitions for Swagger 2.0), without the `dropped` keywords."""
    if isinstance(schema, list):
        return [converted(s, ref_prefix, dropped) for s in schema]
    if not isinstance(schema, dict):
        return schema
    result = {}
    for key, value in schema.items():
        if key in dropped:
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/"):
            result[key] = ref_prefix + value.rsplit("/", 1)[-1]
        elif key == "type" and isinstance(value, list):
            result[key] = next((t for t in value if t != "null"), "object")
        elif key == "properties" and isinstance(value, dict):
            result[key] = {name: converted(sub, ref_prefix, dropped) for name, sub in value.items()}
        else:
            result[key] = converted(value, ref_prefix, dropped)
    return result


def references(schema, found: set[str]) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(schemas.REF_PREFIX):
            name = ref[len(schemas.REF_PREFIX):]
            if name not in found:
                found.add(name)
                references(schemas.definitions().get(name), found)
        for value in schema.values():
            references(value, found)
    elif isinstance(schema, list):
        for value in schema:
            references(value, found)


def crd_component_name(rtype) -> str:
    return ".".join(reversed(rtype.group.split("."))) + f".{rtype.version}.{rtype.kind}"


def crd_component(rtype) -> dict:
    schema = json.loads(json.dumps(rtype.crd_schema))
    props = schema.setdefault("properties", {})
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    props["metadata"] = {"$ref": COMPONENT_PREFIX + _META + "ObjectMeta"}
    schema.setdefault("type", "object")
    schema["x-kubernetes-group-version-kind"] = [{"group": rtype.group, "version": rtype.version,
                                                  "kind": rtype.kind}]
    return schema


def component_name(rtype) -> str:
    if rtype.is_custom:
        return crd_component_name(rtype)
    return schemas.definition_name(rtype.group, rtype.version, rtype.kind) or ""


def _parameter(name: str, where: str = "query") -> dict:
    param = {"name": name, "in": where, "schema": {"type": "string", "uniqueItems": True}}
    if where == "path":
        param["required"] = True
    return param


def _operation(verb: str, action: str, rtype, gvk: dict, schema_ref: str, extra_params=()) -> dict:
    content = {"application/json": {"schema": {"$ref": schema_ref}}}
    op = {"operationId": f"{verb}{rtype.kind}{action.title()}", "parameters": [_parameter(p) for p in extra_params],
          "responses": {"200": {"description": "OK", "content": content}},
          "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk}
    if verb in ("post", "put"):
        op["requestBody"] = {"content": content, "required": True}
    if verb == "patch":
        patch_schema = {"schema": {"$ref": COMPONENT_PREFIX + _META + "Patch"}}
        # Custom resources take no strategic merge patch: kubectl apply reads that here and sends a merge patch.
        types = ("application/json-patch+json", "application/merge-patch+json") + (
            () if rtype.is_custom else ("application/strategic-merge-patch+json",)) + ("application/apply-patch+yaml",)
        op["requestBody"] = {"content": {t: patch_schema for t in types}, "required": True}
    return op


_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")


def paths(rtype) -> dict:
    base = f"/api/{rtype.version}" if not rtype.group else f"/apis/{rtype.group}/{rtype.version}"
    scope = "/namespaces/{namespace}" if rtype.namespaced else ""
    collection = f"{base}{scope}/{rtype.plural}"
    gvk = {"group": rtype.group, "version": rtype.version, "kind": rtype.kind}
    ref = COMPONENT_PREFIX + component_name(rtype)
    scope_params = [_parameter("namespace", "path")] if rtype.namespaced else []
    item_params = scope_params + [_parameter("name", "path")]
    if rtype.verbs == ("create",):
        return {collection: {"parameters": scope_params,
                             "post": _operation("post", "post", rtype, gvk, ref, _WRITE_PARAMS)}}
    result = {
        collection: {"parameters": scope_params,
                     "get": _operation("get", "list", rtype, gvk, ref,
                                       ("labelSelector", "fieldSelector", "limit", "continue", "watch")),
                     "post": _operation("post", "post", rtype, gvk, ref, _WRITE_PARAMS),
                     "delete": _operation("delete", "deletecollection", rtype, gvk,
                                          COMPONENT_PREFIX + _META + "Status")},
        f"{collection}/{{name}}": {"parameters": item_params,
                                   "get": _operation("get", "get", rtype, gvk, ref),
                                   "put": _operation("put", "put", rtype, gvk, ref, _WRITE_PARAMS),
                                   "patch": _operation("patch", "patch", rtype, gvk, ref, _WRITE_PARAMS + ("force",)),
                                   "delete": _operation("delete", "delete", rtype, gvk,
                                                        COMPONENT_PREFIX + _META + "Status")},
    }
    for sub in rtype.subresources:
        if sub not in ("status", "scale"):
            continue
        sub_gvk, sub_ref = gvk, ref
        if sub == "scale":
            sub_gvk = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
            sub_ref = COMPONENT_PREFIX + "io.k8s.api.autoscaling.v1.Scale"
        result[f"{collection}/{{name}}/{sub}"] = {
            "parameters": item_params,
            "get": _operation("get", "get", rtype, sub_gvk, sub_ref),
            "put": _operation("put", "put", rtype, sub_gvk, sub_ref, _WRITE_PARAMS),
            "patch": _operation("patch", "patch", rtype, sub_gvk, sub_ref, _WRITE_PARAMS + ("force",)),
        }
    return result


def document(types, group: str, version: str) -> tuple[dict, str] | None:
    """The group-version's document and its hash, or None when nothing is served there."""
    selected = tuple(t for t in types if (t.group, t.version) == (group, version))
    if not selected:
        return None
    # ResourceType equality ignores CRD schemas, so the cache key carries them explicitly.
    return _document(selected, json.dumps([t.crd_schema for t in selected], sort_keys=True))


@functools.lru_cache(maxsize=256)
def _document(selected: tuple, crd_schemas: str) -> tuple[dict, str]:
    names: set[str] = set(COMMON_COMPONENTS)
    if any("scale" in t.subresources for t in selected):
        names.add("io.k8s.api.autoscaling.v1.Scale")
    components = {}
    served_paths: dict = {}
    for rtype in selected:
        if rtype.is_custom:
            components[crd_component_name(rtype)] = crd_component(rtype)
        else:
            names.add(component_name(rtype))
        served_paths.update(paths(rtype))
    for name in list(names):
        references(schemas.definitions().get(name), names)
    for name in names:
        components[name] = converted(schemas.definitions()[name])
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "unversioned"}, "paths": served_paths,
           "components": {"schemas": components}}
    digest = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()[:128]
    return doc, digest


def index(types, prefix: str) -> dict:
    gvs = sorted({(t.group, t.version) for t in types}, key=lambda gv: (gv[0], version_priority(gv[1])))
    listed = {}
    for group, version in gvs:
        path = f"api/{version}" if not group else f"apis/{group}/{version}"
        _, digest = document(types, group, version)
        listed[path] = {"serverRelativeURL": f"{prefix}/openapi/v3/{path}?hash={digest}"}
    return {"paths": listed}
