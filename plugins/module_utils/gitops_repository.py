# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A GitOps repository over HTTP(S): read a branch, commit file changes, push; retry when another push won.

Uses dulwich (a pure Python git client, requirements.txt), fetching into memory: no git binary, no working
copy on disk, and the credentials are handed to the HTTP client in-process, never put on a command line or
into a URL. The server's answer to a push decides: a push whose branch moved meanwhile (non-fast-forward) is
fetched again, the change re-applied on the new head and pushed again, up to ``attempts`` times.

Entry point: ``update_files(repository, branch, change, message, author, check_mode)``, where ``change`` maps
a Snapshot of the branch to ``{path: new text}`` (only the files it would change). Other modules and roles
that write the GitOps repository reuse it.
"""

import time

try:
    from dulwich.client import HTTPUnauthorized
    from dulwich.client import get_transport_and_path
    from dulwich.errors import GitProtocolError
    from dulwich.errors import HangupException
    from dulwich.errors import NotGitRepository
    from dulwich.object_store import commit_tree_changes
    from dulwich.object_store import tree_lookup_path
    from dulwich.objects import Blob
    from dulwich.objects import Commit
    from dulwich.objects import Tree
    from dulwich.repo import MemoryRepo

    HAS_DULWICH = True
except ImportError:
    HAS_DULWICH = False

ZERO_SHA = b"0" * 40
FILE_MODE = 0o100644
# A push that loses a race waits a little (growing) before it fetches again.
RETRY_DELAY = 0.5


class GitopsError(Exception):
    """Something the task should fail with; the message never holds the credentials."""


class PushRejected(Exception):
    """The branch moved between our fetch and our push."""


class Repository:
    """One remote repository: URL and credentials (password or token)."""

    def __init__(self, url, username=None, password=None):
        if not url.startswith(("https://", "http://")):
            raise GitopsError(f"repository URL {url!r} must be an http(s) URL (smart HTTP)")
        self.url = url
        self.client, self.path = get_transport_and_path(url, username=username, password=password)

    def fetch(self, branch):
        """A Snapshot of `branch` (commit None while the branch does not exist yet, as in a new repository)."""
        ref = f"refs/heads/{branch}".encode()
        repo = MemoryRepo()
        try:
            result = self.client.fetch(self.path, repo,
                                       determine_wants=lambda refs, depth=None: [refs[ref]] if refs.get(ref) else [])
        except HTTPUnauthorized:
            raise GitopsError(f"the git server refused the credentials for {self.url} (HTTP 401): check the "
                              "repository username and password/token") from None
        except NotGitRepository:
            raise GitopsError(f"no git repository at {self.url} (or the credentials may not read it)") from None
        except (GitProtocolError, HangupException, OSError) as error:
            raise GitopsError(f"cannot fetch {self.url}: {_clean(error)}") from None
        head = result.refs.get(ref)
        return Snapshot(repo, branch, head if head and head != ZERO_SHA else None)

    def push(self, snapshot, new_commit):
        """Move the branch from the snapshot's commit to `new_commit`; PushRejected if it moved meanwhile."""
        ref = f"refs/heads/{snapshot.branch}".encode()

        def update_refs(remote_refs):
            if remote_refs.get(ref, ZERO_SHA) != (snapshot.commit.encode() if snapshot.commit else ZERO_SHA):
                raise PushRejected()
            return {ref: new_commit}

        try:
            result = self.client.send_pack(self.path, update_refs,
                                           generate_pack_data=snapshot.repo.generate_pack_data)
        except HTTPUnauthorized:
            raise GitopsError(f"the git server refused the credentials for {self.url} when pushing (HTTP 401): "
                              "check that they may write") from None
        except (GitProtocolError, HangupException, OSError) as error:
            raise GitopsError(f"cannot push to {self.url}: {_clean(error)}") from None
        status = (result.ref_status or {}).get(ref)
        if status:
            if any(word in status for word in ("fetch first", "non-fast-forward", "stale", "failed to write")):
                raise PushRejected()
            raise GitopsError(f"the git server refused the push to {snapshot.branch}: {status}")


class Snapshot:
    """A branch as fetched: read files, build a commit on top of it."""

    def __init__(self, repo, branch, commit):
        self.repo = repo
        self.branch = branch
        self.commit = commit.decode() if isinstance(commit, bytes) else commit

    def read(self, path):
        """The text of `path` at this commit, or None if there is no such file."""
        if self.commit is None:
            return None
        tree = self.repo[self.commit.encode()].tree
        try:
            mode, sha = tree_lookup_path(self.repo.__getitem__, tree, path.encode())
        except KeyError:
            return None
        obj = self.repo[sha]
        return obj.data.decode() if isinstance(obj, Blob) else None

    def commit_files(self, files, message, author):
        """A new commit (its sha, bytes) with `files` ({path: text, or None to delete}) on top of this one."""
        store = self.repo.object_store
        changes = []
        for path, text in sorted(files.items()):
            if text is None:
                changes.append((path.encode(), None, None))
                continue
            blob = Blob.from_string(text.encode())
            store.add_object(blob)
            changes.append((path.encode(), FILE_MODE, blob.id))
        base = self.repo[self.commit.encode()].tree if self.commit else _empty_tree(store)
        commit = Commit()
        commit.tree = commit_tree_changes(store, base, changes)
        commit.parents = [self.commit.encode()] if self.commit else []
        commit.author = commit.committer = author.encode()
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.encoding = b"UTF-8"
        commit.message = message.rstrip("\n").encode() + b"\n"
        store.add_object(commit)
        return commit.id


def update_files(repository, branch, change, message, author, check_mode=False, attempts=5):
    """Apply `change` (Snapshot -> {path: new text}) to `branch` and push it, re-fetching and re-applying when
    another push got there first.

    Returns a dict: changed, commit (the new head, or the unchanged one), before/after ({path: text or None} of
    the files that change), attempts (pushes tried). In check mode nothing is pushed.
    """
    for attempt in range(1, attempts + 1):
        snapshot = repository.fetch(branch)
        after = {path: text for path, text in change(snapshot).items() if snapshot.read(path) != text}
        before = {path: snapshot.read(path) for path in after}
        if not after or check_mode:
            return dict(changed=bool(after), commit=snapshot.commit, before=before, after=after, attempts=0)
        new_commit = snapshot.commit_files(after, message, author)
        try:
            repository.push(snapshot, new_commit)
        except PushRejected:
            time.sleep(RETRY_DELAY * attempt)
            continue
        return dict(changed=True, commit=new_commit.decode(), before=before, after=after, attempts=attempt)
    raise GitopsError(f"{branch} of {repository.url} kept moving: {attempts} pushes in a row were rejected as "
                      "non-fast-forward")


def author_line(name, email):
    return f"{name} <{email}>"


def _empty_tree(store):
    tree = Tree()
    store.add_object(tree)
    return tree.id


def _clean(error):
    """The error's text without any credentials a URL in it might carry."""
    text = str(error) or type(error).__name__
    return text.split("\n", 1)[0]
