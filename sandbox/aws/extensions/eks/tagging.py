"""TagResource, UntagResource, ListTagsForResource: by ARN, for every EKS resource that has one."""

from __future__ import annotations

from sandbox.aws.extensions.eks.ops import Context, operation
from sandbox.aws.extensions.eks.state import Resource
from sandbox.aws.extensions.eks.wire import BadRequestException, NotFoundException

MAX_TAGS = 50


def _resource(ctx: Context, arn: str) -> Resource:
    for resource in ctx.region.resources():
        if resource.arn == arn:
            return resource
    raise NotFoundException(f"Resource {arn} not found")


@operation("TagResource")
def tag_resource(ctx: Context, p: dict) -> dict:
    resource = _resource(ctx, p["resourceArn"])
    tags = {**resource.tags, **p["tags"]}
    if len(tags) > MAX_TAGS:
        raise BadRequestException(f"A resource can have at most {MAX_TAGS} tags")
    if any(key.lower().startswith("aws:") for key in p["tags"]):
        raise BadRequestException("Tag keys starting with aws: are reserved for AWS use")
    resource.tags = tags
    return {}


@operation("UntagResource")
def untag_resource(ctx: Context, p: dict) -> dict:
    resource = _resource(ctx, p["resourceArn"])
    resource.tags = {key: value for key, value in resource.tags.items() if key not in p["tagKeys"]}
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: Context, p: dict) -> dict:
    return {"tags": dict(_resource(ctx, p["resourceArn"]).tags)}
