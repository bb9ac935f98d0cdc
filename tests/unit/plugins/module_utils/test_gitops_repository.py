"""gitops_repository (plugins/module_utils/gitops_repository.py) against the sandbox's git server, served in
this process on a free port: first commit, a lost push race re-applied, credentials refused."""

import threading

import pytest
from werkzeug.serving import make_server

from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import GitopsError
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import Repository
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import update_files
from sandbox.config import GIT_PASSWORD, GIT_USERNAME
from sandbox.git.server import GitServer

AUTHOR = "tests <tests@example.com>"


@pytest.fixture(scope="module")
def git_url(tmp_path_factory):
    git = GitServer(tmp_path_factory.mktemp("git"))
    git.create("race.git")  # as a repository made on a git host beforehand
    server = make_server("127.0.0.1", 0, git, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_first_commit_a_lost_race_and_a_no_op(git_url):
    repository = Repository(f"{git_url}/race.git", GIT_USERNAME, GIT_PASSWORD)
    other_writer = Repository(f"{git_url}/race.git", GIT_USERNAME, GIT_PASSWORD)
    created = update_files(repository, "main", lambda snapshot: {"a.txt": "a\n", "dir/b.txt": "b\n"}, "first",
                           AUTHOR)
    assert created == dict(changed=True, commit=created["commit"], before={"a.txt": None, "dir/b.txt": None},
                           after={"a.txt": "a\n", "dir/b.txt": "b\n"}, attempts=1)
    seen = []

    def change(snapshot):
        seen.append(snapshot.commit)
        if len(seen) == 1:  # another writer pushes between our fetch and our push
            update_files(other_writer, "main", lambda _: {"dir/b.txt": "b elsewhere\n"}, "other", AUTHOR)
        return {"a.txt": "a changed\n"}

    result = update_files(repository, "main", change, "change a", AUTHOR)
    assert result["attempts"] == 2 and seen[0] == created["commit"] != seen[1]
    head = repository.fetch("main")
    assert head.commit == result["commit"]
    assert (head.read("a.txt"), head.read("dir/b.txt"), head.read("missing")) == ("a changed\n", "b elsewhere\n", None)
    assert update_files(repository, "main", lambda _: {"a.txt": "a changed\n"}, "again", AUTHOR)["changed"] is False
    planned = update_files(repository, "main", lambda _: {"a.txt": "planned\n"}, "plan", AUTHOR, check_mode=True)
    assert planned["changed"] is True and repository.fetch("main").commit == head.commit


@pytest.mark.parametrize(("url", "password", "words"), [
    ("{git}/race.git", "wrong-secret", "refused the credentials"),
    ("{git}/absent.git", GIT_PASSWORD, "no git repository at"),
    ("http://127.0.0.1:1/x.git", GIT_PASSWORD, "cannot fetch http://127.0.0.1:1/x.git"),
    ("ssh://git@example.com/x.git", GIT_PASSWORD, "must be an http(s) URL"),
])
def test_refusals_are_clear_and_never_show_the_password(git_url, url, password, words):
    with pytest.raises(GitopsError) as raised:
        Repository(url.format(git=git_url), GIT_USERNAME, password).fetch("main")
    assert words in str(raised.value) and password not in str(raised.value)
