"""Server-side apply: merge an apply configuration into the live object and track field ownership."""

from __future__ import annotations

import copy

from . import schemas
from .errors import ApiError
from .managed_fields import Ownership, matching_item, describe, field_paths, remove_path, value_at


def strip_nulls(value):
    """A JSON null means "not set" (the zero value the apiserver decodes it to); apply configurations too."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def structured_merge(current, config, schema):
    if isinstance(config, dict) and isinstance(current, dict):
        result = dict(current)
        for key, value in config.items():
            result[key] = structured_merge(current.get(key), value, schemas.field(schema, key))
        return result
    if isinstance(config, list) and isinstance(current, list):
        keys = schemas.list_keys(schema)
        if keys and all(isinstance(i, dict) for i in config + current):
            result = list(current)
            for item in config:
                match = matching_item(result, item, keys)
                index = next((n for n, old in enumerate(result) if old is match), None)
                if index is None:
                    result.append(copy.deepcopy(item))
                else:
                    result[index] = structured_merge(result[index], item, schemas.items(schema))
            return result
        if schemas.is_set_list(schema):
            return list(current) + [copy.deepcopy(v) for v in config if v not in current]
    return copy.deepcopy(config)


def server_side_apply(current: dict | None, config: dict, schema, manager: str, force: bool,
                      api_version: str) -> dict:
    """The object after `manager` applies `config`; raises 409 listing conflicting fields unless forced."""
    config = strip_nulls(config)
    previous_entries = (current or {}).get("metadata", {}).get("managedFields")
    ownership = Ownership(previous_entries, current, schema)
    merged = structured_merge(copy.deepcopy(current or {}), config, schema)
    applied = field_paths(config, schema, live=merged)
    if current is not None:
        others = ownership.owned_by_others(manager, "Apply")
        conflicts = [(path, others[path]) for path in sorted(applied)
                     if path in others and path[-1][0] == "f" and value_at(current, path) != value_at(config, path)]
        if conflicts and not force:
            raise _conflict_error(conflicts, api_version)
        ownership.take_from_others(manager, "Apply", {path for path, _ in conflicts})
    owned_elsewhere = set(ownership.owned_by_others(manager, "Apply"))
    for path in sorted(ownership.paths_of(manager, "Apply") - applied, key=len, reverse=True):
        if not any(other[:len(path)] == path for other in owned_elsewhere):
            remove_path(merged, path)
    ownership.assign(manager, "Apply", api_version, applied)
    ownership.keep_only_existing(merged)
    if current is not None and merged == current and \
            ownership.entries == Ownership(previous_entries, current, schema).entries:
        return current  # nothing changed: keep the entry's old time too, so the write is a no-op
    merged.setdefault("metadata", {})["managedFields"] = ownership.to_managed_fields(
        previous_entries, (manager, "Apply", ""))
    return merged


def _conflict_error(conflicts, api_version: str) -> ApiError:
    causes = [{"reason": "FieldManagerConflict", "field": describe(path),
               "message": f'conflict with "{owners[0]}" using {api_version}'} for path, owners in conflicts]
    lines = "\n".join(f'- {c["message"]}: {c["field"]}' for c in causes)
    return ApiError(409, f"Apply failed with {len(causes)} conflict{'s' if len(causes) > 1 else ''}: {lines}",
                    "Conflict", {"causes": causes})


def record_update(previous: dict | None, updated: dict, schema, manager: str, api_version: str,
                  subresource: str = "") -> None:
    """A non-apply write: the manager takes the fields it changed (no conflicts), as the real apiserver does."""
    previous_entries = (previous or {}).get("metadata", {}).get("managedFields")
    ownership = Ownership(updated.get("metadata", {}).get("managedFields")
                          if _client_set_managed_fields(previous, updated) else previous_entries, updated, schema)
    include_status = subresource == "status"
    new_paths = field_paths(updated, schema, include_status)
    old_paths = field_paths(previous, schema, include_status) if previous else set()
    changed = {p for p in new_paths if p not in old_paths or value_at(previous, p) != value_at(updated, p)}
    if changed:
        ownership.take_from_others(manager, "Update", changed)
        ownership.assign(manager, "Update", api_version,
                         ownership.paths_of(manager, "Update", subresource) | changed, subresource)
    ownership.keep_only_existing(updated)
    entries = ownership.to_managed_fields(previous_entries, (manager, "Update", subresource) if changed else ("", "", ""))
    meta = updated.setdefault("metadata", {})
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)


def _client_set_managed_fields(previous: dict | None, updated: dict) -> bool:
    """Clients may rewrite managedFields (kubectl does, migrating client-side to server-side apply)."""
    new = updated.get("metadata", {}).get("managedFields")
    old = (previous or {}).get("metadata", {}).get("managedFields")
    return bool(new) and new != old
