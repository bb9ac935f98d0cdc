"""Field ownership for server-side apply: field sets as path tuples, and their FieldsV1 encoding.

A path element is ("f", field name), ("k", JSON of a map-list item's keys), ("v", JSON of a set-list
value). Leaf paths name owned values; a path ending in "k"/"v" names a list item itself (FieldsV1's ".").
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from . import schemas

Path = tuple[tuple[str, str], ...]
# Fields the server owns; nobody's field set includes them (as in the real apiserver).
_IGNORED_TOP = {"apiVersion", "kind", "status"}
_IGNORED_METADATA = {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                     "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}


def item_key(item: dict, keys: list[str]) -> str:
    return json.dumps({k: item[k] for k in keys if k in item}, separators=(",", ":"))


def field_paths(obj: dict, schema, include_status: bool = False, live: dict | None = None) -> set[Path]:
    """The leaf paths of an object. With `live`, list items are keyed by the matching live item, whose
    defaulted key fields (a port's protocol) the object itself may leave out."""
    paths: set[Path] = set()
    for key, value in obj.items():
        if key in _IGNORED_TOP and not (key == "status" and include_status):
            continue
        if key == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _IGNORED_METADATA}
            if not value:
                continue
        _collect(value, schemas.field(schema, key), (("f", key),), paths, (live or {}).get(key))
    return paths


def _collect(value, schema, prefix: Path, paths: set[Path], live=None) -> None:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            _collect(child, schemas.field(schema, key), prefix + (("f", key),), paths,
                     live.get(key) if isinstance(live, dict) else None)
        return
    if isinstance(value, list) and value:
        keys = schemas.list_keys(schema)
        if keys and all(isinstance(i, dict) for i in value):
            item_schema = schemas.items(schema)
            for item in value:
                live_item = matching_item(live, item, keys)
                item_path = prefix + (("k", item_key(live_item or item, keys)),)
                paths.add(item_path)
                for key, child in item.items():
                    _collect(child, schemas.field(item_schema, key), item_path + (("f", key),), paths,
                             (live_item or {}).get(key))
            return
        if schemas.is_set_list(schema):
            for item in value:
                paths.add(prefix + (("v", json.dumps(item, separators=(",", ":"))),))
            return
    paths.add(prefix)


def matching_item(items, item: dict, keys: list[str]) -> dict | None:
    """The list item with the same keys; a key one side leaves out (left to defaulting) matches any value."""
    if not isinstance(items, list):
        return None
    return next((i for i in items if isinstance(i, dict)
                 and all(k not in item or k not in i or i[k] == item[k] for k in keys)), None)


def value_at(obj, path: Path):
    """The value a path names in an object, or a sentinel when absent."""
    current = obj
    for kind, name in path:
        if kind == "f":
            if not isinstance(current, dict) or name not in current:
                return _MISSING
            current = current[name]
        elif kind == "k":
            wanted = json.loads(name)
            current = matching_item(current, wanted, list(wanted))
            if current is None:
                return _MISSING
        else:
            wanted = json.loads(name)
            if not isinstance(current, list) or wanted not in current:
                return _MISSING
            current = wanted
    return current


_MISSING = object()


def remove_path(obj, path: Path) -> None:
    parent = obj
    for kind, name in path[:-1]:
        parent = value_at(parent, ((kind, name),))
        if parent is _MISSING:
            return
    kind, name = path[-1]
    if kind == "f" and isinstance(parent, dict):
        parent.pop(name, None)
    elif kind in ("k", "v") and isinstance(parent, list):
        target = value_at(parent, ((kind, name),))
        if target is not _MISSING:
            parent.remove(target)


def to_fields_v1(paths: set[Path]) -> dict:
    root: dict = {}
    for path in sorted(paths):
        node = root
        for kind, name in path:
            node = node.setdefault(f"{kind}:{name}", {})
        if path and path[-1][0] in ("k", "v"):
            node.setdefault(".", {})
    return root


