"""IAM operations moto 5.2.5 lacks: changing an OIDC provider's client IDs in place.

Real IAM (AddClientIDToOpenIDConnectProvider / RemoveClientIDFromOpenIDConnectProvider) changes the
provider's ClientIDList; both are idempotent — adding a present ID or removing an absent one succeeds
and changes nothing. moto answers both with HTTP 500 NotImplementedError. We change moto's own provider
object, so every other IAM call (get, list, tag, delete) keeps seeing one consistent provider.
"""

from __future__ import annotations

import uuid

from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension

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


class IamFixes(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        change = CLIENT_ID_CHANGES.get(call.action) if call.service == "iam" else None
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
