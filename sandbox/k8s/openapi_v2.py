"""/openapi/v2: the Swagger 2.0 document of every served kind (built-in definitions and CRD schemas, with their
paths), as JSON or as the gnostic `openapi.v2.Document` protobuf that client-go's `OpenAPISchema()` asks for
(Argo CD builds its diff models from it; kubectl reads it for kinds missing from /openapi/v3).

Both forms are built from the v3 documents' parts (openapi.py) and cached per set of served types.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct

from . import openapi, schemas

# The real handler answers protobuf requests as octet-stream (Go's mime parser rejects the "@" in the type).
PROTOBUF_TYPE = "application/octet-stream"
REF_PREFIX = "#/definitions/"
_SPECIAL = {"io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": "string", "format": "int-or-string"},
            "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": "string", "format": "quantity"}}


def document(types, version: str) -> tuple[bytes, bytes, str]:
    """(JSON body, protobuf body, ETag) for the served types."""
    return _document(tuple(types), json.dumps([t.crd_schema for t in types], sort_keys=True), version)


@functools.lru_cache(maxsize=8)
def _document(types: tuple, crd_schemas: str, version: str) -> tuple[bytes, bytes, str]:
    names = set(openapi.COMMON_COMPONENTS) | {"io.k8s.api.autoscaling.v1.Scale"} | {
        openapi.component_name(t) for t in types if not t.is_custom}
    for name in list(names):
        openapi.references(schemas.definitions().get(name), names)
    definitions = {name: _SPECIAL.get(name) or _swagger(schemas.definitions()[name]) for name in names if name}
    paths = {}
    for rtype in types:
        if rtype.is_custom:
            definitions[openapi.crd_component_name(rtype)] = _swagger(openapi.crd_component(rtype))
        else:
            _drop_type_meta_enums(definitions.get(openapi.component_name(rtype)))
        paths.update({path: _path_item(item) for path, item in openapi.paths(rtype).items()})
    doc = {"swagger": "2.0", "info": {"title": "Kubernetes", "version": version},
           "paths": dict(sorted(paths.items())), "definitions": dict(sorted(definitions.items()))}
    body = json.dumps(doc, separators=(",", ":")).encode()
    return body, _encode(doc, DOCUMENT), '"' + hashlib.sha512(body).hexdigest()[:64].upper() + '"'


def _swagger(schema):
    """-> Swagger 2.0: #/definitions/ refs, and no oneOf (IntOrString, Quantity are _SPECIAL) or nullable."""
    return openapi.converted(schema, REF_PREFIX, ("$schema", "$id", "oneOf", "nullable"))


def _drop_type_meta_enums(definition: dict | None) -> None:
    """The bundled definitions pin apiVersion and kind with enums the apiserver's document does not have."""
    for field in ("apiVersion", "kind"):
        ((definition or {}).get("properties") or {}).get(field, {}).pop("enum", None)


def _parameter(param: dict) -> dict:
    return {"name": param["name"], "in": param["in"], "type": "string", "uniqueItems": True,
            **({"required": True} if param.get("required") else {})}


def _path_item(item: dict) -> dict:
    result = {}
    for verb, operation in item.items():
        if verb == "parameters":
            result[verb] = [_parameter(p) for p in operation]
            continue
        converted = {k: v for k, v in operation.items() if k not in ("requestBody", "responses", "parameters")}
        converted["parameters"] = [_parameter(p) for p in operation.get("parameters") or []]
        body = operation.get("requestBody")
        if body:
            content_types = list(body["content"])
            converted["consumes"] = content_types
            converted["parameters"].insert(0, {"name": "body", "in": "body", "required": True,
                                               "schema": _swagger(body["content"][content_types[0]]["schema"])})
        converted["produces"] = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
        converted["responses"] = {code: {"description": answer["description"],
                                         "schema": _swagger(answer["content"]["application/json"]["schema"])}
                                  for code, answer in operation["responses"].items()}
        result[verb] = converted
    return result


# --- the gnostic openapi.v2 protobuf ------------------------------------------------------------------------
# Message layouts as {json key: (field number, how)}; "how" is a scalar kind, a nested layout, ("repeated", how),
# ("named", how) for a map sent as repeated {1: name, 2: value}, or a function for the few oneof wrappers.
# Keys starting with "x-" go to the message's vendor_extension field (its number under "x-"), as YAML.

def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _bytes(field: int, data: bytes) -> bytes:
    return _key(field, 2) + _varint(len(data)) + data


def _any(value) -> bytes:
    """gnostic Any {yaml = 2}: the value as YAML (JSON is YAML, and stays on one line)."""
    return _bytes(2, json.dumps(value).encode())


def _scalar(field: int, how: str, value) -> bytes:
    if how == "string":
        return _bytes(field, str(value).encode())
    if how == "bool":
        return _key(field, 0) + _varint(1) if value else b""
    if how == "int":
        return _key(field, 0) + _varint(int(value))
    if how == "double":
        return _key(field, 1) + struct.pack("<d", float(value))
    if how == "any":
        return _bytes(field, _any(value))
    raise ValueError(how)


