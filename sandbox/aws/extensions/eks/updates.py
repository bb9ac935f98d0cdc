"""DescribeUpdate and ListUpdates: the asynchronous changes of a cluster, nodegroup or add-on."""

from __future__ import annotations

from sandbox.aws.extensions.eks import addons, nodegroups
from sandbox.aws.extensions.eks.ops import Context, operation, page
from sandbox.aws.extensions.eks.state import Resource
from sandbox.aws.extensions.eks.wire import ResourceNotFoundException


def _target(ctx: Context, p: dict) -> Resource:
    """The cluster itself, or the nodegroup / add-on named alongside it."""
    if p.get("nodegroupName"):
        return nodegroups.nodegroup_of(ctx, p["name"], p["nodegroupName"])
    if p.get("addonName"):
        return addons.addon_of(ctx, p["name"], p["addonName"])
    return ctx.cluster(p["name"])


@operation("ListUpdates")
def list_updates(ctx: Context, p: dict) -> dict:
    ids, more = page([update.id for update in _target(ctx, p).updates], p)
    return {"updateIds": ids, **more}


@operation("DescribeUpdate")
def describe_update(ctx: Context, p: dict) -> dict:
    for update in _target(ctx, p).updates:
        if update.id == p["updateId"]:
            return {"update": update.describe(ctx.now)}
    raise ResourceNotFoundException(f"No update found for ID: {p['updateId']}", clusterName=p["name"])
