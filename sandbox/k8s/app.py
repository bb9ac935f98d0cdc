"""The WSGI application: routes /clusters/<region>/<name>/... to discovery, OpenAPI and the REST verbs."""

from __future__ import annotations

import json
import logging
import threading
import uuid

from werkzeug.wrappers import Request, Response

from . import clock, discovery, openapi, protobuf, tables
from .auth import Unauthorized, is_allowed, principal_of
from .clusters import DirectoryUnavailable
from .errors import ApiError, bad_request, forbidden
from .objects import APPLY_PATCH, PATCH_TYPES, ClusterObjects, WriteOptions
from .patch import json_patch, merge_patch, strategic_merge
from .scale import scale_of, with_replicas
from .selectors import check_query
from .watch import client_gone_check, stream

log = logging.getLogger(__name__)

MAX_BODY = 3 * 1024 * 1024  # the real apiserver's request size limit
JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
_FIELD_VALIDATION = ("Ignore", "Warn", "Strict")


def _json_response(body, code: int = 200, headers=None, content_type: str = JSON) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status=code, headers=headers or [],
                    content_type=content_type)


def error_response(error: ApiError) -> Response:
    return _json_response(error.status(), error.code)


class DuplicateFields(list):
    """Collects keys that occur twice in one JSON object (fieldValidation reports them)."""

    def hook(self, pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                self.append(key)
            seen[key] = value
        return seen


class Handler:
    """One request against one cluster."""

    def __init__(self, app: "K8sApp", request: Request, info, user: str, prefix: str):
        self.app, self.request, self.info, self.user, self.prefix = app, request, info, user, prefix
        self.objects = ClusterObjects(app.store, info.key)
        self.args = request.args
        self.warnings: list[str] = []

    # --- negotiation ---------------------------------------------------------------------------------

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

            return Response(yaml.safe_dump(body, sort_keys=False), status=code, headers=headers, content_type=YAML)
        return _json_response(body, code, headers)

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
        is_apply = (self.request.headers.get("Content-Type") or "").split(";")[0].strip() == APPLY_PATCH
        if manager is None and not is_apply:  # like the apiserver: the user agent's program name
            manager = (self.request.headers.get("User-Agent") or "unknown").split("/")[0]
        return WriteOptions(manager=manager or "", dry_run=bool(dry_run), field_validation=self.field_validation(),
                            force=self.args.get("force") in ("true", "1"), warnings=self.warnings)

    # --- routing -------------------------------------------------------------------------------------

    def dispatch(self, rest: str) -> Response:
        parts = [p for p in rest.split("/") if p]
        if not parts:
            return self.respond({"paths": ["/api", "/api/v1", "/apis", "/openapi/v3", "/version", "/healthz"]})
        if parts[0] in ("healthz", "livez", "readyz"):
            return Response("ok", content_type="text/plain")
        if parts == ["version"]:
            return self.respond(self.version())
        if parts[0] == "openapi":
            return self.openapi(parts[1:])
        if parts[0] == "api":
            if len(parts) == 1:
                return self.discovery_root(core=True)
            return self.api_path("", parts[1], parts[2:])
        if parts[0] == "apis":
            if len(parts) == 1:
                return self.discovery_root(core=False)
            if len(parts) == 2:
                group = discovery.api_group(self.objects.resource_types(), parts[1])
                if group is None:
                    raise ApiError(404, "the server could not find the requested resource")
                return self.respond(group)
            return self.api_path(parts[1], parts[2], parts[3:])
        raise ApiError(404, "the server could not find the requested resource")

    def version(self) -> dict:
        major, _, minor = self.info.version.partition(".")
        return {"major": major, "minor": minor, "gitVersion": f"v{self.info.version}.0-eks-sandbox",
                "gitCommit": "0" * 40, "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
                "goVersion": "go1.24.0", "compiler": "gc", "platform": "linux/amd64",
                "emulationMajor": major, "emulationMinor": minor}

    def discovery_root(self, core: bool) -> Response:
        types = self.objects.resource_types()
        if _wants_aggregated_discovery(self.request.headers.get("Accept") or ""):
            response = _json_response(discovery.aggregated(types, core), content_type=discovery.AGGREGATED_CONTENT_TYPE)
            response.headers["Vary"] = "Accept"
            return response
        if core:
            return self.respond(discovery.api_versions(self.request.host))
        return self.respond(discovery.api_group_list(types))

    def openapi(self, parts: list[str]) -> Response:
        types = self.objects.resource_types()
        if parts == ["v3"]:
            return self.respond(openapi.index(types, self.prefix))
        if parts == ["v2"]:
            version = self.version()["gitVersion"]
            if self.accepts("protobuf"):
                return Response(openapi.v2_stub(version, True), content_type=openapi.V2_PROTOBUF_TYPE)
            return self.respond(openapi.v2_stub(version, False))
        if len(parts) >= 3 and parts[0] == "v3":
            if parts[1] == "api" and len(parts) == 3:
                found = openapi.document(types, "", parts[2])
            elif parts[1] == "apis" and len(parts) == 4:
                found = openapi.document(types, parts[2], parts[3])
            else:
                found = None
            if found:
                return self.respond(found[0])
        raise ApiError(404, "the server could not find the requested resource")

    def api_path(self, group: str, version: str, segments: list[str]) -> Response:
        types = self.objects.resource_types()
        if not segments:
            listing = discovery.api_resource_list(types, group, version)
            if listing is None:
                raise ApiError(404, "the server could not find the requested resource")
            return self.respond(listing)
        watch = segments[0] == "watch"
        if watch:
            segments = segments[1:]
        namespace = None
        if len(segments) >= 3 and segments[0] == "namespaces" and not (len(segments) == 3 and
                                                                      segments[2] in ("status", "finalize")):
            namespace, segments = segments[1], segments[2:]
        if not segments or len(segments) > 3:
            raise ApiError(404, "the server could not find the requested resource")
        plural, name = segments[0], segments[1] if len(segments) > 1 else None
        subresource = segments[2] if len(segments) > 2 else ""
        rtype = self.objects.resolve(group, version, plural)
        if rtype is None or (namespace is not None and not rtype.namespaced) or \
                (subresource and subresource not in rtype.subresources) or (watch and subresource):
            raise ApiError(404, "the server could not find the requested resource")
        if rtype.namespaced and namespace is None and name is not None:
            raise ApiError(404, "the server could not find the requested resource")
        return self.resource(rtype, namespace, name, subresource, watch)

    # --- REST verbs ----------------------------------------------------------------------------------

    def _verb(self, rtype, name, watch: bool) -> str:
        method = self.request.method
        if method == "GET":
            if name:
                return "watch" if watch else "get"
            return "watch" if watch or self.args.get("watch") in ("true", "1") else "list"
        verbs = {"POST": "create", "PUT": "update", "PATCH": "patch",
                 "DELETE": "delete" if name else "deletecollection"}
        if method not in verbs or (method == "POST" and name) or (method in ("PUT", "PATCH") and not name):
            raise ApiError(405, "the server does not allow this method on the requested resource")
        return verbs[method]

    def resource(self, rtype, namespace, name, subresource: str, watch: bool) -> Response:
        verb = self._verb(rtype, name, watch)
        if verb not in rtype.verbs:
            raise ApiError(405, "the server does not allow this method on the requested resource")
        if not self.allowed(verb, rtype, namespace):
            raise forbidden(self.user, verb, rtype, namespace, name or "")
        namespace = namespace or ""
        if verb in ("list", "watch", "deletecollection"):
            check_query(self.args, rtype)
        content_type = (self.request.headers.get("Content-Type") or "").split(";")[0].strip()
        if verb == "watch":
            if "sendInitialEvents" in self.args and self.args.get("resourceVersionMatch") != "NotOlderThan":
                why = "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
                raise ApiError(422, f'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: {why}', details={
                    "group": "meta.k8s.io", "kind": "ListOptions",
                    "causes": [{"reason": "FieldValueForbidden", "message": why, "field": "resourceVersionMatch"}]})
            if name:
                selector = f"metadata.name={name}"
                extra = self.args.get("fieldSelector")
                params = {**self.args.to_dict(), "fieldSelector": f"{selector},{extra}" if extra else selector}
            else:
                params = self.args.to_dict()
            events = stream(self.objects, rtype, namespace or None, params, self.app.shutdown,
                            client_gone_check(self.request.environ.get("werkzeug.socket")))
            return Response(events, content_type=JSON, direct_passthrough=True)
        if verb == "list":
            result = self.objects.list(rtype, namespace or None, self.args.get("labelSelector"),
                                       self.args.get("fieldSelector"), _int_arg(self.args, "limit"),
                                       self.args.get("continue"))
            return self.respond(self.shape_list(rtype, result))
        if verb == "get":
            obj = self.objects.get(rtype, namespace, name)
            if subresource == "scale":
                return self.respond(scale_of(obj, rtype))
            return self.respond(self.shape_object(rtype, obj))
        if verb == "create":
            if rtype.plural in ("selfsubjectaccessreviews", "selfsubjectreviews"):
                return self.respond(self.review(rtype, self.body(content_type)), 201)
            options = self.write_options()
            created = self.objects.create(rtype, namespace, self.body(content_type), options)
            return self.respond(created, 201)
        if verb == "update":
            options = self.write_options()
            body = self.body(content_type)
            if subresource == "scale":
                return self.respond(scale_of(self.objects.update(
                    rtype, namespace, name, with_replicas(self.objects.get(rtype, namespace, name), body, rtype),
                    options), rtype))
            return self.respond(self.objects.update(rtype, namespace, name, body, options, subresource))
        if verb == "patch":
            return self.patch(rtype, namespace, name, subresource, content_type)
        if verb == "delete":
            options = self._delete_options(content_type)
            return self.respond(self.objects.delete(rtype, namespace, name, options, self._dry_run()))
        return self.delete_collection(rtype, namespace, content_type)

    def allowed(self, verb: str, rtype, namespace) -> bool:
        if is_allowed(self.info, self.user, verb, rtype, namespace):
            return True
        # Access entries may have changed within the directory's cache time: look again before refusing.
        self.info = self.app.directory.cluster(self.info.region, self.info.name, fresh=True) or self.info
        return is_allowed(self.info, self.user, verb, rtype, namespace)

    def patch(self, rtype, namespace, name, subresource, content_type) -> Response:
        if content_type not in PATCH_TYPES:
            raise ApiError(415, f'the body of the request was in an unknown format - accepted media types include: '
                                f'{", ".join(PATCH_TYPES)}', "UnsupportedMediaType")
        options = self.write_options()
        body = self.body(content_type)
        if subresource == "scale":
            current = self.objects.get(rtype, namespace, name)
            scale = scale_of(current, rtype)
            if content_type == "application/json-patch+json":
                patched = json_patch(scale, body)
            elif content_type == "application/strategic-merge-patch+json":
                patched = strategic_merge(scale, body, None)
            else:
                patched = merge_patch(scale, body)
            updated = self.objects.update(rtype, namespace, name, with_replicas(current, patched, rtype), options)
            return self.respond(scale_of(updated, rtype))
        existed = content_type != APPLY_PATCH or self.objects.find(rtype, namespace, name) is not None
        result = self.objects.patch(rtype, namespace, name, content_type, body, options, subresource)
        return self.respond(result, 200 if existed else 201)

    def _dry_run(self) -> bool:
        return "All" in self.args.getlist("dryRun")

    def _delete_options(self, content_type: str) -> dict:
        options = {}
        if self.request.content_length or self.request.headers.get("Transfer-Encoding"):
            raw = self.request.get_data(cache=True)
            if raw.strip():
                options = self.body(content_type or JSON)
        if not isinstance(options, dict):
            raise bad_request("DeleteOptions must be an object")
        if self.args.get("propagationPolicy"):
            options["propagationPolicy"] = self.args["propagationPolicy"]
        if options.get("propagationPolicy") not in (None, "Foreground", "Background", "Orphan"):
            raise bad_request(f'propagationPolicy: Unsupported value: "{options["propagationPolicy"]}"')
        if "All" in (options.get("dryRun") or []):
            self.args = self.args.copy()
            self.args.add("dryRun", "All")
        return options

    def delete_collection(self, rtype, namespace, content_type) -> Response:
        options = self._delete_options(content_type)
        listing = self.objects.list(rtype, namespace or None, self.args.get("labelSelector"),
                                    self.args.get("fieldSelector"))
        deleted = [self.objects.delete(rtype, o["metadata"].get("namespace", ""), o["metadata"]["name"], options,
                                       self._dry_run()) for o in listing["items"]]
        return self.respond({**listing, "items": deleted})

    # --- response shapes -----------------------------------------------------------------------------

    def shape_list(self, rtype, result: dict) -> dict:
        if self.accepts("as=Table"):
            return tables.table(rtype, result["items"], result["metadata"], self.args.get("includeObject", "Metadata"))
        if self.accepts("as=PartialObjectMetadataList"):
            return tables.partial_list(result["items"], result["metadata"])
        return result

    def shape_object(self, rtype, obj: dict) -> dict:
        if self.accepts("as=Table"):
            return tables.table(rtype, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                self.args.get("includeObject", "Metadata"))
        if self.accepts("as=PartialObjectMetadata"):
            return tables.partial(obj)
        return obj

    def review(self, rtype, body) -> dict:
        if not isinstance(body, dict):
            raise bad_request("the request body must be an object")
        result = {**body, "apiVersion": rtype.api_version, "kind": rtype.kind,
                  "metadata": {**(body.get("metadata") or {}), "creationTimestamp": None}}
        if rtype.plural == "selfsubjectreviews":
            result["status"] = {"userInfo": {"username": self.user, "groups": ["system:authenticated"],
                                             "extra": {"arn": [self.user],
                                                       "canonicalArn": [principal_of(self.user)]}}}
            return result
        attributes = (body.get("spec") or {}).get("resourceAttributes")
        if not isinstance(attributes, dict):  # non-resource URLs (discovery, /version) are open to everyone
            result["status"] = {"allowed": True}
            return result
        target = self.objects.resolve(attributes.get("group", ""), attributes.get("version") or "",
                                      attributes.get("resource", "")) or next(
            (t for t in self.objects.resource_types()
             if (t.group, t.plural) == (attributes.get("group", ""), attributes.get("resource"))), None)
        if target is None:
            result["status"] = {"allowed": False, "reason": "no such resource"}
            return result
        allowed = self.allowed(attributes.get("verb", ""), target, attributes.get("namespace") or None)
        result["status"] = {"allowed": allowed, **({} if allowed else {"reason": "not allowed by EKS access policies"})}
        return result


def _wants_aggregated_discovery(accept: str) -> bool:
    for media_range in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in media_range.split(";")[1:])
        if params.get("g") == "apidiscovery.k8s.io" and params.get("v") == "v2" and \
                params.get("as") == "APIGroupDiscoveryList":
            return True
    return False


