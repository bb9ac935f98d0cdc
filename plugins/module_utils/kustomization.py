# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Setting ``images[].newTag`` in a kustomization.yaml, as ``kustomize edit set image`` would (pure logic).

The file is edited in place at the value's position (found with PyYAML's composer), so comments, key order and
quoting elsewhere stay as they were and the diff is the one line that changes; the result is parsed again and
must equal the intended data.
"""

import json
import re

try:
    import yaml

    HAS_YAML = True
except ImportError:  # ansible-core requires PyYAML; the module reports it missing all the same
    HAS_YAML = False

# Kustomize's file names, in the order it looks for them.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# The OCI distribution spec's tag grammar.
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
ECR_IMAGE = re.compile(r"^(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
                       r"(?P<repository>[^:@]+)$")


class KustomizationError(Exception):
    pass


def image_entry(text, image):
    """The ``images`` entry named `image` of a kustomization's text (KustomizationError if none)."""
    data = _load(text)
    entries = data.get("images") or []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == image:
            return entry
    names = [entry.get("name") for entry in entries if isinstance(entry, dict)]
    raise KustomizationError(f"no entry named {image!r} in its images ({', '.join(map(str, names)) or 'none'})")


def set_image_tag(text, image, tag):
    """`text` with the newTag of the images entry named `image` set to `tag` (unchanged if it already is)."""
    if not TAG.match(tag):
        raise KustomizationError(f"{tag!r} is not a valid image tag (letters, digits, '_', '.', '-'; at most "
                                 "128 characters, not starting with '.' or '-')")
    if "digest" in image_entry(text, image):
        raise KustomizationError(f"the entry {image!r} pins a digest, which takes precedence over a tag; "
                                 "remove the digest first")
    if str(image_entry(text, image).get("newTag")) == tag:
        return text
    entry = _entry_node(yaml.compose(text), image)
    value = _render(tag)
    for key, node in entry.value:
        if key.value == "newTag":
            edited = text[:node.start_mark.index] + value + text[node.end_mark.index:]
            break
    else:
        edited = _add_key(text, entry, value)
    expected = _load(text)
    next(e for e in expected["images"] if isinstance(e, dict) and e.get("name") == image)["newTag"] = tag
    if _load(edited) != expected:
        raise KustomizationError(f"cannot edit the entry {image!r} in place without changing other values")
    return edited


def ecr_repository(image):
    """(registry id, region, repository name) of an ECR image reference, or None for other registries."""
    match = ECR_IMAGE.match(image)
    return (match["registry"], match["region"], match["repository"]) if match else None


def _add_key(text, entry, value):
    """Insert ``newTag: value`` into the mapping node `entry`: a line of its own in block style, before the
    closing brace in flow style."""
    if entry.flow_style:
        close = entry.end_mark.index - 1
        return text[:close].rstrip() + f", newTag: {value}" + text[close:]
    name_key, name_value = next((k, v) for k, v in entry.value if k.value == "name")
    line_end = text.find("\n", name_value.end_mark.index)
    line_end = len(text) if line_end < 0 else line_end
    return text[:line_end] + "\n" + " " * name_key.start_mark.column + f"newTag: {value}" + text[line_end:]


def _entry_node(root, image):
    for key, value in root.value:
        if key.value == "images":
            for item in value.value:
                if isinstance(item, yaml.MappingNode) and any(
                        k.value == "name" and v.value == image for k, v in item.value):
                    return item
    raise KustomizationError(f"no entry named {image!r} in its images")


def _render(tag):
    """The tag as a YAML scalar that reads back as that string: plain only when it starts with a letter and is no
    YAML keyword, else quoted ("1.10" and "1e3" must not become numbers for YAML 1.1 or 1.2 readers)."""
    return tag if tag[0].isalpha() and yaml.safe_load(tag) == tag else json.dumps(tag)


def _load(text):
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise KustomizationError(f"not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise KustomizationError("not a kustomization (the document is not a mapping)")
    if not isinstance(data.get("images") or [], list):
        raise KustomizationError("its images field is not a list")
    return data
