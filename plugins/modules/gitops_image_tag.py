#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: gitops_image_tag
short_description: Set an image tag in a kustomize overlay of a GitOps repository, commit and push
version_added: 0.2.0
description:
  - Sets C(images[].newTag) of the entry named O(image) in the C(kustomization.yaml) (or C(kustomization.yml),
    C(Kustomization)) at O(path) of O(branch), commits the change with a clear message and author, and pushes
    it, as C(kustomize edit set image) followed by C(git commit) and C(git push) would (no C(kustomize) or
    C(git) binary is needed).
  - The file is edited in place, so the commit and the diff change exactly one line (or add C(newTag)).
  - Talks smart HTTP(S) to any git host (GitHub, GitLab, Gitea, the sandbox's git server) with a username and
    a password or token, fetching into memory.
  - When another push moves the branch first, the change is re-applied on the new head, up to
    O(push_attempts) times.
  - Before any commit, refuses a tag that does not exist in the image's ECR repository (C(ecr:DescribeImages));
    O(check_image=false) skips that for images of other registries.
author:
  - eksforge maintainers (@eksforge)
options:
  path:
    description: Folder of the overlay in the repository, holding its kustomization file (C(overlays/dev)).
    required: true
    type: str
  image:
    description:
      - The C(name) of the entry in the kustomization's C(images) list, as the manifests spell the image.
      - The module fails if the overlay has no such entry (it never adds one).
    required: true
    type: str
  tag:
    description: The tag to set (OCI tag grammar, for example C(v1.4.0)).
    required: true
    type: str
  check_image:
    description:
      - Fail, before any commit, unless O(tag) exists in the ECR repository of the image.
      - The repository is O(ecr_repository), else taken from the entry's C(newName) (or C(name)) when it is an
        ECR image reference C(<account>.dkr.ecr.<region>.amazonaws.com/<repository>), whose account and region
        are then used.
      - Set to V(false) for images of other registries.
    type: bool
    default: true
  ecr_repository:
    description: ECR repository to check the tag in, when the image reference does not name one.
    type: str
  commit_message:
    description: "Commit message; by default C(<image>: <old tag> -> <tag> in <path>)."
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - eksforge.platform.gitops
attributes:
  check_mode:
    description: Can run in check mode, reporting the change it would make.
    support: full
    details: In check mode the repository is fetched and ECR read, nothing is committed or pushed.
  diff_mode:
    description: Returns the kustomization file before and after the change in diff mode.
    support: full
"""

EXAMPLES = r"""
- name: Release cart v1.4.0 in the dev overlay
  eksforge.platform.gitops_image_tag:
    repository_url: https://github.com/acme/shop-gitops.git
    username: x-access-token
    password: "{{ vault_gitops_token }}"
    path: apps/cart/overlays/dev
    image: cart
    tag: v1.4.0

- name: An image from another registry (no ECR check)
  eksforge.platform.gitops_image_tag:
    repository_url: "{{ gitops_repository_url }}"
    username: "{{ gitops_repository_username }}"
    password: "{{ gitops_repository_password }}"
    path: apps/gateway/overlays/prod
    image: nginx
    tag: 1.27.3
    check_image: false
    commit_message: "gateway: nginx 1.27.3"
"""

RETURN = r"""
commit:
  description: The branch's head after the task (the new commit when changed; null for a new, empty branch).
  returned: success
  type: str
  sample: 0a5f037adb20594b9fa068e19119faf3d57b6f66
path:
  description: The kustomization file that was (or would be) changed.
  returned: success
  type: str
  sample: apps/cart/overlays/dev/kustomization.yaml
image:
  description: The images entry changed.
  returned: success
  type: str
  sample: cart
tag:
  description: The tag set.
  returned: success
  type: str
  sample: v1.4.0
previous_tag:
  description: The entry's newTag before the task (null if it had none).
  returned: success
  type: str
  sample: v1.3.2
push_attempts:
  description: Pushes made (more than 1 when other pushes won the race; 0 when nothing was pushed).
  returned: success
  type: int
  sample: 1
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.eksforge.platform.plugins.module_utils.argument_specs import GITOPS_REPOSITORY
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_image_tag import run_gitops_image_tag


def main():
    argument_spec = dict(
        **GITOPS_REPOSITORY,
        path=dict(type="str", required=True),
        image=dict(type="str", required=True),
        tag=dict(type="str", required=True),
        check_image=dict(type="bool", default=True),
        ecr_repository=dict(type="str"),
        commit_message=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_gitops_image_tag(module)


if __name__ == "__main__":
    main()
