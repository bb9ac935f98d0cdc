"""Unit tests of what gitops_files decides to write (plugins/module_utils/gitops_files.py), on a real in-memory
git repository built with the gitops_repository client's own commit code (no server involved)."""

import pytest
from dulwich.repo import MemoryRepo

from ansible_collections.eksforge.platform.plugins.module_utils.gitops_files import desired_tree
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_files import files_under
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_files import normalize_path
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_files import with_current_image_tags
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import Snapshot

OVERLAY = """\
kind: Kustomization
images:
  - name: cart
    newName: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/cart
    newTag: {tag}
"""


def snapshot_with(files: dict[str, str]) -> Snapshot:
    empty = Snapshot(MemoryRepo(), "main", None)
    head = empty.commit_files(files, "test", "test <test@example.com>")
    return Snapshot(empty.repo, "main", head)


def test_paths_are_normalized_and_kept_inside_the_repository():
    assert normalize_path("/apps/dev/") == "apps/dev"
    assert normalize_path("shop/./base//cart/x.yaml") == "shop/base/cart/x.yaml"
    for outside in ("", "/", "..", "../elsewhere", "apps/../../x"):
        with pytest.raises(ValueError):
            normalize_path(outside)


def test_files_under_lists_only_the_owned_folders():
    snapshot = snapshot_with({"apps/dev/a.yaml": "a\n", "apps/prod/b.yaml": "b\n", "apps/devx/c.yaml": "c\n"})
    assert files_under(snapshot, ["apps/dev"]) == {"apps/dev/a.yaml"}
    assert files_under(Snapshot(MemoryRepo(), "main", None), ["apps/dev"]) == set()


def test_released_tags_win_over_the_given_ones():
    assert with_current_image_tags(OVERLAY.format(tag="v1.0.0"), OVERLAY.format(tag="v1.4.0")) == \
        OVERLAY.format(tag="v1.4.0")
    assert with_current_image_tags(OVERLAY.format(tag="v1.0.0"), None) == OVERLAY.format(tag="v1.0.0")
    # An entry the repository's file does not have keeps the given tag.
    other = OVERLAY.format(tag="v1.0.0").replace("name: cart", "name: order")
    assert with_current_image_tags(other, OVERLAY.format(tag="v1.4.0")) == other


def test_desired_tree_writes_what_differs_and_prunes_the_owned_folders_only():
    snapshot = snapshot_with({"apps/dev/cart.yaml": "cart\n", "apps/dev/rating.yaml": "rating\n",
                              "apps/prod/rating.yaml": "rating\n",
                              "shop/overlays/dev/cart/kustomization.yaml": OVERLAY.format(tag="v1.4.0")})
    files = {"apps/dev/cart.yaml": "cart\n", "apps/dev/order.yaml": "order\n",
             "shop/overlays/dev/cart/kustomization.yaml": OVERLAY.format(tag="v1.0.0")}
    owned = ["apps/dev", "shop/overlays/dev"]
    assert desired_tree(snapshot, files, owned, keep_image_tags=True) == {
        "apps/dev/order.yaml": "order\n", "apps/dev/rating.yaml": None}
    assert desired_tree(snapshot, files, owned, keep_image_tags=False) == {
        "apps/dev/order.yaml": "order\n", "apps/dev/rating.yaml": None,
        "shop/overlays/dev/cart/kustomization.yaml": OVERLAY.format(tag="v1.0.0")}
    # Removing an environment (state absent) deletes its files and nothing else.
    assert desired_tree(snapshot, {}, ["apps/dev"], keep_image_tags=True) == {
        "apps/dev/cart.yaml": None, "apps/dev/rating.yaml": None}