def _int_arg(args, name: str) -> int:
    try:
        return max(int(args.get(name) or 0), 0)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None


class K8sApp:
    def __init__(self, store, directory, controllers, max_body: int = MAX_BODY):
        self.store = store
        self.directory = directory
        self.controllers = controllers
        self.max_body = max_body
        self.shutdown = threading.Event()

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = self.max_body
        try:
            response = self.route(request)
        except ApiError as error:
            response = error_response(error)
        except DirectoryUnavailable as error:
            response = error_response(ApiError(503, str(error)))
        except Exception as error:  # report a bug as a Status like the apiserver would, keep serving
            from werkzeug.exceptions import RequestEntityTooLarge

            if isinstance(error, RequestEntityTooLarge):
                response = error_response(ApiError(413, "the request is too large"))
            else:
                log.exception("internal error on %s %s", request.method, request.path)
                response = error_response(ApiError(500, f"internal error: {type(error).__name__}"))
        return response(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if path in ("/healthz", "/livez", "/readyz"):
            return Response("ok", content_type="text/plain")
        if path == "/_sandbox/reset":
            if request.method != "POST":
                raise ApiError(405, "use POST")
            self.reset()
            return _json_response({"reset": True})
        if path == "/_sandbox/clock":
            return _json_response(clock.control(request.method, request.get_data()))
        parts = path.split("/", 4)
        if len(parts) < 4 or parts[1] != "clusters" or not parts[2] or not parts[3]:
            raise ApiError(404, "the server could not find the requested resource; cluster APIs live under "
                                "/clusters/<region>/<name>")
        region, name = parts[2], parts[3]
        rest = "/" + parts[4] if len(parts) > 4 else "/"
        if request.content_length and request.content_length > self.max_body:
            raise ApiError(413, "the request is too large")
        info = self.directory.cluster(region, name) or self.directory.cluster(region, name, fresh=True)
        if info is None:
            raise ApiError(404, f"no EKS cluster {name} in {region}")
        # Like the real apiserver's system:public-info-viewer role: health and version need no credentials.
        public = rest.rstrip("/") in ("/healthz", "/livez", "/readyz", "/version")
        user = "system:anonymous" if public else self.authenticate(request, info)
        self.controllers.ensure(info)
        return Handler(self, request, info, user, f"/clusters/{region}/{name}").dispatch(rest)

    def authenticate(self, request: Request, info) -> str:
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Unauthorized")
        try:
            user = self.directory.identity(token.strip(), info)
        except Unauthorized:
            user = None
        if not user:
            raise ApiError(401, "Unauthorized")
        return user

    def reset(self) -> None:
        self.controllers.forget_all()
        self.store.reset()
