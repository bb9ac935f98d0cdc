"""IAM operations moto 5.2.5 lacks or lets through: OIDC provider client IDs, and tags.

Real IAM (AddClientIDToOpenIDConnectProvider / RemoveClientIDFromOpenIDConnectProvider) changes the
provider's ClientIDList; both are idempotent — adding a present ID or removing an absent one succeeds
and changes nothing. moto answers both with HTTP 500 NotImplementedError. We change moto's own provider
object, so every other IAM call (get, list, tag, delete) keeps seeing one consistent provider.

Tags (the rules of tag_limits.py) on every IAM call that sets them (CreateRole, TagRole, CreateOpenIDConnectProvider,
TagOpenIDConnectProvider, ...): moto checks lengths and counts within one request only. IAM refuses a key starting
with `aws:` with InvalidInput, a role or OIDC provider that would carry more than 50 tags with LimitExceeded (409),
and lengths with the ValidationError moto also gives.
"""

from __future__ import annotations

import uuid

from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.tag_limits import (MAX_KEY_LENGTH, MAX_TAGS, MAX_VALUE_LENGTH, Rule, numbered_tags,
                                               tag_problem)

IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


def add_client_id(client_ids: list[str], client_id: str) -> None:
    if client_id not in client_ids:
        client_ids.append(client_id)


def remove_client_id(client_ids: list[str], client_id: str) -> None:
    if client_id in client_ids:
        client_ids.remove(client_id)


CLIENT_ID_CHANGES = {
    "AddClientIDToOpenIDConnectProvider": add_client_id,
    "RemoveClientIDFromOpenIDConnectProvider": remove_client_id,
}


TAG_REFUSALS = {
    Rule.RESERVED_KEY: (400, "InvalidInput", "User-defined tag keys can't start with 'aws:'. This prefix is reserved "
                                             "for AWS internal use. Tag key: {key}"),
    Rule.KEY_LENGTH: (400, "ValidationError", "1 validation error detected: Value '{key}' at 'tags.X.member.key' "
                                              f"failed to satisfy constraint: Member must have length less than or "
                                              f"equal to {MAX_KEY_LENGTH}"),
    Rule.VALUE_LENGTH: (400, "ValidationError", "1 validation error detected: Value '{value}' at 'tags.X.member.value' "
                                                f"failed to satisfy constraint: Member must have length less than or "
                                                f"equal to {MAX_VALUE_LENGTH}"),
    Rule.TOO_MANY: (409, "LimitExceeded", f"Cannot exceed quota for TagsPerResource: {MAX_TAGS}"),
}


def existing_tags(call: Call) -> dict[str, str]:
    """The tags of the role or OIDC provider a Tag* call names ({} for anything else, or when it does not exist)."""
    backend = iam_backends[call.account_id]["aws"]
    try:
        if call.action == "TagRole":
            listed = backend.get_role(call.params.get("RoleName", "")).tags
        elif call.action == "TagOpenIDConnectProvider":
            listed = backend.get_open_id_connect_provider(call.params.get("OpenIDConnectProviderArn", "")).tags
        else:
            return {}
    except NotFoundException:
        return {}
    if isinstance(listed, dict):
        return {key: tag["Value"] if isinstance(tag, dict) else tag for key, tag in listed.items()}
    return {tag["Key"]: tag["Value"] for tag in listed}


def refuse_invalid_tags(call: Call) -> Response | None:
    requested = numbered_tags(call.params, "Tags.member.")
    problem = tag_problem(requested, existing_tags(call)) if requested else None
    if problem is None:
        return None
    status, code, message = TAG_REFUSALS[problem.rule]
    return error_response("query", status, code, message.format(key=problem.key, value=problem.value))


class IamFixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "iam":
            return None
        if call.kind == "mutating":
            refused = refuse_invalid_tags(call)
            if refused is not None:
                return refused
        change = CLIENT_ID_CHANGES.get(call.action)
        if change is None:
            return None
        arn = call.params.get("OpenIDConnectProviderArn", "")
        try:
            provider = iam_backends[call.account_id]["aws"].get_open_id_connect_provider(arn)
        except NotFoundException:
            return error_response("query", 404, "NoSuchEntity", f"OpenIDConnect Provider not found for arn {arn}")
        change(provider.client_id_list, call.params.get("ClientID", ""))
        body = (f'<{call.action}Response xmlns="{IAM_NAMESPACE}"><ResponseMetadata>'
                f"<RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{call.action}Response>")
        return Response(body, 200, content_type="text/xml")


EXTENSION = IamFixes()
