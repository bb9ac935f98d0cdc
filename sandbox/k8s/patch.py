"""PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch.

Strategic merge reads its list strategies (merge keys, retainKeys) from the object's schema
(x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key).
"""

from __future__ import annotations

import copy

from . import schemas
from .errors import ApiError, bad_request


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- JSON patch -------------------------------------------------------------------------------------

def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f'invalid JSON pointer "{path}"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, message, "Invalid")


def _parent(doc, parts: list[str], path: str):
    target = doc
    for part in parts[:-1]:
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            raise _unprocessable(f"doc is missing path: {path}: missing value")
    return target


def _get(doc, path: str):
    parts = _pointer(path)
    if not parts:
        return doc
    parent, last = _parent(doc, parts, path), parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise _unprocessable(f"doc is missing path: {path}: missing value")


def _remove(doc, path: str):
    parts = _pointer(path)
    parent, last = _parent(doc, parts, path), parts[-1] if parts else None
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last is not None and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise _unprocessable(f"doc is missing path: {path}: missing value")


def _add(doc, path: str, value):
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _parent(doc, parts, path), parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise _unprocessable(f"add operation does not apply: doc is missing path: {path}")
    else:
        raise _unprocessable(f"add operation does not apply: doc is missing path: {path}")
    return doc


def json_patch(doc, operations):
    if not isinstance(operations, list):
        raise bad_request("json patch must be a list of operations")
    doc = copy.deepcopy(doc)
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise bad_request(f"invalid json patch operation: {op!r}")
        kind, path = op.get("op"), op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise bad_request(f'json patch operation "{kind}" needs a value')
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            if _pointer(path):
                _remove(doc, path)
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind in ("move", "copy"):
            source = op.get("from")
            if not isinstance(source, str):
                raise bad_request(f'json patch operation "{kind}" needs "from"')
            value = _remove(doc, source) if kind == "move" else copy.deepcopy(_get(doc, source))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise _unprocessable(f"testing value {path} failed")
        else:
            raise bad_request(f'unknown json patch operation "{kind}"')
    return doc


# --- strategic merge patch ----------------------------------------------------------------------------

SET_ORDER = "$setElementOrder/"
DELETE_FROM_PRIMITIVE = "$deleteFromPrimitiveList/"


def strategic_merge(original, patch, schema):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(original, dict):
        original = {}
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise bad_request(f"unknown patch directive {directive!r}")
    result = dict(original)
    retain = patch.get("$retainKeys")
    if retain is not None:
        result = {k: v for k, v in result.items() if k in retain}
    orders = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith(SET_ORDER):
            orders[key[len(SET_ORDER):]] = value
            continue
        if key.startswith(DELETE_FROM_PRIMITIVE):
            name = key[len(DELETE_FROM_PRIMITIVE):]
            result[name] = [v for v in result.get(name) or [] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
            continue
        child = schemas.field(schema, key)
        current = result.get(key)
        if isinstance(value, dict):
            merged = strategic_merge(current, value, child)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(current if isinstance(current, list) else [], value, child)
        else:
            result[key] = copy.deepcopy(value)
    for name, order in orders.items():
        if isinstance(result.get(name), list):
            _, merge_key = schemas.patch_strategy(schemas.field(schema, name))
            result[name] = _apply_order(result[name], order, merge_key)
    return result


def _merge_list(original: list, patch: list, schema) -> list:
    strategies, merge_key = schemas.patch_strategy(schema)
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and i.get("$patch") == "replace")]
    if "merge" not in strategies:
        return copy.deepcopy(patch)
    if not merge_key:  # a merged list of primitives: union, keeping the original order
        merged = list(original)
        merged += [copy.deepcopy(v) for v in patch if v not in merged]
        return merged
    item_schema = schemas.items(schema)
    merged = [copy.deepcopy(i) for i in original]
    for item in patch:
        if not isinstance(item, dict):
            raise bad_request(f"strategic merge patch: list items of merge key {merge_key!r} must be maps")
        if merge_key not in item:
            raise bad_request(f"map: {item} does not contain declared merge key: {merge_key}")
        index = next((n for n, o in enumerate(merged)
                      if isinstance(o, dict) and o.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                merged.pop(index)
        elif index is None:
            merged.append(strategic_merge({}, item, item_schema))
        else:
            merged[index] = strategic_merge(merged[index], item, item_schema)
    return merged


def _apply_order(values: list, order: list, merge_key: str | None) -> list:
    def identity(v):
        return v.get(merge_key) if merge_key and isinstance(v, dict) else v

    wanted = [identity(o) for o in order]
    ordered = sorted((v for v in values if identity(v) in wanted), key=lambda v: wanted.index(identity(v)))
    return ordered + [v for v in values if identity(v) not in wanted]
