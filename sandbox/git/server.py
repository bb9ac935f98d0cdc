"""Smart-HTTP git over basic auth, the way a git host (GitHub, GitLab) serves a GitOps repository.

Repositories are bare repositories under `<state dir>/git/`, addressed as `/<name>.git` or `/<owner>/<name>.git`.
A repository is created by its first push (like `git push` to a new GitLab project) or by
`POST /_sandbox/repositories/<name>.git`; its HEAD is `refs/heads/main`. DEFAULT_REPOSITORIES exist, empty, from
the start and after a reset, as a repository made beforehand on a git host would (inventories/local's
gitops_repository_url names one). Fetching a repository that does not
exist is a 404. Every git request needs the sandbox's credentials (config.GIT_USERNAME / GIT_PASSWORD), else
401 with a Basic challenge, so clients send them as they would to a real host.

A push is refused unless it fast-forwards the branch from the value the client saw ("fetch first"), the way a
protected branch on a git host refuses it; pushes to one repository are serialized, so two racing pushes
never both win.

Control API (no credentials, like the other sandbox processes): `GET /_sandbox/health`,
`POST /_sandbox/reset` (removes every repository), `GET /_sandbox/repositories` (name → branch heads),
`POST /_sandbox/repositories/<name>.git` (creates an empty repository).
"""

from __future__ import annotations

import argparse
import base64
import hmac
import json
import os
import re
import shutil
import threading
from pathlib import Path

from sandbox.config import GIT_PASSWORD, GIT_USERNAME
from sandbox.serving import serve_until_stopped

REPOSITORY = re.compile(r"^/((?:[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*\.git)(/.*)?$")
CONTROL = "/_sandbox"
REALM = 'Basic realm="eksforge sandbox git"'
DEFAULT_REPOSITORIES = ("eksforge/gitops.git",)


class GitServer:
    """The WSGI application: control API, authentication, repository creation, then dulwich's git service."""

    def __init__(self, root: Path, username: str = GIT_USERNAME, password: str = GIT_PASSWORD):
        from dulwich.web import make_wsgi_chain

        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.credentials = f"{username}:{password}".encode()
        self.git = make_wsgi_chain(_backend(root),
                                   handlers={b"git-receive-pack": _fast_forward_only_handler()})
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._create_defaults()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL + "/"):
            return self._control(environ["REQUEST_METHOD"], path[len(CONTROL):], start_response)
        if not self._authorized(environ.get("HTTP_AUTHORIZATION", "")):
            return _answer(start_response, "401 Unauthorized", b"authentication required\n",
                           [("WWW-Authenticate", REALM)])
        match = REPOSITORY.match(path)
        if not match or ".." in match.group(1):
            return _answer(start_response, "404 Not Found", b"no such repository\n")
        name = match.group(1)
        pushing = "git-receive-pack" in (match.group(2) or "") + environ.get("QUERY_STRING", "")
        if not (self.root / name / "HEAD").exists():
            if not pushing:
                return _answer(start_response, "404 Not Found", f"repository {name} not found\n".encode())
            self.create(name)
        if pushing and environ["REQUEST_METHOD"] == "POST":
            with self._lock(name):  # read the whole answer inside the lock: the ref update happens while it runs
                return [b"".join(self.git(environ, start_response))]
        return self.git(environ, start_response)

    def create(self, name: str) -> bool:
        """An empty bare repository whose HEAD is main; False if it exists already."""
        from dulwich.repo import Repo

        path = self.root / name
        with self._lock(name):
            if (path / "HEAD").exists():
                return False
            path.mkdir(parents=True, exist_ok=True)
            repo = Repo.init_bare(str(path))
            repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")
            repo.close()
            return True

    def repositories(self) -> dict[str, dict[str, str]]:
        from dulwich.repo import Repo

        found = {}
        for head in sorted(self.root.glob("**/HEAD")):
            repo = Repo(str(head.parent))
            found[str(head.parent.relative_to(self.root))] = {
                ref.decode(): sha.decode() for ref, sha in repo.get_refs().items() if ref.startswith(b"refs/heads/")}
            repo.close()
        return found

    def reset(self) -> None:
        with self._locks_guard:
            for child in self.root.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        self._create_defaults()

    def _create_defaults(self) -> None:
        for name in DEFAULT_REPOSITORIES:
            self.create(name)

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(given, self.credentials)

    def _lock(self, name: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(name, threading.Lock())

    def _control(self, method: str, path: str, start_response):
        if method == "GET" and path == "/health":
            return _json(start_response, {"status": "ok"})
        if method == "POST" and path == "/reset":
            self.reset()
            return _json(start_response, {"reset": True})
        if method == "GET" and path == "/repositories":
            return _json(start_response, self.repositories())
        match = REPOSITORY.match(path.removeprefix("/repositories"))
        if method == "POST" and path.startswith("/repositories/") and match and not match.group(2):
            return _json(start_response, {"name": match.group(1), "created": self.create(match.group(1))})
        return _answer(start_response, "404 Not Found", b"unknown control path\n")


def _backend(root: Path):
    """dulwich's file-system backend with request paths (`/demo.git`) taken relative to `root`."""
    from dulwich.server import FileSystemBackend

    class UnderRoot(FileSystemBackend):
        def open_repository(self, path):
            return super().open_repository(os.fsdecode(path).lstrip("/"))

    return UnderRoot(str(root))


def _fast_forward_only_handler():
    """dulwich's receive-pack, refusing a ref update whose old value is not the branch's current one (a client
    that has not fetched the latest commit) or that does not descend from it (a non-fast-forward)."""
    from dulwich.server import ReceivePackHandler

    class FastForwardOnly(ReceivePackHandler):
        def _on_update(self, ref_name, old_sha, new_sha):
            current = self.repo.refs[ref_name] if ref_name in self.repo.refs else None
            zero = b"0" * 40
            if (current or zero) != old_sha:
                return b"fetch first"
            if current and new_sha != zero and not _descends(self.repo, new_sha, current):
                return b"non-fast-forward"
            return super()._on_update(ref_name, old_sha, new_sha)

    return FastForwardOnly


def _descends(repo, commit: bytes, ancestor: bytes) -> bool:
    from dulwich.graph import can_fast_forward

    return can_fast_forward(repo, ancestor, commit)


def _answer(start_response, status: str, body: bytes, headers: list | None = None):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]


def _json(start_response, value) -> list[bytes]:
    body = json.dumps(value).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.git", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    from werkzeug.serving import make_server

    server = make_server(args.host, args.port, GitServer(args.state_dir.resolve() / "git"), threaded=True)
    serve_until_stopped(server, "git server")
    return 0
