"""The HTTPS server process: threaded werkzeug server, state under <state-dir>/k8s, port file when listening."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import K8sApp
from .controllers import DEFAULT_DELAY, ControllerLoop
from .storage import Store

log = logging.getLogger(__name__)


class QuietHandler(WSGIRequestHandler):
    """No access log line per request (watches and controllers would flood k8s.log)."""

    def log_request(self, code="-", size="-"):
        pass


class K8sServer:
    def __init__(self, state_dir: Path, port: int, directory, tls_dir: Path | None = None,
                 delay: float = DEFAULT_DELAY, host: str = "127.0.0.1"):
        self.state_dir = state_dir
        tls_dir = tls_dir or state_dir / "tls"
        self.store = Store(state_dir / "k8s" / "state.db")
        self.controllers = ControllerLoop(self.store, directory, delay)
        self.app = K8sApp(self.store, directory, self.controllers)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_dir / "server.crt", tls_dir / "server.key")
        self.httpd = make_server(host, port, self.app, threaded=True, ssl_context=context,
                                 request_handler=QuietHandler)
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
