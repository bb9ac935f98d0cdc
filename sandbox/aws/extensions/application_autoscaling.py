"""Application Auto Scaling tags, which moto 5.2.5 lacks (ListTagsForResource, TagResource, UntagResource
answer NotImplementedError; RegisterScalableTarget drops its Tags).

Real Application Auto Scaling tags a scalable target by its ARN (the ScalableTargetARN RegisterScalableTarget
returns): RegisterScalableTarget's Tags apply when it creates the target, ListTagsForResource returns
{"Tags": {key: value}}, an ARN of no registered target is ResourceNotFoundException, and tags go with the
target when it is deregistered. Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

import json

from moto.applicationautoscaling.models import applicationautoscaling_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension

SERVICE = "application-autoscaling"


def target_arns(call: Call) -> set[str]:
    backend = applicationautoscaling_backends[call.account_id][call.region]
    return {target.arn for by_dimension in backend.targets.values() for target in by_dimension.values()}


class ApplicationAutoScalingTags(Extension):
    def __init__(self) -> None:
        self.tags: dict[str, dict[str, str]] = {}

    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != SERVICE:
            return None
        if call.action == "RegisterScalableTarget":
            return self.register(call, request)
        if call.action == "DeregisterScalableTarget":
            before = target_arns(call)
            answer = self.ask_moto(request)
            for arn in before - target_arns(call):
                self.tags.pop(arn, None)
            return answer
        if call.action not in ("ListTagsForResource", "TagResource", "UntagResource"):
            return None
        arn = call.params.get("ResourceARN", "")
        if arn not in target_arns(call):
            return error_response(call.protocol, 400, "ResourceNotFoundException", f"No scalable target found for {arn}")
        tags = self.tags.setdefault(arn, {})
        if call.action == "TagResource":
            tags.update(call.params.get("Tags") or {})
            return _json({})
        if call.action == "UntagResource":
            for key in call.params.get("TagKeys") or []:
                tags.pop(key, None)
            return _json({})
        return _json({"Tags": tags})

    def register(self, call: Call, request: Request) -> Response:
        before = target_arns(call)
        answer = self.ask_moto(request)
        if answer.status_code == 200:
            arn = json.loads(answer.get_data())["ScalableTargetARN"]
            if arn not in before:
                self.tags[arn] = dict(call.params.get("Tags") or {})
        return answer

    def reset(self) -> None:
        self.tags.clear()


def _json(body: dict) -> Response:
    return Response(json.dumps(body), 200, content_type="application/x-amz-json-1.1")


EXTENSION = ApplicationAutoScalingTags()
