"""Schemas of built-in kinds (kubernetes-validate's bundled OpenAPI definitions) and of CRDs, and walking them.

The bundled definitions are JSON Schema flavoured (`"type": ["object", "null"]`, `#/$defs/` refs); they
are loaded on first use so server start-up stays fast.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

SCHEMA_VERSION = "v1.37.0-local"
REF_PREFIX = "#/$defs/"


@functools.cache
def definitions() -> dict[str, dict]:
    import kubernetes_validate  # imported lazily: only its data directory is needed

    path = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / SCHEMA_VERSION / "_definitions.json"
    return json.loads(path.read_text())["$defs"]


@functools.cache
def _definition_names_by_gvk() -> dict[tuple[str, str, str], str]:
    names = {}
    for name, schema in definitions().items():
        gvks = schema.get("x-kubernetes-group-version-kind") or []
        if len(gvks) == 1:
            gvk = gvks[0]
            names[(gvk.get("group", ""), gvk["version"], gvk["kind"])] = name
    return names


def definition_name(group: str, version: str, kind: str) -> str | None:
    return _definition_names_by_gvk().get((group, version, kind))


def object_schema(rtype) -> dict | None:
    """The schema of a whole object of this resource type."""
    if rtype.crd_schema is not None:
        return rtype.structural_schema
    name = definition_name(rtype.group, rtype.version, rtype.kind)
    return definitions()[name] if name else None


def resolve(schema: dict | None) -> dict | None:
    while schema and "$ref" in schema and schema["$ref"].startswith(REF_PREFIX):
        schema = definitions().get(schema["$ref"][len(REF_PREFIX):])
    if schema and "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve(schema["allOf"][0])
    return schema


def field(schema: dict | None, name: str) -> dict | None:
    """The schema of a map field or map value, or None when the schema says nothing about it."""
    schema = resolve(schema)
    if not schema:
        return None
    if name in (schema.get("properties") or {}):
        return resolve(schema["properties"][name])
    extra = schema.get("additionalProperties")
    return resolve(extra) if isinstance(extra, dict) else None


def items(schema: dict | None) -> dict | None:
    schema = resolve(schema)
    return resolve(schema.get("items")) if schema else None


def list_keys(schema: dict | None) -> list[str] | None:
    """Keys identifying the items of a `map`-type list (server-side apply's view), or None."""
    schema = resolve(schema) or {}
    if schema.get("x-kubernetes-list-type") == "map":
        return list(schema.get("x-kubernetes-list-map-keys") or [])
    if schema.get("x-kubernetes-patch-merge-key"):
        return [schema["x-kubernetes-patch-merge-key"]]
    return None


def is_set_list(schema: dict | None) -> bool:
    schema = resolve(schema) or {}
    return schema.get("x-kubernetes-list-type") == "set"


def patch_strategy(schema: dict | None) -> tuple[set[str], str | None]:
    """Strategic-merge-patch directives for a field: ({"merge", "retainKeys", "replace"}, merge key)."""
    schema = resolve(schema) or {}
    strategies = {s for s in (schema.get("x-kubernetes-patch-strategy") or "").split(",") if s}
    return strategies, schema.get("x-kubernetes-patch-merge-key")


def is_open(schema: dict | None) -> bool:
    """Whether any field may appear: free-form maps, preserved-unknown-fields, or no schema at all."""
    schema = resolve(schema)
    if not schema:
        return True
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return True
    return "properties" not in schema and not isinstance(schema.get("additionalProperties"), dict)


def unknown_fields(obj, schema: dict | None, path: tuple = ()) -> list[tuple]:
    """Paths (tuples of keys and list indexes) of fields the schema does not know."""
    found: list[tuple] = []
    schema = resolve(schema)
    if isinstance(obj, dict):
        props = (schema or {}).get("properties") or {}
        for key, value in obj.items():
            known = key in props or (not path and key in ("apiVersion", "kind", "metadata"))
            if known or isinstance((schema or {}).get("additionalProperties"), dict):
                found += unknown_fields(value, field(schema, key), path + (key,))
            elif not is_open(schema):
                found.append(path + (key,))
    elif isinstance(obj, list):
        child = items(schema)
        for index, value in enumerate(obj):
            found += unknown_fields(value, child, path + (index,))
    return found


def dotted(path: tuple) -> str:
    """spec.template.spec.containers[0].imagex, as the apiserver names fields in messages."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def set_at(obj, path: tuple, value) -> None:
    for part in path[:-1]:
        obj = obj[part]
    obj[path[-1]] = value


def drop_fields(obj: dict, paths: list[tuple]) -> None:
    """Remove unknown fields (what the API server's decoder or CRD pruning does with them)."""
    for path in paths:
        target = obj
        for part in path[:-1]:
            target = target[part]
        target.pop(path[-1], None)


_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}


def type_errors(obj, schema: dict | None, path: tuple = ()) -> list[tuple[tuple, str]]:
    """(path, expected type) for values whose JSON type contradicts the schema (null is always allowed)."""
    schema = resolve(schema)
    if not schema or obj is None or "oneOf" in schema or "anyOf" in schema:
        return []
    if schema.get("x-kubernetes-int-or-string"):
        return [] if isinstance(obj, (int, str)) and not isinstance(obj, bool) else [(path, "integer or string")]
    expected = schema.get("type")
    if isinstance(expected, list):
        expected = next((t for t in expected if t != "null"), None)
    python_type = _JSON_TYPES.get(expected)
    if python_type and (not isinstance(obj, python_type) or (expected in ("integer", "number") and isinstance(obj, bool))):
        return [(path, expected)]
    found = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += type_errors(value, field(schema, key), path + (key,))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found += type_errors(value, items(schema), path + (index,))
    return found


QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
MICRO_TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"


def _child(schema: dict, key: str) -> dict | None:
    """The unresolved schema of a map field or map value, so that references to named types stay visible."""
    if key in (schema.get("properties") or {}):
        return schema["properties"][key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def values_of(obj, schema: dict | None, definition: str, path: tuple = ()) -> list[tuple[tuple, object]]:
    """(path, value) of every set value whose schema is the named definition (e.g. every resource.Quantity)."""
    while isinstance(schema, dict) and "allOf" in schema and len(schema["allOf"]) == 1:
        schema = schema["allOf"][0]
    if not isinstance(schema, dict) or obj is None:
        return []
    if schema.get("$ref") == REF_PREFIX + definition:
        return [(path, obj)]
    if not _reaches(schema, definition):
        return []  # most of an object holds no such value: skip it without walking
    schema = resolve(schema)
    found: list[tuple[tuple, object]] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            child = _child(schema, key)
            if child is not None:
                found += values_of(value, child, definition, path + (key,))
    elif isinstance(obj, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(obj):
            found += values_of(value, schema["items"], definition, path + (index,))
    return found


_REACHES: dict[tuple[int, str], bool] = {}


def _reaches(schema: dict, definition: str, visiting: frozenset = frozenset()) -> bool:
    """Whether a value of the named definition can occur under this (built-in, long-lived) schema. Remembered per
    schema object; a recursive type counts as not reaching it through its recursion."""
    key = (id(schema), definition)
    if key in _REACHES:
        return _REACHES[key]
    if key in visiting:
        return False
    ref = schema.get("$ref")
    if ref == REF_PREFIX + definition:
        found = True
    else:
        children = list((schema.get("properties") or {}).values()) + list(schema.get("allOf") or [])
        children += [schema[k] for k in ("additionalProperties", "items") if isinstance(schema.get(k), dict)]
        if isinstance(ref, str) and ref.startswith(REF_PREFIX) and ref[len(REF_PREFIX):] in definitions():
            children.append(definitions()[ref[len(REF_PREFIX):]])
        found = any(_reaches(child, definition, visiting | {key}) for child in children if isinstance(child, dict))
    _REACHES[key] = found
    return found


_ZERO_VALUES = {"object": dict, "string": str, "integer": int, "number": int, "boolean": bool}


def fill_null_items(obj, schema: dict | None) -> None:
    """Replace null list entries by the item type's zero value ({} for objects, "" for strings...), as Go's JSON
    decoder leaves them — validation then reports what that zero value lacks."""
    if _has_null_item(obj):
        _fill_null_items(obj, schema)


def _has_null_item(obj) -> bool:
    if isinstance(obj, dict):
        return any(_has_null_item(value) for value in obj.values())
    if isinstance(obj, list):
        return any(value is None or _has_null_item(value) for value in obj)
    return False


def _fill_null_items(obj, schema: dict | None) -> None:
    schema = resolve(schema)
    if not schema:
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            child = _child(schema, key)
            if child is not None:
                _fill_null_items(value, child)
    elif isinstance(obj, list):
        item_schema = resolve(schema.get("items"))
        if not item_schema:
            return
        expected = item_schema.get("type")
        if isinstance(expected, list):
            expected = next((t for t in expected if t != "null"), None)
        zero = _ZERO_VALUES.get(expected or ("object" if "properties" in item_schema else ""))
        for index, value in enumerate(obj):
            if value is None and zero is not None:
                obj[index] = zero()
            else:
                _fill_null_items(obj[index], item_schema)
