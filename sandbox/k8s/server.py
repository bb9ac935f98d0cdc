"""The HTTPS server process: threaded werkzeug server, state under <state-dir>/k8s, port file when listening."""

from __future__ import annotations

import io
import logging
import ssl
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from . import service_accounts
from .app import MAX_BODY, K8sApp
from .controllers import CONTROLLERS, DEFAULT_DELAY, ControllerLoop
from .controllers.operators import STAGES
from .storage import Store

log = logging.getLogger(__name__)


# An idle keep-alive connection is closed after this long, so it does not hold a server thread forever
# (Go's HTTP client drops idle connections after 90 s itself).
IDLE_TIMEOUT = 120


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 with persistent connections, which kubectl, helm and the Python client reuse (saving a TCP and
    TLS handshake per request). werkzeug's own run_wsgi always answers `Connection: close` and then waits
    10 ms draining the socket, which would swallow the next request; this one reads exactly the request body
    and leaves the connection open. No access log line per request (watches and controllers would flood
    k8s.log)."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm the body would wait for the client's
    # delayed ACK (~40 ms) on every reused connection.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT  # socketserver sets it on the connection: also bounds a client that stops reading

    def log_request(self, code="-", size="-"):
        pass

    def log_error(self, format, *args):
        if not format.startswith("Request timed out"):  # an idle keep-alive connection reaching IDLE_TIMEOUT
            super().log_error(format, *args)

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        length = environ.get("CONTENT_LENGTH") or "0"
        length = int(length) if length.isdigit() else -1
        if environ.get("wsgi.input_terminated") or not 0 <= length <= MAX_BODY:
            # A chunked or oversized body may be left partly unread: the next request would start inside it.
            self.close_connection = True
        else:
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length))
        try:
            self._respond(environ)
        except Exception:
            self.close_connection = True  # a half-sent response can only be ended by closing
            raise
        if length > MAX_BODY:  # answered 413 unread: taking the rest lets the client see that, not a reset
            while length > 0 and (chunk := self.rfile.read(min(length, 1 << 20))):
                length -= len(chunk)

    def _respond(self, environ) -> None:
        started: list = []  # [status, headers] from start_response
        sent = chunked = False

        def write(data: bytes) -> None:
            nonlocal sent, chunked
            if not sent:
                status, headers = started
                code, _, message = status.partition(" ")
                self.send_response(int(code), message)
                names = set()
                for name, value in headers:
                    self.send_header(name, value)
                    names.add(name.lower())
                if "content-length" not in names and environ["REQUEST_METHOD"] != "HEAD" \
                        and int(code) not in (204, 304) and int(code) >= 200:
                    # Streams (watches) have no length: chunked for HTTP/1.1 clients, else end by closing.
                    if self.request_version >= "HTTP/1.1":
                        chunked = True
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.close_connection = True
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                sent = True
            if data:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            self.wfile.flush()

        def start_response(status, headers, exc_info=None):
            if exc_info and sent:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return write

        body = self.server.app(environ, start_response)
        try:
            for data in body:
                write(data)
            if not sent:
                write(b"")
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        finally:
            if hasattr(body, "close"):
                body.close()


class K8sServer:
    def __init__(self, state_dir: Path, port: int, directory, tls_dir: Path | None = None,
                 delay: float = DEFAULT_DELAY, host: str = "127.0.0.1", stages: tuple = ()):
        self.state_dir = state_dir
        tls_dir = tls_dir or state_dir / "tls"
        self.store = Store(state_dir / "k8s" / "state.db")
        service_accounts.configure((tls_dir / "server.key").read_bytes(), (tls_dir / "ca.crt").read_text())
        self.controllers = ControllerLoop(self.store, directory, CONTROLLERS, delay, (*STAGES, *stages))
        self.app = K8sApp(self.store, directory, self.controllers)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_dir / "server.crt", tls_dir / "server.key")
        self.httpd = make_server(host, port, self.app, threaded=True, ssl_context=context,
                                 request_handler=KeepAliveHandler)
        self.port = self.httpd.socket.getsockname()[1]

    def serve_forever(self) -> None:
        self.controllers.start()
        (self.state_dir / "k8s.port").write_text(f"{self.port}\n")
        log.info("k8s emulator listening on https://127.0.0.1:%d", self.port)
        try:
            self.httpd.serve_forever()
        finally:
            self.close()

    def close(self) -> None:
        self.app.shutdown.set()
        self.controllers.stop()
        self.httpd.server_close()
        self.store.close()
