# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument-spec entries several modules share, each beside the doc fragment that documents it.

A module builds its spec as ``dict(name=..., **STATE, **TAGS)``; validate-modules checks that the
fragment and the spec agree.
"""

# Documented per module (what "exists" means differs).
STATE = dict(state=dict(type="str", choices=["present", "absent"], default="present"))

# Doc fragment amazon.aws.tags.
TAGS = dict(
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)

# Doc fragment eksforge.platform.eks.
EKS_CLUSTER_NAME = dict(cluster_name=dict(type="str", required=True))

# Doc fragment eksforge.platform.ecr.
ECR_REGISTRY_ID = dict(registry_id=dict(type="str"))

# Doc fragment eksforge.platform.gitops.
GITOPS_REPOSITORY = dict(
    repository_url=dict(type="str", required=True),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    branch=dict(type="str", default="main"),
    author_name=dict(type="str", default="eksforge"),
    author_email=dict(type="str", default="eksforge@users.noreply.localhost"),
    push_attempts=dict(type="int", default=5),
)

# Doc fragment eksforge.platform.wait, whose wait_timeout default is CLUSTER_WAIT_TIMEOUT.
# Creating or upgrading an EKS control plane or nodegroup takes 10 to 20 minutes on AWS.
CLUSTER_WAIT_TIMEOUT = 1800


def wait(timeout=CLUSTER_WAIT_TIMEOUT):
    """wait/wait_timeout; with another timeout, the module's DOCUMENTATION (or a doc fragment listed before
    eksforge.platform.wait, as eksforge.platform.eks_addon) documents wait_timeout's default."""
    return dict(
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=timeout),
    )
