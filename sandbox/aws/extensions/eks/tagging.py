"""TagResource, UntagResource, ListTagsForResource: by ARN, for every EKS resource that has one."""

from __future__ import annotations

from sandbox.aws.extensions.eks.ops import Context, operation
from sandbox.aws.extensions.eks.state import Resource
from sandbox.aws.extensions.eks.validation import tag_refusal
from sandbox.aws.extensions.eks.wire import BadRequestException, NotFoundException


def _resource(ctx: Context, arn: str) -> Resource:
    for resource in ctx.region.resources():
        if resource.arn == arn:
            return resource
    raise NotFoundException(f"Resource {arn} not found")


@operation("TagResource")
def tag_resource(ctx: Context, p: dict) -> dict:
    resource = _resource(ctx, p["resourceArn"])
    refused = tag_refusal(p["tags"], resource.tags)
    if refused:
        raise BadRequestException(refused)
    resource.tags = {**resource.tags, **p["tags"]}
    return {}


@operation("UntagResource")
def untag_resource(ctx: Context, p: dict) -> dict:
    resource = _resource(ctx, p["resourceArn"])
    resource.tags = {key: value for key, value in resource.tags.items() if key not in p["tagKeys"]}
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: Context, p: dict) -> dict:
    return {"tags": dict(_resource(ctx, p["resourceArn"]).tags)}
