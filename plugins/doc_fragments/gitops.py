# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Modules that commit to a GitOps repository over smart HTTP(S) (argument_specs.GITOPS_REPOSITORY).
    DOCUMENTATION = r"""
requirements:
  - dulwich
options:
  repository_url:
    description: HTTP(S) URL of the GitOps repository, for example C(https://github.com/acme/platform-gitops.git).
    required: true
    type: str
  username:
    description:
      - User name for HTTP basic authentication. With a GitHub token use C(x-access-token), with a GitLab
        token C(oauth2).
    type: str
  password:
    description: Password or access token for HTTP basic authentication.
    type: str
  branch:
    description: Branch to change.
    type: str
    default: main
  author_name:
    description: Name of the commit's author and committer.
    type: str
    default: eksforge
  author_email:
    description: Email of the commit's author and committer.
    type: str
    default: eksforge@users.noreply.localhost
  push_attempts:
    description:
      - How many times to push before failing.
      - When another push moves the branch between the fetch and the push (non-fast-forward), the repository
        is fetched again and the change re-applied on the new head before the next push.
    type: int
    default: 5
notes:
  - The password is never logged or returned, and never put in a URL or on a command line.
"""
