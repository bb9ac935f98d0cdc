"""The sandbox's git server (sandbox/git/server.py) through `python -m sandbox` and real git clients: dulwich's
porcelain for clone/push, plain HTTP for what a client sees before git's protocol starts."""

from __future__ import annotations

import io
import shlex

import pytest
import requests
from dulwich import porcelain

from sandbox.config import GIT_PASSWORD, GIT_USERNAME, SandboxConfig
from sandbox.tests.conftest import run_cli, sandbox_env

AUTHOR = b"tests <tests@example.com>"
CREDENTIALS = {"username": GIT_USERNAME, "password": GIT_PASSWORD}


def commit_file(repo, folder, name: str, text: str) -> bytes:
    (folder / name).write_text(text)
    porcelain.add(repo, [str(folder / name)])
    return porcelain.commit(repo, text.encode(), author=AUTHOR, committer=AUTHOR)


def push(repo, url: str, force: bool = False) -> str:
    """Push main; what the client printed about refused refs."""
    errors = io.BytesIO()
    porcelain.push(repo, url, b"refs/heads/main:refs/heads/main", outstream=io.BytesIO(), errstream=errors,
                   force=force, **CREDENTIALS)
    return errors.getvalue().decode()


def test_status_env_push_clone_refusals_and_reset(running_sandbox: SandboxConfig, tmp_path, request):
    environment = sandbox_env(running_sandbox.state_dir)
    git_url = running_sandbox.git_url
    assert running_sandbox.running_port("git")
    status = run_cli(environment, "status").stdout
    assert "git: running" in status and git_url in status
    exports = dict(line.removeprefix("export ").split("=", 1) for line in run_cli(environment, "env").stdout.split("\n")
                   if line)
    assert {key: shlex.split(value)[0] for key, value in exports.items() if key.startswith("EKSFORGE_GIT")} == {
        "EKSFORGE_GIT_URL": git_url, "EKSFORGE_GIT_USERNAME": GIT_USERNAME, "EKSFORGE_GIT_PASSWORD": GIT_PASSWORD}

    # The default repository exists, empty; a push creates a new one; the pushed commit clones back.
    assert requests.get(f"{git_url}/_sandbox/repositories", timeout=5).json() == {"eksforge/gitops.git": {}}
    local = tmp_path / "local"
    repo = porcelain.init(str(local))
    request.addfinalizer(repo.close)
    repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")
    first = commit_file(repo, local, "a.txt", "one\n")
    push(repo, f"{git_url}/team/app.git")
    assert requests.get(f"{git_url}/_sandbox/repositories", timeout=5).json()["team/app.git"] == {
        "refs/heads/main": first.decode()}
    clone = porcelain.clone(f"{git_url}/team/app.git", str(tmp_path / "clone"), errstream=io.BytesIO(),
                            **CREDENTIALS)
    assert clone.head() == first and (tmp_path / "clone" / "a.txt").read_text() == "one\n"
    request.addfinalizer(clone.close)

    # A forced push from a clone that missed the latest commit is refused by the server (a protected branch),
    # and the branch keeps the winner's commit.
    second = commit_file(repo, local, "a.txt", "two\n")
    push(repo, f"{git_url}/team/app.git")
    stale = commit_file(clone, tmp_path / "clone", "a.txt", "stale\n")
    assert "Push of ref refs/heads/main failed: non-fast-forward" in push(clone, f"{git_url}/team/app.git",
                                                                          force=True)
    heads = requests.get(f"{git_url}/_sandbox/repositories", timeout=5).json()["team/app.git"]
    assert heads == {"refs/heads/main": second.decode()} != {"refs/heads/main": stale.decode()}

    # Credentials are required (401 with a Basic challenge, as git hosts answer); unknown repositories are 404.
    advertised = f"{git_url}/team/app.git/info/refs?service=git-upload-pack"
    anonymous = requests.get(advertised, timeout=5)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic ")
    assert requests.get(advertised, auth=(GIT_USERNAME, "wrong"), timeout=5).status_code == 401
    assert requests.get(advertised, auth=(GIT_USERNAME, GIT_PASSWORD), timeout=5).status_code == 200
    assert requests.get(f"{git_url}/nothing.git/info/refs?service=git-upload-pack", auth=(GIT_USERNAME, GIT_PASSWORD),
                        timeout=5).status_code == 404
    with pytest.raises(Exception, match="No valid credentials"):
        porcelain.clone(f"{git_url}/team/app.git", str(tmp_path / "denied"), errstream=io.BytesIO(),
                        username=GIT_USERNAME, password="wrong")

    # `python -m sandbox reset` empties the server down to its default repository.
    assert "git reset" in run_cli(environment, "reset").stdout
    assert requests.get(f"{git_url}/_sandbox/repositories", timeout=5).json() == {"eksforge/gitops.git": {}}
