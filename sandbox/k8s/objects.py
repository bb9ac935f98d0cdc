"""The REST semantics of one cluster's objects: create, update, patch, delete, get, list.

The HTTP layer (routes/) and the simulated controllers (controllers/) both write through here, so
generation, managedFields, finalizers and garbage collection behave the same for everyone.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import admission, conversion, kinds, schemas
from .apply import record_update, server_side_apply, strip_nulls
from .errors import ApiError, already_exists, bad_request, conflict, invalid, not_found
from .patch import json_patch, merge_patch, strategic_merge
from .selectors import parse_field_selector, parse_label_selector
from .storage import Event, Record, StaleWrite, Store, encode
from .validation import decode, label_problems, name_problems, spec_problems

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_PATCH, APPLY_PATCH)
PATCH_ATTEMPTS = 5
PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet the real apiserver uses for generated names


def timestamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(length: int = 5) -> str:
    return "".join(secrets.choice(_NAME_CHARS) for _ in range(length))


@dataclass
class WriteOptions:
    manager: str = ""
    dry_run: bool = False
    field_validation: str = "Warn"  # Ignore | Warn | Strict
    force: bool = False
    warnings: list[str] = field(default_factory=list)


class ClusterObjects:
    """Objects of one cluster (its key in the store is "<region>/<name>")."""

    def __init__(self, store: Store, cluster: str):
        self.store = store
        self.cluster = cluster

    # --- types ---------------------------------------------------------------------------------------

    def resource_types(self) -> list[kinds.ResourceType]:
        result = list(kinds.BUILTIN_TYPES)
        # Read in place, not copied: every request for a custom resource comes here, and operators' CRDs are large.
        records, _ = self.store.records(self._key(kinds.CRD_TYPE))
        for crd in (record.obj for record in records):
            if _is_established(crd) and not crd["metadata"].get("deletionTimestamp"):
                result += kinds.crd_types(crd)
        return result

    def resolve(self, group: str, version: str, plural: str) -> kinds.ResourceType | None:
        found = kinds.builtin(group, version, plural)
        if found:
            return found
        return next((t for t in self.resource_types()
                     if (t.group, t.version, t.plural) == (group, version, plural)), None)

    def _key(self, rtype: kinds.ResourceType):
        stored = kinds.stored_type(rtype)
        return (self.cluster, stored.group, stored.plural)

    storage_key = _key

    # --- reads ---------------------------------------------------------------------------------------

    def get(self, rtype, namespace: str, name: str) -> dict:
        obj = self.store.get(self._key(rtype), namespace if rtype.namespaced else "", name)
        if obj is None:
            raise not_found(rtype, name)
        return self.present(rtype, obj)

    def find(self, rtype, namespace: str, name: str) -> dict | None:
        obj = self.store.get(self._key(rtype), namespace if rtype.namespaced else "", name)
        return self.present(rtype, obj) if obj is not None else None

    def list(self, rtype, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None, limit: int = 0, continue_token: str | None = None, *,
             shared: bool = False) -> dict:
        """A list as the API answers it. Its items are copies the caller may change; with `shared`, the stored
        objects themselves wherever present() has nothing to change in them (for a caller that only reads)."""
        records, metadata = self._select(rtype, namespace, label_selector, field_selector, limit, continue_token)
        return self._list_of(rtype, metadata, [record.obj if shared and self._presented(rtype, record.obj)
                                               else self.present(rtype, record.copy()) for record in records])

    def list_encoded(self, rtype, namespace: str | None = None, label_selector: str | None = None,
                     field_selector: str | None = None, limit: int = 0, continue_token: str | None = None) -> str:
        """list() as the compact JSON the API answers with, joined from the encodings the store keeps."""
        records, metadata = self._select(rtype, namespace, label_selector, field_selector, limit, continue_token)
        envelope = encode(self._list_of(rtype, metadata, []))  # ends with "items":[]}
        items = ",".join(record.encoded if self._presented(rtype, record.obj)
                         else encode(self.present(rtype, record.copy())) for record in records)
        return f"{envelope[:-2]}{items}]}}"

    def _select(self, rtype, namespace: str | None, label_selector: str | None, field_selector: str | None,
                limit: int, continue_token: str | None) -> tuple[list[Record], dict]:
        """The stored records a list answers with, and the list's metadata."""
        labels_match = parse_label_selector(label_selector)
        fields_match = parse_field_selector(field_selector)
        records, revision = self.store.records(self._key(rtype), namespace if rtype.namespaced else None)
        if label_selector or field_selector:
            records = [r for r in records
                       if labels_match(r.obj["metadata"].get("labels") or {}) and fields_match(r.obj)]
        metadata: dict = {"resourceVersion": str(revision)}
        if continue_token:
            try:
                position = json.loads(base64.urlsafe_b64decode(continue_token.encode()))
                after, metadata["resourceVersion"] = tuple(position["after"]), position["rv"]
            except (ValueError, KeyError, TypeError):
                raise ApiError(400, "invalid continue token", "BadRequest") from None
            records = [r for r in records
                       if (r.obj["metadata"].get("namespace", ""), r.obj["metadata"]["name"]) > after]
        if limit and len(records) > limit:
            last = records[limit - 1].obj["metadata"]
            token = {"after": [last.get("namespace", ""), last["name"]], "rv": metadata["resourceVersion"]}
            metadata["continue"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
            metadata["remainingItemCount"] = len(records) - limit
            records = records[:limit]
        return records, metadata

    @staticmethod
    def _list_of(rtype, metadata: dict, items: list) -> dict:
        return {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": metadata, "items": items}

    @staticmethod
    def _presented(rtype, obj: dict) -> bool:
        """Whether present() would leave `obj` as it is."""
        return obj.get("apiVersion") == rtype.api_version and obj.get("kind") == rtype.kind

    def present(self, rtype, obj: dict) -> dict:
        if kinds.stored_type(rtype) is not rtype:
            obj = conversion.from_stored(rtype, obj)
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        return obj

    # --- writes --------------------------------------------------------------------------------------

    def create(self, rtype, namespace: str, body, options: WriteOptions, record: bool = True) -> dict:
        stored = kinds.stored_type(rtype)
        if stored is not rtype:
            return self.present(rtype, self.create(stored, namespace, conversion.to_stored(rtype, body), options,
                                                   record))
        obj = self._check_body(rtype, body, namespace)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise invalid(rtype, "", [("FieldValueRequired", "metadata.name",
                                           "Required value: name or generateName is required")])
            meta["name"] = meta["generateName"] + random_suffix()
        self._validate(rtype, obj, options)
        if rtype.namespaced:
            self._require_namespace_accepts_content(meta["namespace"])
        if self.store.get(self._key(rtype), meta.get("namespace", ""), meta["name"]) is not None:
            raise already_exists(rtype, meta["name"])
        for server_owned in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(server_owned, None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = timestamp()
        meta["generation"] = 1
        if "status" in rtype.subresources:
            obj.pop("status", None)
        admission.apply_defaults(self, rtype, obj, None)
        if record:
            record_update(None, obj, schemas.object_schema(rtype), options.manager, rtype.api_version)
        try:
            return self._store(rtype, obj, options, expect="")
        except StaleWrite:
            raise already_exists(rtype, meta["name"]) from None

    def update(self, rtype, namespace: str, name: str, body, options: WriteOptions, subresource: str = "") -> dict:
        stored = kinds.stored_type(rtype)
        if stored is not rtype:
            return self.present(rtype, self.update(stored, namespace, name, conversion.to_stored(rtype, body), options,
                                                   subresource))
        current = self.get(rtype, namespace, name)
        obj = self._check_body(rtype, body, namespace)
        meta = obj.setdefault("metadata", {})
        if meta.get("name", name) != name:
            raise bad_request(f'the name of the object ({meta.get("name")}) does not match the name on the URL ({name})')
        meta["name"] = name
        return self._replace(rtype, current, obj, options, subresource)

    def _replace(self, rtype, current: dict, obj: dict, options: WriteOptions, subresource: str,
                 record: bool = True) -> dict:
        meta, old_meta = obj["metadata"], current["metadata"]
        wanted_version = meta.get("resourceVersion")
        if wanted_version and wanted_version != old_meta["resourceVersion"]:
            raise conflict(rtype, old_meta["name"],
                           "the object has been modified; please apply your changes to the latest version and try again")
        if subresource == "status":
            obj = {**current, "status": obj.get("status"), "metadata": {**old_meta, **_labels_and_annotations(meta)}}
            meta = obj["metadata"]
        elif "status" in rtype.subresources:
            obj["status"] = current.get("status")
            if obj["status"] is None:
                obj.pop("status")
        self._validate(rtype, obj, options)
        for immutable in ("uid", "creationTimestamp", "deletionTimestamp", "namespace", "generation"):
            if immutable in old_meta:
                meta[immutable] = old_meta[immutable]
            else:
                meta.pop(immutable, None)
        admission.apply_defaults(self, rtype, obj, current)
        if _spec_of(obj) != _spec_of(current):
            meta["generation"] = old_meta.get("generation", 1) + 1
        if record:
            record_update(current, obj, schemas.object_schema(rtype), options.manager, rtype.api_version, subresource)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            if not options.dry_run:
                self.store.remove(self._key(rtype), meta.get("namespace", ""), meta["name"])
            return self.present(rtype, obj)
        if obj == current:
            return current
        try:
            return self._store(rtype, obj, options, expect=old_meta["resourceVersion"])
        except StaleWrite:
            raise RaceLost(rtype, old_meta["name"]) from None

    def patch(self, rtype, namespace: str, name: str, patch_type: str, body, options: WriteOptions,
              subresource: str = "") -> dict:
        """Like the apiserver, a patch that loses a race with another write is re-applied to the new object."""
        for _ in range(PATCH_ATTEMPTS - 1):
            try:
                return self._patch_once(rtype, namespace, name, patch_type, body, options, subresource)
            except RaceLost:
                continue
        return self._patch_once(rtype, namespace, name, patch_type, body, options, subresource)

    def _patch_once(self, rtype, namespace, name, patch_type, body, options: WriteOptions, subresource: str) -> dict:
        stored = kinds.stored_type(rtype)
        if patch_type == APPLY_PATCH:
            if stored is not rtype:
                return self.present(rtype, self._apply(stored, namespace, name, conversion.to_stored(rtype, body),
                                                       options, subresource))
            return self._apply(rtype, namespace, name, body, options, subresource)
        current = self.get(rtype, namespace, name)
        patched = self._patched(rtype, current, patch_type, body, name)
        if stored is not rtype:  # patched in the served form, replaced in the stored one
            return self.present(rtype, self._replace(stored, self.get(stored, namespace, name),
                                                     conversion.to_stored(rtype, patched), options, subresource))
        return self._replace(rtype, current, patched, options, subresource)

    def _patched(self, rtype, current: dict, patch_type: str, body, name: str) -> dict:
        if patch_type == JSON_PATCH:
            patched = json_patch(current, body)
        elif not isinstance(body, dict):
            raise bad_request("patch body must be a JSON object")
        elif patch_type == MERGE_PATCH:
            patched = merge_patch(current, body)
        elif patch_type == STRATEGIC_PATCH:
            if rtype.is_custom:
                raise ApiError(415, f"strategic merge patch is not supported for {rtype.group_resource}; use "
                                    "merge patch, JSON patch or server-side apply", "UnsupportedMediaType")
            patched = strategic_merge(current, body, schemas.object_schema(rtype))
        else:
            raise ApiError(415, f"unsupported patch type {patch_type!r}", "UnsupportedMediaType")
        if not isinstance(patched, dict):
            raise bad_request("the patch did not produce an object")
        patched = strip_nulls(patched)  # a JSON patch may set a null, which decodes to "not set" like in a body
        patched.setdefault("metadata", {})["name"] = name
        self._check_kind(rtype, patched)
        if "resourceVersion" not in (body.get("metadata") or {} if isinstance(body, dict) else {}):
            patched["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return patched

    def _apply(self, rtype, namespace, name, body, options: WriteOptions, subresource: str) -> dict:
        if not options.manager:
            raise bad_request("PATCH requests with apply-patch content type require fieldManager to be set")
        config = self._check_body(rtype, body, namespace)
        if config.get("metadata", {}).get("name", name) != name:
            raise bad_request("the name of the object does not match the name on the URL")
        self._check_fields(rtype, config, options)
        current = self.find(rtype, namespace, name)
        schema = schemas.object_schema(rtype)
        merged = server_side_apply(current, config, schema, options.manager, options.force, rtype.api_version)
        merged["metadata"]["name"] = name
        if current is None:
            return self.create(rtype, namespace, merged, WriteOptions(options.manager, options.dry_run, "Ignore"),
                               record=False)
        # merged carries the live resourceVersion, or the configuration's, which then acts as a precondition.
        return self._replace(rtype, current, merged, options, subresource, record=False)

    def delete(self, rtype, namespace: str, name: str, options: dict | None = None, dry_run: bool = False) -> dict:
        stored = kinds.stored_type(rtype)
        if stored is not rtype:
            return self.present(rtype, self.delete(stored, namespace, name, options, dry_run))
        options = options or {}
        current = self.get(rtype, namespace, name)
        meta = current["metadata"]
        preconditions = options.get("preconditions") or {}
        if preconditions.get("uid") and preconditions["uid"] != meta["uid"]:
            raise conflict(rtype, name, f'Precondition failed: UID in precondition: {preconditions["uid"]}, '
                                        f'UID in object meta: {meta["uid"]}')
        if preconditions.get("resourceVersion") and preconditions["resourceVersion"] != meta["resourceVersion"]:
            raise conflict(rtype, name, "Precondition failed: ResourceVersion in precondition does not match")
        if dry_run:
            return current
        policy = options.get("propagationPolicy") or ("Orphan" if options.get("orphanDependents") else "Background")
        if policy == "Orphan":
            self._orphan_dependents(meta["uid"])
        finalizers = list(meta.get("finalizers") or [])
        if policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if rtype.kind == "Namespace" and rtype.group == "":
            if name in PROTECTED_NAMESPACES:
                raise ApiError(403, f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                               "Forbidden", {"name": name, "kind": "namespaces"})
            return self._terminate_namespace(current)
        if finalizers:
            if meta.get("deletionTimestamp") and finalizers == meta.get("finalizers"):
                return current
            version = meta["resourceVersion"]
            meta["finalizers"] = finalizers
            meta.setdefault("deletionTimestamp", timestamp())
            meta["deletionGracePeriodSeconds"] = 0
            try:
                return self.store.put(self._key(rtype), current, expect=version)
            except StaleWrite:
                raise RaceLost(rtype, name) from None
        gone = self.store.remove(self._key(rtype), meta.get("namespace", ""), name)
        return self.present(rtype, gone)

    def _terminate_namespace(self, namespace: dict) -> dict:
        meta = namespace["metadata"]
        if not meta.get("deletionTimestamp"):
            version = meta["resourceVersion"]
            meta["deletionTimestamp"] = timestamp()
            namespace.setdefault("status", {})["phase"] = "Terminating"
            try:
                namespace = self.store.put(self._key(kinds.NAMESPACE_TYPE), namespace, expect=version)
            except StaleWrite:
                raise RaceLost(kinds.NAMESPACE_TYPE, meta["name"]) from None
        return self.present(kinds.NAMESPACE_TYPE, namespace)

    def _orphan_dependents(self, owner_uid: str) -> None:
        for rtype, obj in self.all_objects():
            refs = obj["metadata"].get("ownerReferences") or []
            if any(r.get("uid") == owner_uid for r in refs):
                obj["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != owner_uid]
                self.store.put(self._key(rtype), obj)

    def remove(self, rtype, namespace: str, name: str) -> None:
        """Drop an object at once, past finalizers and grace (a namespace whose content is gone)."""
        self.store.remove(self._key(rtype), namespace if rtype.namespaced else "", name)

    def remove_unserved(self) -> None:
        """Drop the objects of resources no longer served (their CRD was deleted)."""
        served = {(t.group, t.plural) for t in self.resource_types()}
        for key in self.store.keys():
            cluster, group, plural = key
            if cluster == self.cluster and (group, plural) not in served:
                for obj in self.store.list(key)[0]:
                    self.store.remove(key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])

    def events_since(self, revision: int | None) -> tuple[int, list[Event] | None]:
        """The store's revision now, and this cluster's events after `revision`: None for the events when
        `revision` is None or older than the event history reaches."""
        now = self.store.revision
        if revision is None or revision < self.store.oldest_watchable:
            return now, None
        return now, [e for e in self.store.events_after(revision) if e.cluster == self.cluster]

    def all_objects(self, read_only: bool = False):
        """(type, object) for every stored object of this cluster (used by GC and namespace cleanup). With
        `read_only` the stored objects themselves, as stored, which the caller must not change: a pass that only
        reads metadata then costs no copy of every object (large ConfigMaps and CRDs included)."""
        by_plural = {(t.group, t.plural): t for t in self.resource_types() if kinds.stored_type(t) is t}
        for cluster, group, plural in self.store.keys():
            rtype = by_plural.get((group, plural))
            if cluster != self.cluster or not rtype:
                continue
            if read_only:
                for record in self.store.records((cluster, group, plural))[0]:
                    yield rtype, record.obj
            else:
                for obj in self.store.list((cluster, group, plural))[0]:
                    yield rtype, self.present(rtype, obj)

    def _store(self, rtype, obj: dict, options: WriteOptions, expect: str | None) -> dict:
        if options.dry_run:
            return self.present(rtype, obj)
        return self.present(rtype, self.store.put(self._key(rtype), obj, expect))

    # --- checks --------------------------------------------------------------------------------------

    def _check_body(self, rtype, body, namespace: str) -> dict:
        if not isinstance(body, dict):
            raise bad_request("the request body must be an object")
        body = strip_nulls(body)  # a JSON null decodes to the field's zero value, i.e. "not set"
        if rtype.namespaced and not namespace:
            raise ApiError(404, "the server could not find the requested resource (a namespaced resource needs "
                                "/namespaces/<namespace>/ in the path)")
        obj = dict(body)
        self._check_kind(rtype, obj)
        meta = obj.get("metadata") or {}
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        obj["metadata"] = meta = dict(meta)
        if rtype.namespaced:
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
        return obj

    def _check_kind(self, rtype, obj: dict) -> None:
        if obj.get("kind") not in (None, "", rtype.kind):
            raise bad_request(f'the kind "{obj.get("kind")}" does not match the resource {rtype.group_resource} '
                              f'(expected kind "{rtype.kind}")')
        if obj.get("apiVersion") and obj["apiVersion"].rpartition("/")[0] != rtype.group:
            raise bad_request(f'the API version in the data ({obj["apiVersion"]}) does not match the expected API '
                              f"version ({rtype.api_version})")

    def _validate(self, rtype, obj: dict, options: WriteOptions) -> None:
        self._check_fields(rtype, obj, options)  # first: the checks below rely on the JSON types being right
        meta = obj["metadata"]
        name = meta.get("name") or ""
        problems = name_problems(rtype.group, rtype.kind, name) if name else []
        problems += label_problems(meta.get("labels"))
        problems += admission.problems(rtype, obj)
        problems += spec_problems(rtype, obj)
        if problems:
            raise invalid(rtype, name, problems)

    def _check_fields(self, rtype, obj: dict, options: WriteOptions) -> None:
        """Wrong JSON types: 400 (custom resources: 422 from spec_problems, as CRD validation reports them). Unknown
        fields: 400 under Strict, a warning under Warn, and dropped like the apiserver's decoder does."""
        schema = schemas.object_schema(rtype)
        mistyped = [] if rtype.is_custom else schemas.type_errors(obj, schema)
        if mistyped:
            path, expected = mistyped[0]
            raise bad_request(f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: '
                              f'field "{schemas.dotted(path)}" must be of type {expected}')
        unknown = schemas.unknown_fields(obj, schema)
        if unknown and options.field_validation == "Strict":
            raise bad_request(f"{rtype.kind} in version \"{rtype.version}\" cannot be handled as a {rtype.kind}: "
                              "strict decoding error: " + ", ".join(f'unknown field "{schemas.dotted(p)}"' for p in unknown))
        if options.field_validation == "Warn":
            options.warnings += [f'unknown field "{schemas.dotted(p)}"' for p in unknown]
        schemas.drop_fields(obj, unknown)
        decode(rtype, obj)

    def _require_namespace_accepts_content(self, namespace: str) -> None:
        ns = self.store.get(self._key(kinds.NAMESPACE_TYPE), "", namespace)
        if ns is None:
            raise ApiError(404, f'namespaces "{namespace}" not found',
                           details={"name": namespace, "kind": "namespaces"})
        if ns["metadata"].get("deletionTimestamp"):
            raise ApiError(403, f"unable to create new content in namespace {namespace} because it is being "
                                "terminated", "Forbidden",
                           details={"name": namespace, "kind": "namespaces",
                                    "causes": [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                                "message": f"namespace {namespace} is being terminated"}]})


class RaceLost(ApiError):
    """409 for a write whose object changed between read and write (patches retry on it)."""

    def __init__(self, rtype, name: str):
        error = conflict(rtype, name, "the object has been modified; please apply your changes to the latest "
                                      "version and try again")
        super().__init__(error.code, error.message, error.reason, error.details)


def _spec_of(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _labels_and_annotations(meta: dict) -> dict:
    return {k: meta[k] for k in ("labels", "annotations") if k in meta}


def _is_established(crd: dict) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or [])
