"""CloudWatch Logs tag limits moto 5.2.5 does not enforce (CreateLogGroup, TagResource, TagLogGroup).

Real CloudWatch Logs refuses keys longer than 128 characters, values longer than 256, keys starting with `aws:`
and more than 50 tags in one request with InvalidParameterException (its "1 validation error detected" shape),
and a log group that would carry more than 50 tags in all with TooManyTagsException; moto stores whatever it
gets. The rules are the shared ones of tag_limits.py. Tests: sandbox/tests/test_aws_tag_limits.py.
"""

from __future__ import annotations

from moto.logs.models import logs_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.tag_limits import MAX_KEY_LENGTH, MAX_TAGS, MAX_VALUE_LENGTH, Rule, tag_problem

TAGGING_ACTIONS = ("CreateLogGroup", "TagResource", "TagLogGroup")
CONSTRAINTS = {
    Rule.RESERVED_KEY: "Map keys must satisfy constraint: [Member must not start with 'aws:']",
    Rule.KEY_LENGTH: f"Map keys must satisfy constraint: [Member must have length less than or equal to "
                     f"{MAX_KEY_LENGTH}, Member must have length greater than or equal to 1]",
    Rule.VALUE_LENGTH: f"Map value must satisfy constraint: [Member must have length less than or equal to "
                       f"{MAX_VALUE_LENGTH}]",
    Rule.TOO_MANY: f"Member must have length less than or equal to {MAX_TAGS}",
}


def existing_tags(call: Call) -> dict[str, str]:
    backend = logs_backends[call.account_id][call.region]
    if call.action == "TagResource":
        return backend.list_tags_for_resource(call.params.get("resourceArn", ""))
    group = backend.groups.get(call.params.get("logGroupName", "")) if call.action == "TagLogGroup" else None
    return backend.list_tags_for_resource(group.arn) if group else {}


class LogsFixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "logs" or call.action not in TAGGING_ACTIONS:
            return None
        requested = call.params.get("tags") or {}
        problem = tag_problem(requested, existing_tags(call))
        if problem is None:
            return None
        if problem.rule is Rule.TOO_MANY and len(requested) <= MAX_TAGS:
            return error_response(call.protocol, 400, "TooManyTagsException",
                                  f"A resource can have no more than {MAX_TAGS} tags.")
        return error_response(call.protocol, 400, "InvalidParameterException",
                              f"1 validation error detected: Value '{requested}' at 'tags' failed to satisfy "
                              f"constraint: {CONSTRAINTS[problem.rule]}")


EXTENSION = LogsFixes()
