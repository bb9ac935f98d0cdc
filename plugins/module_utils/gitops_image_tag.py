# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bump an image tag in an overlay of the GitOps repository (used by eksforge.platform.gitops_image_tag).

Order: read the overlay (fails on a missing overlay or image entry), check the tag exists in ECR (read-only,
also in check mode), then commit and push with gitops_repository.update_files (which re-fetches and re-applies
after a non-fast-forward).
"""

import posixpath

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import HAS_DULWICH
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import GitopsError
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import Repository
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import author_line
from ansible_collections.eksforge.platform.plugins.module_utils.gitops_repository import update_files
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import HAS_YAML
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import KUSTOMIZATION_FILES
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import KustomizationError
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import ecr_repository
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import image_entry
from ansible_collections.eksforge.platform.plugins.module_utils.kustomization import set_image_tag
from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_EXCEPTION_AND_SERVER_ERRORS


def run_gitops_image_tag(module):
    if not HAS_DULWICH:
        module.fail_json(msg=missing_required_lib("dulwich"))
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    params = module.params
    image, tag, overlay = params["image"], params["tag"], params["path"].strip("/")
    try:
        repository = Repository(params["repository_url"], params["username"], params["password"])
        located = {}

        def change(snapshot):
            path, text = _kustomization(snapshot, overlay)
            located.update(path=path, entry=image_entry(text, image))
            return {path: set_image_tag(text, image, tag)}

        # Read once before anything else, so a missing overlay or image fails before the ECR check.
        change(repository.fetch(params["branch"]))
        if params["check_image"]:
            _require_image(module, params.get("ecr_repository"), located["entry"], tag)
        message = params["commit_message"] or (
            f"{image}: {located['entry'].get('newTag', 'untagged')} -> {tag} in {overlay}")
        result = update_files(repository, params["branch"], change, message,
                              author_line(params["author_name"], params["author_email"]),
                              check_mode=module.check_mode, attempts=params["push_attempts"])
    except (GitopsError, KustomizationError) as error:
        module.fail_json(msg=f"{overlay}: {error}" if isinstance(error, KustomizationError) else str(error))
    path = located["path"]
    output = dict(changed=result["changed"], commit=result["commit"], path=path, image=image, tag=tag,
                  previous_tag=located["entry"].get("newTag"), push_attempts=result["attempts"])
    if module._diff:
        output["diff"] = dict(before_header=path, after_header=path,
                              before=result["before"].get(path) or "", after=result["after"].get(path) or "")
    module.exit_json(**output)


def _kustomization(snapshot, overlay):
    """(path, text) of the overlay's kustomization file; KustomizationError if there is none."""
    for name in KUSTOMIZATION_FILES:
        path = posixpath.join(overlay, name) if overlay else name
        text = snapshot.read(path)
        if text is not None:
            return path, text
    raise KustomizationError(f"no {' / '.join(KUSTOMIZATION_FILES)} at this path on branch {snapshot.branch}")


def _require_image(module, repository_name, entry, tag):
    """Fail unless `tag` exists in the ECR repository of the entry's image (newName, else name), or the one
    named by ecr_repository."""
    reference = ecr_repository(entry.get("newName") or entry["name"])
    if repository_name is None and reference is None:
        module.fail_json(msg=f"the image {entry.get('newName') or entry['name']!r} is not in an ECR registry: set "
                             "ecr_repository to the repository to check, or check_image=false for other registries")
    registry_id, region, name = reference if repository_name is None else (None, None, repository_name)
    client = module.client("ecr", region=region or module.region,
                           retry_decorator=THROTTLING_EXCEPTION_AND_SERVER_ERRORS)
    request = dict(repositoryName=name, imageIds=[dict(imageTag=tag)])
    if registry_id:
        request["registryId"] = registry_id
    try:
        client.describe_images(aws_retry=True, **request)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        code = error.response["Error"]["Code"] if isinstance(error, botocore.exceptions.ClientError) else None
        if code == "ImageNotFoundException":
            module.fail_json(msg=f"the tag {tag!r} does not exist in the ECR repository {name}: push the image "
                                 "first (nothing was committed)")
        if code == "RepositoryNotFoundException":
            module.fail_json(msg=f"the ECR repository {name} does not exist (nothing was committed)")
        module.fail_json_aws(error, msg=f"cannot check the tag {tag!r} in the ECR repository {name}")
