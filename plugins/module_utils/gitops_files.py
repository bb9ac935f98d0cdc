# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A tree of files kept in a GitOps repository (the gitops_files module): the files given are written, the
other files under the folders the caller owns are deleted, one commit for the lot, pushed only when something
differs (gitops_repository.update_files fetches, re-applies after a non-fast-forward and pushes).

With ``keep_image_tags``, the ``images[].newTag`` of a kustomization already in the repository wins over the
one given: once written, image tags belong to releases (gitops_image_tag), not to the next converge run.
"""

import posixpath

from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import HAS_DULWICH
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import GitopsError
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import Repository
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import author_line
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import update_files
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import KUSTOMIZATION_FILES
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import KustomizationError
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import image_entry
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import set_image_tag

try:
    import yaml
except ImportError:  # PyYAML comes with ansible-core; the import guard is for the sanity tests.
    yaml = None


def normalize_path(path):
    """A repository-relative POSIX path without leading/trailing slashes; ValueError for one leaving the root."""
    clean = posixpath.normpath(path.strip().strip("/"))
    if clean in ("", ".") or clean.startswith("../") or clean == "..":
        raise ValueError(f"{path!r} is not a path inside the repository")
    return clean


def files_under(snapshot, folders):
    """The paths of the files of `snapshot` under any of `folders` (empty for a new, empty branch)."""
    if snapshot.commit is None or not folders:
        return set()
    repo = snapshot.repo
    tree = repo[snapshot.commit.encode()].tree
    prefixes = tuple(folder + "/" for folder in folders)
    return {entry.path.decode() for entry in repo.object_store.iter_tree_contents(tree)
            if entry.path.decode().startswith(prefixes)}


def with_current_image_tags(text, current):
    """`text` (a kustomization) with the newTag of each images entry that `current` (the file in the
    repository, or None) already sets."""
    if current is None:
        return text
    for entry in (yaml.safe_load(text) or {}).get("images") or []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not name:
            continue
        try:
            tag = image_entry(current, name).get("newTag")
        except KustomizationError:
            continue
        if tag is not None:
            text = set_image_tag(text, name, str(tag))
    return text


def desired_tree(snapshot, files, owned, keep_image_tags):
    """{path: text or None (delete)} for the files that differ from `snapshot`."""
    wanted = {}
    for path, text in files.items():
        if keep_image_tags and posixpath.basename(path) in KUSTOMIZATION_FILES:
            text = with_current_image_tags(text, snapshot.read(path))
        wanted[path] = text
    for path in files_under(snapshot, owned) - set(wanted):
        wanted[path] = None
    return {path: text for path, text in wanted.items() if snapshot.read(path) != text}


def run_gitops_files(module):
    if not HAS_DULWICH:
        module.fail_json(msg="the gitops_files module needs the Python library dulwich (requirements.txt)")
    params = module.params
    try:
        owned = sorted({normalize_path(folder) for folder in params["owned_paths"]})
        files = {} if params["state"] == "absent" else {
            normalize_path(path): _text(text) for path, text in (params["files"] or {}).items()}
    except ValueError as error:
        module.fail_json(msg=f"files/owned_paths: {error}")
    outside = sorted(path for path in files if owned and not path.startswith(tuple(f + "/" for f in owned)))
    if owned and outside:
        module.fail_json(msg=f"files outside owned_paths {owned}: {outside} (list their folders in owned_paths)")
    try:
        repository = Repository(params["repository_url"], params["username"], params["password"])
        result = update_files(repository, params["branch"],
                              lambda snapshot: desired_tree(snapshot, files, owned, params["keep_image_tags"]),
                              params["commit_message"], author_line(params["author_name"], params["author_email"]),
                              check_mode=module.check_mode, attempts=params["push_attempts"])
    except (GitopsError, KustomizationError) as error:
        module.fail_json(msg=_without(str(error), params["password"]))
    before, after = result["before"], result["after"]
    report = dict(
        changed=result["changed"],
        commit=result["commit"],
        added=sorted(path for path, text in after.items() if text is not None and before[path] is None),
        modified=sorted(path for path, text in after.items() if text is not None and before[path] is not None),
        deleted=sorted(path for path, text in after.items() if text is None),
    )
    if module._diff:
        report["diff"] = [dict(before_header=path if before[path] is not None else "/dev/null",
                               after_header=path if after[path] is not None else "/dev/null",
                               before=before[path] or "", after=after[path] or "") for path in sorted(after)]
    module.exit_json(**report)


def _text(value):
    text = value if isinstance(value, str) else yaml.safe_dump(value, sort_keys=False)
    return text if text.endswith("\n") else text + "\n"


def _without(message, secret):
    return message.replace(secret, "********") if secret else message
