"""The WSGI application: the root paths (/healthz, /_sandbox/reset, /_sandbox/clock, /_sandbox/writes), the cluster
a path names, its caller's identity; routes/ answers the cluster's own paths."""

from __future__ import annotations

import logging
import threading

from werkzeug.wrappers import Request, Response

from . import clock, service_accounts
from .auth import TOKEN_PREFIX, Unauthorized
from .clusters import DirectoryUnavailable
from .errors import ApiError
from .objects import ClusterObjects
from .routes import dispatch
from .routes.exchange import Exchange, error_response, json_response

log = logging.getLogger(__name__)

MAX_BODY = 3 * 1024 * 1024  # the real apiserver's request size limit
READ_METHODS = ("GET", "HEAD", "OPTIONS")


class K8sApp:
    def __init__(self, store, directory, controllers, max_body: int = MAX_BODY):
        self.store = store
        self.directory = directory
        self.controllers = controllers
        self.max_body = max_body
        self.shutdown = threading.Event()
        # Every write request clients sent to a cluster (GET|DELETE /_sandbox/writes): tests prove a run that
        # should change nothing in the cluster sent none. The simulated controllers write to the store directly.
        self.writes: list[dict] = []
        self.writes_lock = threading.Lock()

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
            return json_response({"reset": True})
        if path == "/_sandbox/clock":
            return json_response(clock.control(request.method, request.get_data()))
        if path == "/_sandbox/writes":
            return json_response(self.write_log(request.method))
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
        if request.method not in READ_METHODS:
            with self.writes_lock:
                self.writes.append({"cluster": name, "method": request.method, "path": rest,
                                    "dry_run": "dryRun" in request.args, "user": user})
        self.controllers.ensure(info)
        return dispatch(Exchange(self, request, info, user, f"/clusters/{region}/{name}"), rest)

    def authenticate(self, request: Request, info) -> str:
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Unauthorized")
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX):  # a service account's token, issued by this emulator
            user = service_accounts.user(token, info, ClusterObjects(self.store, info.key))
            if user:
                return user
            raise ApiError(401, "Unauthorized")
        try:
            user = self.directory.identity(token, info)
        except Unauthorized:
            user = None
        if not user:
            raise ApiError(401, "Unauthorized")
        return user

    def write_log(self, method: str) -> dict:
        """GET: {"writes": [{"cluster", "method", "path", "dry_run", "user"}, ...]} in arrival order; DELETE clears it."""
        with self.writes_lock:
            if method == "DELETE":
                self.writes.clear()
                return {"writes": []}
            if method != "GET":
                raise ApiError(405, "use GET or DELETE")
            return {"writes": list(self.writes)}

    def reset(self) -> None:
        self.controllers.forget_all()
        self.store.reset()
        self.write_log("DELETE")
