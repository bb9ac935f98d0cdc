"""One request against one cluster: content negotiation, request bodies, write options, authorization."""

from __future__ import annotations

import json
import uuid

from werkzeug.wrappers import Request, Response

from .. import protobuf, rbac
from ..auth import is_allowed
from ..errors import ApiError, bad_request
from ..objects import APPLY_PATCH, PATCH_TYPES, ClusterObjects, WriteOptions
from ..storage import encode

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
_FIELD_VALIDATION = ("Ignore", "Warn", "Strict")


class EncodedJSON(str):
    """A body that is JSON text already (a list joined from the store's encodings), sent as it is."""


def json_response(body, code: int = 200, headers=None, content_type: str = JSON) -> Response:
    text = body if isinstance(body, EncodedJSON) else encode(body)
    return Response(text, status=code, headers=headers or [], content_type=content_type)


def error_response(error: ApiError) -> Response:
    return json_response(error.status(), error.code)


def int_arg(args, name: str) -> int:
    try:
        return max(int(args.get(name) or 0), 0)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None


class DuplicateFields(list):
    """Collects keys that occur twice in one JSON object (fieldValidation reports them)."""

    def hook(self, pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                self.append(key)
            seen[key] = value
        return seen


class Exchange:
    """A request to one cluster's API by an authenticated user, and what its answer needs."""

    def __init__(self, app, request: Request, info, user: str, prefix: str):
        self.app, self.request, self.info, self.user, self.prefix = app, request, info, user, prefix
        self.objects = ClusterObjects(app.store, info.key)
        self.args = request.args
        self.warnings: list[str] = []

    @property
    def content_type(self) -> str:
        return (self.request.headers.get("Content-Type") or "").split(";")[0].strip()

    def accepts(self, marker: str) -> bool:
        return marker in (self.request.headers.get("Accept") or "")

    def respond(self, body, code: int = 200) -> Response:
        accept = self.request.headers.get("Accept") or ""
        headers = [("Warning", '299 - "' + w.replace("\\", "\\\\").replace('"', '\\"') + '"') for w in self.warnings]
        headers.append(("Audit-Id", str(uuid.uuid4())))
        if accept and not any(t in accept for t in ("json", "*/*", "yaml")):
            raise ApiError(406, f"only the following media types are accepted: {JSON}, {YAML}")
        if "yaml" in accept and "json" not in accept:
            import yaml

            if isinstance(body, EncodedJSON):
                body = json.loads(body)
            return Response(yaml.safe_dump(body, sort_keys=False), status=code, headers=headers, content_type=YAML)
        return json_response(body, code, headers)

    def body(self, content_type: str):
        raw = self.request.get_data(cache=False)
        if not raw:
            raise bad_request("the request body is empty")
        if content_type.startswith(PROTOBUF):
            return protobuf.decode(raw)
        if content_type in (APPLY_PATCH, YAML, "application/yml", "text/yaml"):
            import yaml

            try:
                return yaml.safe_load(raw)
            except yaml.YAMLError as error:
                raise bad_request(f"error converting YAML to JSON: {error}") from None
        if content_type not in (JSON, *PATCH_TYPES, ""):
            raise ApiError(415, f'the body of the request was in an unknown format - accepted media types '
                                f'include: application/json, application/yaml', "UnsupportedMediaType")
        duplicates = DuplicateFields()
        try:
            value = json.loads(raw, object_pairs_hook=duplicates.hook)
        except (ValueError, RecursionError) as error:
            raise bad_request(f"couldn't get version/kind; json parse error: {error}") from None
        if duplicates:
            if self.field_validation() == "Strict":
                raise bad_request("strict decoding error: " + ", ".join(f'duplicate field "{d}"' for d in duplicates))
            self.warnings += [f'duplicate field "{d}"' for d in duplicates]
        return value

    def field_validation(self) -> str:
        value = self.args.get("fieldValidation") or "Warn"
        if value not in _FIELD_VALIDATION:
            raise bad_request(f'fieldValidation must be one of {", ".join(_FIELD_VALIDATION)}, not "{value}"')
        return value

    def write_options(self) -> WriteOptions:
        dry_run = self.args.getlist("dryRun")
        if any(d != "All" for d in dry_run):
            raise bad_request("dryRun: Unsupported value: only All is supported")
        manager = self.args.get("fieldManager")
        if manager is None and self.content_type != APPLY_PATCH:  # like the apiserver: the user agent's program
            manager = (self.request.headers.get("User-Agent") or "unknown").split("/")[0]
        return WriteOptions(manager=manager or "", dry_run=bool(dry_run), field_validation=self.field_validation(),
                            force=self.args.get("force") in ("true", "1"), warnings=self.warnings)

    def dry_run(self) -> bool:
        return "All" in self.args.getlist("dryRun")

    @property
    def is_service_account(self) -> bool:
        return rbac.is_service_account(self.user)

    def permits(self, verb: str, rtype, namespace) -> bool:
        """Whether the user may, by the access entries as cached (EKS identities) or RBAC (service accounts)."""
        if self.is_service_account:
            return rbac.allowed(self.objects, self.user, verb, rtype, namespace)
        return is_allowed(self.info, self.user, verb, rtype, namespace)

    def allowed(self, verb: str, rtype, namespace) -> bool:
        if self.permits(verb, rtype, namespace):
            return True
        if self.is_service_account:  # RBAC objects are read live: nothing to look at again
            return False
        # Access entries may have changed within the directory's cache time: look again before refusing.
        self.info = self.app.directory.cluster(self.info.region, self.info.name, fresh=True) or self.info
        return is_allowed(self.info, self.user, verb, rtype, namespace)
