"""Unit tests of setting images[].newTag in a kustomization (plugins/module_utils/kustomization.py)."""

import pytest
import yaml

from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import KustomizationError
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import ecr_repository
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import image_entry
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import set_image_tag

OVERLAY = """\
# dev overlay of cart
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: cart   # the base's image name
    newName: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/cart
    newTag: v1.3.2
  - name: nginx
"""


def test_replaces_the_tag_in_place_and_keeps_everything_else():
    edited = set_image_tag(OVERLAY, "cart", "v1.4.0")
    assert edited == OVERLAY.replace("newTag: v1.3.2", "newTag: v1.4.0")
    assert image_entry(edited, "cart")["newTag"] == "v1.4.0"


def test_the_same_tag_leaves_the_text_unchanged():
    assert set_image_tag(OVERLAY, "cart", "v1.3.2") is OVERLAY


def test_adds_new_tag_under_the_name_of_an_entry_without_one():
    edited = set_image_tag(OVERLAY, "nginx", "1.27.3")
    assert edited.endswith('  - name: nginx\n    newTag: "1.27.3"\n')
    assert yaml.safe_load(edited)["images"][1] == {"name": "nginx", "newTag": "1.27.3"}


def test_a_flow_style_entry_gets_the_key_before_its_brace():
    text = "images:\n  - {name: cart, newName: repo/cart}\n"
    assert set_image_tag(text, "cart", "v2") == "images:\n  - {name: cart, newName: repo/cart, newTag: v2}\n"


@pytest.mark.parametrize("tag", ["1.10", "2024", "true", "1e3", "0x10", "null", "_1"])
def test_tags_that_yaml_would_read_as_numbers_or_booleans_are_quoted(tag):
    edited = set_image_tag(OVERLAY, "cart", tag)
    assert f'newTag: "{tag}"' in edited
    assert image_entry(edited, "cart")["newTag"] == tag


@pytest.mark.parametrize(("text", "image", "tag", "words"), [
    (OVERLAY, "rating", "v1", "no entry named 'rating' in its images (cart, nginx)"),
    ("resources: [../base]\n", "cart", "v1", "(none)"),
    (OVERLAY, "cart", "v1 2", "not a valid image tag"),
    (OVERLAY, "cart", "-v1", "not a valid image tag"),
    (OVERLAY, "cart", "t" * 129, "not a valid image tag"),
    ("images: [\n", "cart", "v1", "not valid YAML"),
    ("- a\n", "cart", "v1", "not a kustomization"),
    ("images: {name: cart}\n", "cart", "v1", "images field is not a list"),
    ("images:\n  - name: cart\n    digest: sha256:abc\n", "cart", "v1", "pins a digest"),
])
def test_refusals_name_the_problem(text, image, tag, words):
    with pytest.raises(KustomizationError, match=r".*") as raised:
        set_image_tag(text, image, tag)
    assert words in str(raised.value)


def test_ecr_repository_parses_ecr_references_only():
    assert ecr_repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/eksforge-dev/cart") == \
        ("123456789012", "eu-west-1", "eksforge-dev/cart")
    assert ecr_repository("docker.io/library/nginx") is None
    assert ecr_repository("cart") is None
