"""The simulated Argo CD's repo-server: resolve a source's revision and render its manifests.

Git repositories are fetched over smart HTTP with dulwich (the client gitops_image_tag uses), with the
credentials of the argocd namespace's repository Secrets, into memory kept per URL (later fetches are
incremental); a revision's tree is written to a scratch folder and rendered like the repo-server does:
`kubectl kustomize` for a folder with a kustomization, `helm template` for a folder with Chart.yaml or a chart of
a Helm repository, else the folder's YAML/JSON files (directory). Rendered manifests are cached per (source,
revision), so an unchanged repository costs one ls-remote per refresh.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import yaml

REPOSITORY_LABEL = "argocd.argoproj.io/secret-type"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
RENDER_TIMEOUT = 60


class SourceError(Exception):
    """What Argo CD reports as a ComparisonError: the source cannot be fetched or rendered."""


def credentials(secrets: list[dict], url: str) -> dict:
    """{username, password} for `url` from the repository Secrets (`repository` by exact URL first, then the
    longest matching `repo-creds` URL prefix), or {}."""
    def decoded(secret):
        data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
        return {**data, **(secret.get("stringData") or {})}

    typed = [(secret["metadata"].get("labels", {}).get(REPOSITORY_LABEL), decoded(secret)) for secret in secrets]
    for kind, data in typed:
        if kind == "repository" and _same_url(data.get("url", ""), url):
            return {k: data[k] for k in ("username", "password") if data.get(k)}
    prefixes = sorted((data for kind, data in typed if kind == "repo-creds" and url.startswith(data.get("url", "\0"))),
                      key=lambda data: len(data["url"]), reverse=True)
    return {k: prefixes[0][k] for k in ("username", "password") if prefixes and prefixes[0].get(k)}


def _same_url(a: str, b: str) -> bool:
    def normal(url):
        return url.rstrip("/").removesuffix(".git").lower()
    return normal(a) == normal(b)


def source_type(source: dict, folder: Path | None) -> str:
    """Helm, Kustomize or Directory, as the repo-server decides it (explicit fields first, then the files)."""
    if source.get("chart") or source.get("helm"):
        return "Helm"
    if source.get("kustomize"):
        return "Kustomize"
    if source.get("directory") or folder is None:
        return "Directory"
    if any((folder / name).exists() for name in KUSTOMIZATION_FILES):
        return "Kustomize"
    if (folder / "Chart.yaml").exists():
        return "Helm"
    return "Directory"


class RepoServer:
    """Per emulator process: fetched repositories (in memory) and rendered manifests, shared by all clusters."""

    def __init__(self):
        self._repos: dict[str, object] = {}
        self._rendered: dict[str, tuple[str, list[dict]]] = {}
        self._lock = threading.Lock()

    def resolve(self, source: dict, creds: dict) -> str:
        """The commit a git source's targetRevision names (HEAD, a branch, a tag or a commit), or a Helm chart's
        version as given."""
        revision = source.get("targetRevision") or "HEAD"
        if source.get("chart"):
            return revision
        from dulwich.client import HTTPUnauthorized
        from dulwich.errors import GitProtocolError, HangupException, NotGitRepository

        client, path = self._client(source["repoURL"], creds)
        try:
            refs = client.get_refs(path).refs
        except HTTPUnauthorized:
            raise SourceError(f"failed to list refs of {source['repoURL']}: authentication required") from None
        except (NotGitRepository, GitProtocolError, HangupException, OSError) as error:
            raise SourceError(f"failed to list refs of {source['repoURL']}: {error}") from None
        for name in (revision, f"refs/heads/{revision}", f"refs/tags/{revision}"):
            sha = refs.get(name.encode())
            if sha:
                peeled = refs.get(name.encode() + b"^{}")
                return (peeled or sha).decode()
        if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision):
            return revision
        raise SourceError(f"Unable to resolve '{revision}' to a commit SHA")

    def manifests(self, source: dict, revision: str, creds: dict, release: str, namespace: str) -> tuple[str, list]:
        """(source type, manifests) of `source` at `revision`."""
        key = json.dumps([source, revision, release, namespace], sort_keys=True)
        with self._lock:
            cached = self._rendered.get(key)
        if cached:
            return cached[0], json.loads(json.dumps(cached[1]))
        with tempfile.TemporaryDirectory(prefix="argocd-repo-") as scratch:
            if source.get("chart"):
                rendered = ("Helm", _helm(source, None, creds, release, namespace, Path(scratch)))
            else:
                root = Path(scratch) / "repo"
                self._checkout(source["repoURL"], revision, creds, root)
                folder = (root / (source.get("path") or ".")).resolve()
                if not folder.is_dir() or root.resolve() not in (folder, *folder.parents):
                    raise SourceError(f"{source.get('path')}: app path does not exist")
                kind = source_type(source, folder)
                renderer = {"Kustomize": _kustomize, "Helm": _helm_folder, "Directory": _directory}[kind]
                rendered = (kind, renderer(source, folder, creds, release, namespace, Path(scratch)))
        with self._lock:
            self._rendered[key] = rendered
        return rendered[0], json.loads(json.dumps(rendered[1]))

    def _client(self, url: str, creds: dict):
        from dulwich.client import get_transport_and_path

        return get_transport_and_path(url, username=creds.get("username"), password=creds.get("password"))

    def _checkout(self, url: str, revision: str, creds: dict, target: Path) -> None:
        from dulwich.client import HTTPUnauthorized
        from dulwich.errors import GitProtocolError, HangupException, NotGitRepository
        from dulwich.repo import MemoryRepo

        with self._lock:
            repo = self._repos.setdefault(url, MemoryRepo())
        if revision.encode() not in repo.object_store:
            client, path = self._client(url, creds)
            try:
                client.fetch(path, repo)
            except HTTPUnauthorized:
                raise SourceError(f"failed to fetch {url}: authentication required") from None
            except (NotGitRepository, GitProtocolError, HangupException, OSError) as error:
                raise SourceError(f"failed to fetch {url}: {error}") from None
        if revision.encode() not in repo.object_store:
            raise SourceError(f"revision {revision} not found in {url}")
        tree = repo[revision.encode()].tree
        for entry in repo.object_store.iter_tree_contents(tree):
            if entry.mode & 0o170000 != 0o100000:  # regular files only (no symlinks, no submodules)
                continue
            file = target / entry.path.decode()
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(repo[entry.sha].data)


def _documents(text: str, origin: str) -> list[dict]:
    try:
        documents = [d for d in yaml.safe_load_all(text) if d]
    except yaml.YAMLError as error:
        raise SourceError(f"{origin}: {error}") from None
    found = []
    for document in documents:
        if not isinstance(document, dict) or "kind" not in document or "apiVersion" not in document:
            raise SourceError(f"{origin}: a document without apiVersion and kind")
        if document["kind"].endswith("List") and isinstance(document.get("items"), list):
            found += document["items"]
        elif "helm.sh/hook" not in ((document.get("metadata") or {}).get("annotations") or {}):
            found.append(document)
    return found


def _directory(source, folder: Path, creds, release, namespace, scratch) -> list[dict]:
    directory = source.get("directory") or {}
    pattern = "**/*" if directory.get("recurse") else "*"
    include, exclude = directory.get("include") or "", directory.get("exclude") or ""
    manifests = []
    for file in sorted(folder.glob(pattern)):
        relative = str(file.relative_to(folder))
        if file.suffix not in (".yaml", ".yml", ".json") or not file.is_file():
            continue
        if include and not any(fnmatch.fnmatch(relative, p) for p in include.strip("{}").split(",")):
            continue
        if exclude and any(fnmatch.fnmatch(relative, p) for p in exclude.strip("{}").split(",")):
            continue
        manifests += _documents(file.read_text(), relative)
    return manifests


def _kustomize(source, folder: Path, creds, release, namespace, scratch) -> list[dict]:
    return _documents(_run([_binary("kubectl"), "kustomize", str(folder)], "kustomize build"), "kustomize build")


def _helm_folder(source, folder: Path, creds, release, namespace, scratch) -> list[dict]:
    return _helm(source, folder, creds, release, namespace, scratch)


def _helm(source, folder: Path | None, creds, release, namespace, scratch: Path) -> list[dict]:
    helm = source.get("helm") or {}
    command = [_binary("helm"), "template", helm.get("releaseName") or release]
    if folder is None:
        command += [source["chart"], "--repo", source["repoURL"], "--version", source.get("targetRevision") or ""]
        if creds.get("username"):
            command += ["--username", creds["username"], "--password", creds.get("password", "")]
    else:
        command.append(str(folder))
        command += [arg for name in helm.get("valueFiles") or [] for arg in ("--values", str(folder / name))]
    command += ["--namespace", namespace, "--include-crds"]
    values = helm.get("valuesObject") or (yaml.safe_load(helm["values"]) if helm.get("values") else None)
    if values:
        values_file = scratch / "values.yaml"
        values_file.write_text(json.dumps(values))
        command += ["--values", str(values_file)]
    for parameter in helm.get("parameters") or []:
        flag = "--set-string" if parameter.get("forceString") else "--set"
        command += [flag, f"{parameter['name']}={parameter.get('value', '')}"]
    return _documents(_run(command, "helm template", env={"HELM_CACHE_HOME": str(scratch / "cache"),
                                                          "HELM_CONFIG_HOME": str(scratch / "config"),
                                                          "HELM_DATA_HOME": str(scratch / "data")}), "helm template")


def _binary(name: str) -> str:
    beside = Path(sys.executable).parent / name  # the venv's kubectl and helm
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _run(command: list[str], what: str, env: dict | None = None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT, check=False,
                              env={**os.environ, **(env or {})})
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SourceError(f"{what} failed: {error}") from None
    if done.returncode != 0:
        raise SourceError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout
