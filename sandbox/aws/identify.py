"""Work out which AWS API operation a raw HTTP request is, from botocore's own service models.

The SigV4 credential scope (Authorization header, or X-Amz-Credential for presigned URLs) names the
signing service and region. The operation then follows from the wire protocol:
`X-Amz-Target` (json), `Action=` (query and ec2), or method + path matched against each operation's
`http.requestUri` template (rest-json, rest-xml). Nothing here is specific to a service, so operations
moto does not implement (e.g. EKS DescribeAddonVersions) are identified just the same.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import botocore.session
from botocore.model import OperationModel, ServiceModel
from werkzeug.wrappers import Request

from sandbox.aws.extensions import Call
from sandbox.config import ACCESS_KEY_ID, DEFAULT_REGION, INTERNAL_HEADER

# Operation-name prefixes of calls that only read. REST GET/HEAD count as reads too.
READ_PREFIXES = ("Describe", "List", "Get", "Head", "Search", "Lookup", "Check", "BatchGet")
UNKNOWN = "Unknown"
SCOPE = re.compile(r"Credential=(?P<credential>[^,\s]+)")


@dataclass(frozen=True)
class Scope:
    access_key_id: str
    region: str
    service: str


def identify(request: Request) -> Call:
    """The Call a request makes; service/action are "unknown"/"Unknown" for what no model explains."""
    scope = signing_scope(request)
    internal = request.headers.get(INTERNAL_HEADER) == "1"
    if scope is None:
        return _call("unknown", UNKNOWN, "", request, None, internal, {})
    models = service_models(scope.service)
    target = request.headers.get("X-Amz-Target")
    if target:
        action = target.rsplit(".", 1)[-1]
        return _call(scope.service, action, "json", request, scope, internal, _json_body(request))
    # An "Action" parameter names the operation except for REST services (an S3 query may carry one too).
    rest_only = bool(models) and all(model.protocol.startswith("rest") for model in models)
    if "Action" in request.values and not rest_only:
        params = request.values.to_dict()
        protocol = "ec2" if any(model.protocol == "ec2" for model in models) else "query"
        return _call(scope.service, params["Action"], protocol, request, scope, internal, params)
    for model in models:
        matched = rest_matcher(model).match(request.method, raw_path(request), request.args, request.headers)
        if matched is not None:
            operation, params = matched
            if model.protocol == "rest-json":
                params = {**_json_body(request), **params}
            return _call(scope.service, operation.name, model.protocol, request, scope, internal, params)
    protocol = models[0].protocol if models else ""
    return _call(scope.service, UNKNOWN, protocol, request, scope, internal, {})


def raw_path(request: Request) -> str:
    """The path as sent. botocore percent-encodes "/" inside labels (ARNs in EKS paths), which the
    decoded `request.path` no longer tells apart from a separator; labels are decoded after matching."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    return raw.split("?", 1)[0]


def is_read(action: str, method: str, protocol: str) -> bool:
    if action.startswith(READ_PREFIXES):
        return True
    # For REST services the HTTP method says it; for the RPC protocols everything is POST (or presigned GET).
    return method in ("GET", "HEAD") and (protocol.startswith("rest") or action == UNKNOWN)


def signing_scope(request: Request) -> Scope | None:
    """Access key, region and signing service from a SigV4 Authorization header or presigned URL."""
    match = SCOPE.search(request.headers.get("Authorization", ""))
    credential = match["credential"] if match else request.args.get("X-Amz-Credential")
    if not credential:
        return None
    parts = unquote(credential).split("/")
    if len(parts) != 5:
        return None
    access_key_id, _date, region, service, _terminator = parts
    return Scope(access_key_id=access_key_id, region=region, service=service)


@functools.cache
def service_models(signing_name: str) -> tuple[ServiceModel, ...]:
    """botocore models signed with `signing_name`: usually the service of that name, else those whose metadata
    names it (e.g. "elasticloadbalancing" signs both elb and elbv2, "monitoring" is cloudwatch's)."""
    session = _session()
    available = session.get_available_services()
    if signing_name in available:
        model = session.get_service_model(signing_name)
        if model.signing_name == signing_name:
            return (model,)
    return tuple(session.get_service_model(name) for name, signed_as in signing_names().items()
                 if signed_as == signing_name)


