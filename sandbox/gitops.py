"""Helpers for tests and scripts: GitOps repositories on the sandbox's git server, written and read with dulwich's
porcelain (a client independent of the collection's module_utils), and image manifests pushed to the sandbox's
ECR (what `docker push` ends with), so a release has an image to point at."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from pathlib import Path

import requests
from dulwich import porcelain

from sandbox.harness import Sandbox

AUTHOR = b"tests <tests@example.com>"


def repository_url(sandbox: Sandbox, name: str) -> str:
    return f"{sandbox.git_url}/{name}.git"


def credentials(sandbox: Sandbox) -> dict:
    username, password = sandbox.git_credentials
    return {"username": username, "password": password}


def push_files(sandbox: Sandbox, name: str, files: dict[str, str | None], message: str = "test content") -> str:
    """Commit `files` ({path: text, None to delete}) on top of main (created if new) and push; the new head."""
    with tempfile.TemporaryDirectory(prefix="gitops-") as work:
        repo = _clone(sandbox, name, Path(work))
        for path, text in files.items():
            target = Path(work) / path
            if text is None:
                porcelain.remove(repo, [str(target)])
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            porcelain.add(repo, [str(target)])
        commit = porcelain.commit(repo, message.encode(), author=AUTHOR, committer=AUTHOR)
        porcelain.push(repo, repository_url(sandbox, name), b"refs/heads/main:refs/heads/main",
                       outstream=io.BytesIO(), errstream=io.BytesIO(), **credentials(sandbox))
        repo.close()
        return commit.decode()


def read_branch(sandbox: Sandbox, name: str, path: str) -> tuple[str, str | None, dict]:
    """(head commit, the text of `path` or None, the head's {message, author})."""
    with tempfile.TemporaryDirectory(prefix="gitops-") as work:
        repo = _clone(sandbox, name, Path(work))
        head = repo.refs[b"HEAD"]
        commit = repo[head]
        file = Path(work) / path
        repo.close()
        return head.decode(), file.read_text() if file.exists() else None, {
            "message": commit.message.decode(), "author": commit.author.decode()}


def heads(sandbox: Sandbox, name: str) -> dict[str, str]:
    """{branch ref: commit} of a repository on the server (control API)."""
    return requests.get(f"{sandbox.git_url}/_sandbox/repositories", timeout=10).json().get(f"{name}.git", {})


def _clone(sandbox: Sandbox, name: str, folder: Path):
    """A clone of the repository, or a new local one while the server has no main branch for it yet."""
    if "refs/heads/main" not in heads(sandbox, name):
        repo = porcelain.init(str(folder))
        repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")
        return repo
    return porcelain.clone(repository_url(sandbox, name), str(folder), errstream=io.BytesIO(),
                           **credentials(sandbox))


def push_image(ecr, repository: str, tag: str) -> str:
    """Put a tiny image manifest for `tag` into an ECR repository (what `docker push` ends with); its digest."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag}).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config),
                           "digest": "sha256:" + hashlib.sha256(config).hexdigest()},
                "layers": []}
    return ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest),
                         imageTag=tag)["image"]["imageId"]["imageDigest"]