def _encode(value: dict, layout: dict) -> bytes:
    out = bytearray()
    extensions = [(k, v) for k, v in value.items() if k.startswith("x-")]
    for key, item in value.items():
        if key.startswith("x-") or key not in layout or item is None:
            continue
        field, how = layout[key]
        out += _field(field, how, item)
    if extensions and "x-" in layout:
        for name, item in extensions:
            out += _bytes(layout["x-"][0], _bytes(1, name.encode()) + _bytes(2, _any(item)))
    return bytes(out)


def _field(field: int, how, item) -> bytes:
    if callable(how):
        return _bytes(field, how(item))
    if isinstance(how, dict):
        return _bytes(field, _encode(item, how))
    if isinstance(how, tuple) and how[0] == "repeated":
        return b"".join(_field(field, how[1], i) for i in item)
    if isinstance(how, tuple) and how[0] == "named":
        return b"".join(_bytes(field, _bytes(1, name.encode()) + _field(2, how[1], v)) for name, v in item.items())
    return _scalar(field, how, item)


SCHEMA: dict = {"$ref": (1, "string"), "format": (2, "string"), "title": (3, "string"),
                "description": (4, "string"), "default": (5, "any"), "multipleOf": (6, "double"),
                "maximum": (7, "double"), "exclusiveMaximum": (8, "bool"), "minimum": (9, "double"),
                "exclusiveMinimum": (10, "bool"), "maxLength": (11, "int"), "minLength": (12, "int"),
                "pattern": (13, "string"), "maxItems": (14, "int"), "minItems": (15, "int"),
                "uniqueItems": (16, "bool"), "maxProperties": (17, "int"), "minProperties": (18, "int"),
                "required": (19, ("repeated", "string")), "enum": (20, ("repeated", "any")),
                "discriminator": (26, "string"), "readOnly": (27, "bool"), "example": (30, "any"), "x-": (31, None)}
SCHEMA.update({
    # AdditionalPropertiesItem {schema = 1 | boolean = 2}; TypeItem {repeated value = 1};
    # ItemsItem {repeated schema = 1}; Properties {repeated NamedSchema = 1}
    "additionalProperties": (21, lambda v: _key(2, 0) + _varint(int(v)) if isinstance(v, bool)
                             else _bytes(1, _encode(v, SCHEMA))),
    "type": (22, lambda v: _bytes(1, v.encode())),
    "items": (23, lambda v: b"".join(_bytes(1, _encode(i, SCHEMA)) for i in (v if isinstance(v, list) else [v]))),
    "allOf": (24, ("repeated", SCHEMA)),
    "properties": (25, lambda v: _field(1, ("named", SCHEMA), v)),
})


def _parameters_item(param: dict) -> bytes:
    """ParametersItem {parameter = 1: Parameter {body_parameter = 1 | non_body_parameter = 2: NonBodyParameter
    {header = 1 | form = 2 | query = 3 | path = 4}}}."""
    if param["in"] == "body":
        parameter = _bytes(1, _encode(param, {"description": (1, "string"), "name": (2, "string"), "in": (3, "string"),
                                              "required": (4, "bool"), "schema": (5, SCHEMA)}))
    else:
        if param["in"] == "query":
            which, layout = 3, {"required": (1, "bool"), "in": (2, "string"), "description": (3, "string"),
                                "name": (4, "string"), "type": (6, "string"), "uniqueItems": (20, "bool")}
        else:
            which, layout = 4, {"required": (1, "bool"), "in": (2, "string"), "description": (3, "string"),
                                "name": (4, "string"), "type": (5, "string"), "uniqueItems": (19, "bool")}
        parameter = _bytes(2, _bytes(which, _encode(param, layout)))
    return _bytes(1, parameter)


# Responses {repeated NamedResponseValue response_code = 1}; ResponseValue {response = 1: Response {description = 1,
# schema = 2: SchemaItem {schema = 1}}}
_RESPONSE = {"description": (1, "string"), "schema": (2, lambda v: _bytes(1, _encode(v, SCHEMA)))}
OPERATION = {"tags": (1, ("repeated", "string")), "description": (3, "string"), "operationId": (5, "string"),
             "produces": (6, ("repeated", "string")), "consumes": (7, ("repeated", "string")),
             "parameters": (8, ("repeated", _parameters_item)),
             "responses": (9, lambda v: _field(1, ("named", lambda r: _bytes(1, _encode(r, _RESPONSE))), v)),
             "x-": (13, None)}
PATH_ITEM = {"get": (2, OPERATION), "put": (3, OPERATION), "post": (4, OPERATION), "delete": (5, OPERATION),
             "patch": (8, OPERATION), "parameters": (9, ("repeated", _parameters_item)), "x-": (10, None)}
DOCUMENT = {"swagger": (1, "string"), "info": (2, {"title": (1, "string"), "version": (2, "string")}),
            "paths": (8, lambda v: _field(2, ("named", PATH_ITEM), v)),
            "definitions": (9, lambda v: _field(1, ("named", SCHEMA), v))}
