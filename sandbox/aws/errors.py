"""AWS error responses in each wire protocol's own shape, so botocore parses code and message as usual.

Used by fault injection and available to extensions that must refuse a call the way AWS would.
"""

from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response


def error_response(protocol: str, status: int, code: str, message: str) -> Response:
    """An error `code` with HTTP `status` shaped for `protocol` ("ec2", "query", "json", "rest-json", "rest-xml")."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return Response(body, status, headers, content_type="text/xml")
    if protocol == "query":
        # Client-side faults are "Sender", the service's own are "Receiver".
        fault_type = "Sender" if status < 500 else "Receiver"
        body = (f"<ErrorResponse><Error><Type>{fault_type}</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return Response(body, status, headers, content_type="text/xml")
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        return Response(body, status, headers, content_type="application/x-amz-json-1.1")
    if protocol == "rest-json":
        body = json.dumps({"message": message})
        return Response(body, status, {**headers, "x-amzn-ErrorType": code}, content_type="application/json")
    if protocol == "rest-xml":
        # S3's shape (root <Error>); botocore's rest-xml parser reads it for every rest-xml service.
        body = (f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>")
        return Response(body, status, headers, content_type="application/xml")
    return Response(f"{code}: {message}", status, headers, content_type="text/plain")