@functools.cache
def signing_names() -> dict[str, str]:
    """{service: its signing name} for every botocore service, read from the opening of each model file (where its
    metadata is): loading all ~440 models whole costs seconds of CPU in each sandbox process, this a tenth of one."""
    session = _session()
    loader = session.get_component("data_loader")
    names = {}
    for name in session.get_available_services():
        metadata = _model_metadata(loader, name)
        if metadata is None:  # not at the opening of the file: read the model (botocore caches it)
            names[name] = session.get_service_model(name).signing_name
        else:  # botocore's rule (ServiceModel.signing_name)
            names[name] = metadata.get("signingName") or metadata.get("endpointPrefix") or name
    return names


def _model_metadata(loader, service: str) -> dict | None:
    """The `metadata` object of the service's latest service-2 model, from the first 16 KB of its file."""
    version = loader.determine_latest_version(service, "service-2")
    for folder in loader.search_paths:
        for suffix, opener in ((".json.gz", gzip.open), (".json", open)):
            path = Path(folder) / service / version / f"service-2{suffix}"
            if path.is_file():
                with opener(path, "rb") as model:
                    opening = model.read(16384).decode("utf-8", "replace")
                found = re.search(r'"metadata"\s*:\s*', opening)
                if not found:
                    return None
                try:
                    return json.JSONDecoder().raw_decode(opening, found.end())[0]
                except ValueError:
                    return None
    return None


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


class RestMatcher:
    """Matches method + path + query keys against every operation's requestUri template of one service."""

    def __init__(self, model: ServiceModel):
        self.routes = sorted((_Route(model.operation_model(name)) for name in model.operation_names),
                             key=lambda route: route.specificity, reverse=True)

    def match(self, method: str, path: str, args, headers) -> tuple[OperationModel, dict] | None:
        for route in self.routes:
            params = route.match(method, path, args, headers)
            if params is not None:
                return route.operation, params
        return None


@functools.cache
def rest_matcher(model: ServiceModel) -> RestMatcher:
    return RestMatcher(model)


class _Route:
    def __init__(self, operation: OperationModel):
        self.operation = operation
        self.method = operation.http.get("method", "POST")
        template, _, query = operation.http.get("requestUri", "/").partition("?")
        # Literal query keys in the template ("?acl", "?list-type=2") tell otherwise equal paths apart;
        # botocore's S3 "x-id" marker is never sent on the wire.
        self.required_query = {key: value for key, _, value in
                               (item.partition("=") for item in query.split("&") if item)
                               if key != "x-id"}
        members = operation.input_shape.members if operation.input_shape else {}
        required = operation.input_shape.required_members if operation.input_shape else []
        # Required query and header members tell apart operations on one path (S3 UploadPart, CopyObject).
        for name in required:
            if members[name].serialization.get("location") == "querystring":
                self.required_query.setdefault(members[name].serialization.get("name", name), "")
        self.required_headers = [members[name].serialization.get("name", name) for name in required
                                 if members[name].serialization.get("location") == "header"]
        self.labels: list[str] = []
        pattern = ""
        for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", template):
            pattern += re.escape(literal)
            if label:
                greedy = label.endswith("+")
                self.labels.append(label.rstrip("+"))
                pattern += "(.+)" if greedy else "([^/]+)"
        # Matched against the raw path (see raw_path); each label is percent-decoded after matching.
        self.regex = re.compile(pattern.rstrip("/") + "/?$")
        literal_chars = len(re.sub(r"\{[^}]+\}", "", template))
        self.specificity = (len(self.required_query) + len(self.required_headers), literal_chars,
                            -template.count("+}"))
        self.member_for_label = {shape.serialization.get("name", name): name for name, shape in members.items()
                                 if shape.serialization.get("location") == "uri"}
        self.member_for_query = {shape.serialization.get("name", name): name for name, shape in members.items()
                                 if shape.serialization.get("location") == "querystring"}

    def match(self, method: str, path: str, args, headers) -> dict | None:
        if method != self.method or not all(name in headers for name in self.required_headers):
            return None
        found = self.regex.match(path)
        if found is None:
            return None
        for key, value in self.required_query.items():
            if key not in args or (value and args.get(key) != value):
                return None
        params = {self.member_for_query[key]: args.get(key) for key in args if key in self.member_for_query}
        for label, value in zip(self.labels, found.groups()):
            params[self.member_for_label.get(label, label)] = unquote(value)
        return params


def _json_body(request: Request) -> dict:
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _call(service: str, action: str, protocol: str, request: Request, scope: Scope | None, internal: bool,
          params: dict) -> Call:
    kind = "read" if is_read(action, request.method, protocol) else "mutating"
    return Call(service=service, action=action, kind=kind, protocol=protocol,
                region=scope.region if scope else DEFAULT_REGION,
                access_key_id=scope.access_key_id if scope else ACCESS_KEY_ID,
                internal=internal, params=params)
