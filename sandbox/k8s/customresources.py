"""Custom resources as the apiextensions-apiserver treats them: the structural schema that prunes unknown fields,
defaulting from `default:`, OpenAPI value validation worded like kube-openapi's (`spec.replicas in body should be
greater than or equal to 1`), additionalPrinterColumns cells and the scale subresource's paths.

x-kubernetes-validations (CEL rules) are accepted and not evaluated.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from datetime import datetime, timezone

from .validation import Cause, invalid_value, required, unsupported

OBJECT_META_REF = "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_TYPE_META = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}}


# --- the structural schema (what pruning and server-side apply walk) ------------------------------------

def structural(schema: dict) -> dict:
    """A copy of a CRD's openAPIV3Schema in the shape schemas.unknown_fields walks: an object schema with neither
    properties, additionalProperties nor x-kubernetes-preserve-unknown-fields keeps no fields (the apiserver
    prunes them), and the root's and embedded resources' metadata is ObjectMeta."""
    return _structural(schema, root=True)


def _structural(schema, root: bool = False):
    if not isinstance(schema, dict):
        return schema
    result = dict(schema)
    if isinstance(schema.get("properties"), dict):
        result["properties"] = {k: _structural(v) for k, v in schema["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            result[key] = _structural(schema[key])
    if root or schema.get("x-kubernetes-embedded-resource"):
        result["properties"] = {**_TYPE_META, **result.get("properties", {}), "metadata": {"$ref": OBJECT_META_REF}}
    if result.get("type") == "object" and "properties" not in result and "additionalProperties" not in result \
            and not result.get("x-kubernetes-preserve-unknown-fields"):
        result["properties"] = {}
    return result


# --- defaulting -----------------------------------------------------------------------------------------

def apply_defaults(value, schema) -> None:
    """Fill missing fields from `default:` top-down, so defaults inside a defaulted object apply too."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, sub in props.items():
            if key not in value and isinstance(sub, dict) and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            apply_defaults(item, props.get(key, extra))
    elif isinstance(value, list):
        for item in value:
            apply_defaults(item, schema.get("items"))


# --- validation -----------------------------------------------------------------------------------------

def problems(obj: dict, schema: dict) -> list[Cause]:
    """Causes for every value the schema refuses (the root's apiVersion, kind and metadata are the apiserver's)."""
    return _problems(obj, schema, "")


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "null"


def _type_matches(actual: str, value, allowed: list[str]) -> bool:
    if actual in allowed or (actual == "integer" and "number" in allowed):
        return True
    return actual == "number" and "integer" in allowed and float(value).is_integer()


