"""ECR tag limits moto 5.2.5 does not enforce.

Real ECR (TagResource and CreateRepository) refuses a tag key longer than 128 characters or a value
longer than 256 with InvalidTagParameterException, and a repository that would carry more than 50 tags
with TooManyTagsException (both HTTP 400); moto stores whatever it gets. The refusal happens here, before
moto; valid requests go on to moto unchanged. The rules are the shared ones of tag_limits.py; the `aws:`
prefix is left to moto here, as ECR's wording of that refusal is not known. Tests:
sandbox/tests/test_aws_ecr_fixes.py.
"""

from __future__ import annotations

from moto.ecr.exceptions import InvalidParameterException, RepositoryNotFoundException
from moto.ecr.models import ecr_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.tag_limits import MAX_KEY_LENGTH, MAX_TAGS, MAX_VALUE_LENGTH, Rule, tag_problem


def existing_tags(call: Call) -> dict[str, str] | None:
    """The tags of the repository a TagResource names, or None when moto should answer (bad ARN, no repository)."""
    backend = ecr_backends[call.account_id][call.region]
    try:
        listed = backend.list_tags_for_resource(call.params.get("resourceArn", ""))["tags"]
    except (InvalidParameterException, RepositoryNotFoundException):
        return None
    return {tag["Key"]: tag["Value"] for tag in listed}


def refusal(requested: list[dict], existing: dict[str, str]) -> tuple[str, str] | None:
    """(error code, message) ECR answers for setting `requested` on a repository tagged `existing`, or None."""
    problem = tag_problem({tag.get("Key", ""): tag.get("Value", "") for tag in requested}, existing)
    if problem is None or problem.rule is Rule.RESERVED_KEY:
        return None
    if problem.rule is Rule.TOO_MANY:
        return ("TooManyTagsException",
                f"The list of tags on the repository is over the limit. The maximum number of tags that can be "
                f"applied to a repository is {MAX_TAGS}.")
    return ("InvalidTagParameterException",
            f"Tag keys can have a maximum character length of {MAX_KEY_LENGTH} characters, "
            f"and tag values can have a maximum length of {MAX_VALUE_LENGTH} characters.")


class EcrFixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "ecr" or call.action not in ("TagResource", "CreateRepository"):
            return None
        existing: dict[str, str] | None = {}
        if call.action == "TagResource":
            existing = existing_tags(call)
        if existing is None:
            return None
        refused = refusal(call.params.get("tags") or [], existing)
        if refused is None:
            return None
        return error_response(call.protocol, 400, *refused)


EXTENSION = EcrFixes()
