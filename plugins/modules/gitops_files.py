#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: gitops_files
short_description: Keep a tree of files in a GitOps repository, in one commit pushed only when it differs
version_added: 0.2.0
description:
  - Writes O(files) into O(branch) of a git repository reached over smart HTTP(S) and deletes the other files
    under O(owned_paths), as one commit with a clear message and author, pushed only when a file differs
    (so a second run changes nothing).
  - O(branch) is created by the first push when the repository is empty.
  - With O(keep_image_tags), a C(kustomization.yaml) that is already in the repository keeps the
    C(images[].newTag) values it has, as releases (M(eksforge.platform.gitops_image_tag)) own the tags once the
    file exists.
  - No C(git) binary is needed; the repository is fetched into memory.
author:
  - eksforge maintainers (@eksforge)
options:
  files:
    description:
      - The files to write, path in the repository to text (a dict or list value is written as YAML).
      - With O(owned_paths) set, every path must lie under one of them.
    type: dict
    default: {}
  owned_paths:
    description:
      - Folders of the repository that this task owns, for example C(apps/dev) and C(shop/overlays/dev).
      - A file under them that is not in O(files) is deleted. Files elsewhere are never touched.
    type: list
    elements: str
    default: []
  state:
    description: V(absent) deletes every file under O(owned_paths) (O(files) is then ignored).
    type: str
    choices: [present, absent]
    default: present
  keep_image_tags:
    description: Keep the C(images[].newTag) values of kustomization files already in the repository.
    type: bool
    default: false
  commit_message:
    description: Message of the commit.
    type: str
    default: "eksforge: update the managed manifests"
extends_documentation_fragment:
  - eksforge.platform.gitops
attributes:
  check_mode:
    description: Can run in check mode, reporting the files it would change.
    support: full
    details: In check mode the repository is fetched, nothing is committed or pushed.
  diff_mode:
    description: Returns each changed file before and after.
    support: full
"""

EXAMPLES = r"""
- name: The dev environment's manifests
  eksforge.platform.gitops_files:
    repository_url: "{{ gitops_repository_url }}"
    username: "{{ gitops_repository_username }}"
    password: "{{ gitops_repository_password }}"
    owned_paths: [apps/dev, shop/overlays/dev]
    files:
      apps/dev/shop-cart.yaml: "{{ lookup('ansible.builtin.template', 'application.yaml.j2') }}"
      shop/overlays/dev/cart/kustomization.yaml: "{{ lookup('ansible.builtin.template', 'overlay.yaml.j2') }}"
    keep_image_tags: true
    commit_message: "shop: dev manifests"

- name: Remove what the dev environment owns
  eksforge.platform.gitops_files:
    repository_url: "{{ gitops_repository_url }}"
    username: "{{ gitops_repository_username }}"
    password: "{{ gitops_repository_password }}"
    owned_paths: [apps/dev, shop/overlays/dev]
    state: absent
"""

RETURN = r"""
commit:
  description: The branch's head after the task (the new commit when changed; null for an empty repository).
  returned: success
  type: str
  sample: 0a5f037adb20594b9fa068e19119faf3d57b6f66
added:
  description: Paths written that did not exist.
  returned: success
  type: list
  elements: str
  sample: [apps/dev/shop-cart.yaml]
modified:
  description: Paths whose text changed.
  returned: success
  type: list
  elements: str
  sample: [shop/overlays/dev/cart/kustomization.yaml]
deleted:
  description: Paths deleted (under O(owned_paths), not in O(files)).
  returned: success
  type: list
  elements: str
  sample: [apps/dev/shop-rating.yaml]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import GITOPS_REPOSITORY
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_files import run_gitops_files


def main():
    argument_spec = dict(
        **GITOPS_REPOSITORY,
        files=dict(type="dict", default={}),
        owned_paths=dict(type="list", elements="str", default=[]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        keep_image_tags=dict(type="bool", default=False),
        commit_message=dict(type="str", default="eksforge: update the managed manifests"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_gitops_files(module)


if __name__ == "__main__":
    main()