def _number(value) -> str:
    """Numbers as Go's %v prints a float64: 1 not 1.0."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _type_invalid(path: str, actual: str, allowed: list[str]) -> Cause:
    return ("FieldValueTypeInvalid", path,
            f'Invalid value: "{actual}": {path} in body must be of type {",".join(allowed)}: "{actual}"')


def _child_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _problems(value, schema, path: str) -> list[Cause]:
    if not isinstance(schema, dict) or "$ref" in schema:
        return []
    allowed = ["integer", "string"] if schema.get("x-kubernetes-int-or-string") else \
        [schema["type"]] if isinstance(schema.get("type"), str) else []
    actual = _json_type(value)
    if value is None:
        return [] if schema.get("nullable") or not allowed else [_type_invalid(path, "null", allowed)]
    if allowed and not _type_matches(actual, value, allowed):
        return [_type_invalid(path, actual, allowed)]
    found: list[Cause] = []
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"] or []):
        shown = [o if isinstance(o, str) else json.dumps(o) for o in schema["enum"]]
        found.append(unsupported(path, value, shown))
    if actual in ("integer", "number"):
        found += _number_problems(value, schema, path)
    elif actual == "string":
        found += _string_problems(value, schema, path)
    elif actual == "array":
        found += _array_problems(value, schema, path)
    elif actual == "object":
        found += _object_problems(value, schema, path)
    return found + _combination_problems(value, schema, path)


def _same(value, option) -> bool:
    return type(value) is type(option) and value == option or (
        _json_type(value) in ("integer", "number") and _json_type(option) in ("integer", "number") and value == option)


def _number_problems(value, schema: dict, path: str) -> list[Cause]:
    found = []
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, (int, float)):
        exclusive = bool(schema.get("exclusiveMinimum"))
        if value < low or (exclusive and value == low):
            relation = "greater than" if exclusive else "greater than or equal to"
            found.append(invalid_value(path, value, f"{path} in body should be {relation} {_number(low)}"))
    if isinstance(high, (int, float)):
        exclusive = bool(schema.get("exclusiveMaximum"))
        if value > high or (exclusive and value == high):
            relation = "less than" if exclusive else "less than or equal to"
            found.append(invalid_value(path, value, f"{path} in body should be {relation} {_number(high)}"))
    factor = schema.get("multipleOf")
    if isinstance(factor, (int, float)) and factor > 0 and not float(value / factor).is_integer():
        found.append(invalid_value(path, value, f"{path} in body should be a multiple of {_number(factor)}"))
    return found


@functools.lru_cache(maxsize=1024)
def _pattern(text: str):
    try:
        return re.compile(text)
    except re.error:  # an ECMA construct Python lacks: such a pattern is not enforced
        return None


def _string_problems(value: str, schema: dict, path: str) -> list[Cause]:
    found = []
    longest, shortest = schema.get("maxLength"), schema.get("minLength")
    if isinstance(longest, int) and len(value) > longest:
        found.append(("FieldValueTooLong", path, f"Too long: may not be more than {longest} bytes"))
    if isinstance(shortest, int) and len(value) < shortest:
        found.append(invalid_value(path, value, f"{path} in body should be at least {shortest} chars long"))
    pattern = _pattern(schema["pattern"]) if isinstance(schema.get("pattern"), str) else None
    if pattern is not None and not pattern.search(value):
        found.append(invalid_value(path, value, f"{path} in body should match '{schema['pattern']}'"))
    return found


def _array_problems(value: list, schema: dict, path: str) -> list[Cause]:
    found = []
    for index, item in enumerate(value):
        found += _problems(item, schema.get("items"), f"{path}[{index}]")
    most, least = schema.get("maxItems"), schema.get("minItems")
    if isinstance(least, int) and len(value) < least:
        found.append(invalid_value(path, len(value), f"{path} in body should have at least {least} items"))
    if isinstance(most, int) and len(value) > most:
        found.append(("FieldValueTooMany", path, f"Too many: {len(value)}: must have at most {most} items"))
    list_type = schema.get("x-kubernetes-list-type")
    if schema.get("uniqueItems") or list_type in ("set", "map"):
        keys = schema.get("x-kubernetes-list-map-keys") or []
        seen = set()
        for index, item in enumerate(value):
            identity = json.dumps({k: item.get(k) for k in keys} if list_type == "map" and isinstance(item, dict)
                                  else item, sort_keys=True)
            if identity in seen:
                found.append(("FieldValueDuplicate", f"{path}[{index}]", f"Duplicate value: {identity}"))
            seen.add(identity)
    return found


def _object_problems(value: dict, schema: dict, path: str) -> list[Cause]:
    found = []
    for key in schema.get("required") or []:
        if key not in value:
            found.append(required(_child_path(path, key)))
    props, extra = schema.get("properties") or {}, schema.get("additionalProperties")
    for key, item in value.items():
        if not path and key in ("apiVersion", "kind", "metadata"):
            continue
        found += _problems(item, props.get(key, extra), _child_path(path, key))
    most, least = schema.get("maxProperties"), schema.get("minProperties")
    if isinstance(most, int) and len(value) > most:
        found.append(("FieldValueTooMany", path, f"Too many: {len(value)}: must have at most {most} items"))
    if isinstance(least, int) and len(value) < least:
        found.append(invalid_value(path, len(value), f"{path} in body should have at least {least} properties"))
    return found


def _combination_problems(value, schema: dict, path: str) -> list[Cause]:
    found = []
    for option in schema.get("allOf") or []:
        found += _problems(value, option, path)
    shown = _json_type(value) if isinstance(value, (dict, list)) else value
    if schema.get("anyOf") and all(_problems(value, o, path) for o in schema["anyOf"]):
        found.append(invalid_value(path, shown, f"{path or '.'} in body must validate at least one schema (anyOf)"))
    if schema.get("oneOf") and sum(not _problems(value, o, path) for o in schema["oneOf"]) != 1:
        found.append(invalid_value(path, shown, f"{path or '.'} in body must validate one and only one schema (oneOf)"))
    if isinstance(schema.get("not"), dict) and not _problems(value, schema["not"], path):
        found.append(invalid_value(path, shown, f"{path or '.'} in body must not validate the schema (not)"))
    return found


# --- JSONPath (the simple subset printer columns and scale paths use) -----------------------------------

_STEP = re.compile(r"\.([^.\[]+)|\[(\d+|\*)\]|\[\?\(@\.([^=!<>]+?)\s*(==|!=)\s*['\"]?([^'\")]*)['\"]?\)\]")


def json_path(obj, path: str) -> list:
    """The values a `.a.b[0].c`, `[*]` or `[?(@.type=="Ready")]` path selects."""
    values = [obj]
    text = path.strip().removeprefix("{").removesuffix("}").strip()
    for match in _STEP.finditer(text):
        key, index, filter_key, operator, operand = match.groups()
        selected = []
        for value in values:
            if key is not None and isinstance(value, dict) and key in value:
                selected.append(value[key])
            elif index == "*" and isinstance(value, (list, dict)):
                selected += list(value.values() if isinstance(value, dict) else value)
            elif index is not None and index != "*" and isinstance(value, list) and int(index) < len(value):
                selected.append(value[int(index)])
            elif filter_key is not None and isinstance(value, list):
                for item in value:
                    got = json_path(item, "." + filter_key.strip())
                    if (bool(got) and _text(got[0]) == operand) == (operator == "=="):
                        selected.append(item)
        values = selected
    return values


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# --- additionalPrinterColumns ---------------------------------------------------------------------------

def printer_columns(columns) -> list[dict]:
    return [{"name": c.get("name", ""), "type": c.get("type", "string"), "format": c.get("format", ""),
             "description": c.get("description", ""), "priority": c.get("priority", 0)} for c in columns]


def printer_cells(obj: dict, columns, human_age) -> list:
    cells = []
    for column in columns:
        found = json_path(obj, column.get("jsonPath", ""))
        value = found[0] if found else None
        kind = column.get("type", "string")
        if value is None:
            cells.append(None)
        elif kind == "date":
            cells.append(_age_of(value, human_age))
        elif kind == "string":
            cells.append(value if isinstance(value, str) else json.dumps(value, separators=(",", ":")))
        elif kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
            cells.append(int(value))
        elif kind in ("number", "boolean"):
            cells.append(value)
        else:
            cells.append(None)
    return cells


def _age_of(value, human_age) -> str:
    try:
        when = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return "<invalid>"
    return human_age(int((datetime.now(timezone.utc) - when).total_seconds()))


# --- the scale subresource ------------------------------------------------------------------------------

def path_value(obj: dict, path: str):
    found = json_path(obj, path)
    return found[0] if found else None


def set_path_value(obj: dict, path: str, value) -> None:
    """Set `.spec.replicas`-style paths (the only form specReplicasPath may take), creating parents."""
    keys = [k for k in path.strip().split(".") if k]
    target = obj
    for key in keys[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[keys[-1]] = value