def from_fields_v1(tree: dict, prefix: Path = ()) -> set[Path]:
    paths: set[Path] = set()
    if not isinstance(tree, dict):
        return paths
    if not tree and prefix:
        paths.add(prefix)
    for key, child in tree.items():
        if key == ".":
            paths.add(prefix)
            continue
        kind, _, name = key.partition(":")
        paths |= from_fields_v1(child, prefix + ((kind, name),))
    return paths


def describe(path: Path) -> str:
    """A path in the notation conflict messages use: .spec.replicas, .spec.containers[name="a"].image"""
    text = ""
    for kind, name in path:
        if kind == "f":
            text += f".{name}"
        elif kind == "k":
            text += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(name).items()) + "]"
        else:
            text += f"[{name}]"
    return text


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(path: Path, obj, schema) -> Path:
    """The path with each list item keyed by all key fields of the matching item in `obj`, so an entry
    recorded before defaulting (port 80) equals one recorded after (port 80, protocol TCP)."""
    result = []
    current = obj
    for kind, name in path:
        if kind == "f":
            schema = schemas.field(schema, name)
            current = current.get(name) if isinstance(current, dict) else None
        elif kind == "k":
            keys = schemas.list_keys(schema) or list(json.loads(name))
            item = matching_item(current, json.loads(name), keys)
            if item is not None:
                name = item_key(item, keys)
            schema, current = schemas.items(schema), item
        else:
            schema, current = schemas.items(schema), None
        result.append((kind, name))
    return tuple(result)


class Ownership:
    """The managedFields of one object, as {(manager, operation, subresource): (apiVersion, paths)}."""

    def __init__(self, managed_fields: list | None, obj: dict | None = None, schema=None):
        self.entries: dict[tuple[str, str, str], tuple[str, set[Path]]] = {}
        for entry in managed_fields or []:
            if not isinstance(entry, dict):
                continue
            key = (entry.get("manager", ""), entry.get("operation", "Update"), entry.get("subresource", ""))
            paths = from_fields_v1(entry.get("fieldsV1") or {})
            if obj is not None:
                paths = {canonical(p, obj, schema) for p in paths}
            self.entries[key] = (entry.get("apiVersion", ""), paths)

    def owned_by_others(self, manager: str, operation: str) -> dict[Path, list[str]]:
        owners: dict[Path, list[str]] = {}
        for (name, op, _), (_, paths) in self.entries.items():
            if (name, op) == (manager, operation):
                continue
            for path in paths:
                owners.setdefault(path, []).append(name)
        return owners

    def paths_of(self, manager: str, operation: str, subresource: str = "") -> set[Path]:
        return set(self.entries.get((manager, operation, subresource), ("", set()))[1])

    def assign(self, manager: str, operation: str, api_version: str, paths: set[Path], subresource: str = "") -> None:
        self.entries[(manager, operation, subresource)] = (api_version, set(paths))

    def take_from_others(self, manager: str, operation: str, paths: set[Path]) -> None:
        for key, (api_version, owned) in self.entries.items():
            if key[:2] != (manager, operation):
                self.entries[key] = (api_version, owned - paths)

    def keep_only_existing(self, obj: dict) -> None:
        for key, (api_version, owned) in self.entries.items():
            self.entries[key] = (api_version, {p for p in owned if value_at(obj, p) is not _MISSING})

    def to_managed_fields(self, previous: list | None, touched: tuple[str, str, str]) -> list:
        """The managedFields list; the entry this write touched gets the current time."""
        times = {(e.get("manager", ""), e.get("operation", "Update"), e.get("subresource", "")): e.get("time")
                 for e in previous or [] if isinstance(e, dict)}
        result = []
        for key, (api_version, paths) in self.entries.items():
            if not paths:
                continue
            manager, operation, subresource = key
            entry = {"manager": manager, "operation": operation, "apiVersion": api_version,
                     "time": now() if key == touched else times.get(key) or now(), "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths)}
            if subresource:
                entry["subresource"] = subresource
            result.append(entry)
        return result
