"""STS GetCallerIdentity sent as a presigned GET: the request inside every EKS token.

`aws eks get-token` and aws-iam-authenticator put a SigV4-presigned
`GET /?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-...` (signed headers `host;x-k8s-aws-id`)
into the token; the Kubernetes side replays it against STS to learn who is calling. moto routes such a
GET without an Authorization header to S3, so it is answered here the way STS does: the signature is
checked with the key's secret, an expired URL is refused, and the identity is the one moto's own
GetCallerIdentity reports for the same access key.

STS ignores X-Amz-Expires on these URLs: one is good for 15 minutes after X-Amz-Date whatever it says
(aws/aws-sdk-go#2167; aws-iam-authenticator relies on it, `aws eks get-token` signs for 60 s and tells
kubectl the token lasts 14 minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from moto.iam.exceptions import NotFoundException as IamNotFound
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension
from sandbox.config import SECRET_ACCESS_KEY

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
AMZ_DATE = "%Y%m%dT%H%M%SZ"
# A presigned URL carries no body hash; SigV4 signers use the empty body's hash or the UNSIGNED-PAYLOAD
# marker for it (botocore over http/https, other SDKs), and STS accepts either.
PAYLOAD_HASHES = (hashlib.sha256(b"").hexdigest(), "UNSIGNED-PAYLOAD")
PRESIGNED_URL_LIFETIME = timedelta(minutes=15)


class StsError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def caller_identity(access_key_id: str, account_id: str, region: str) -> tuple[str, str, str]:
    """(UserId, Arn, Account) exactly as moto's sts GetCallerIdentity answers for this access key."""
    return sts_backends[account_id]["aws"].get_caller_identity(access_key_id, region)


def principal_arn(access_key_id: str, account_id: str, region: str) -> str:
    """The IAM principal behind a key, as EKS records it: an assumed-role session counts as its role.

    The session ARN drops the role's path; the role's own ARN (with path) comes from IAM.
    """
    arn = caller_identity(access_key_id, account_id, region)[1]
    assumed = re.fullmatch(r"arn:(?P<p>[^:]+):sts::(?P<a>\d+):assumed-role/(?P<role>[^/]+)/.+", arn)
    if not assumed:
        return arn
    try:
        return iam_backends[assumed["a"]][assumed["p"]].get_role(assumed["role"]).arn
    except IamNotFound:
        return f"arn:{assumed['p']}:iam::{assumed['a']}:role/{assumed['role']}"


def secret_for(access_key_id: str, account_id: str) -> str:
    """The secret moto issued with this key (assumed role, IAM user); the sandbox's for any other key."""
    assumed = sts_backends[account_id]["aws"].get_assumed_role_from_access_key(access_key_id)
    if assumed is not None:
        return assumed.secret_access_key
    iam = iam_backends[account_id]["aws"]
    user = iam.get_user_from_access_key_id(access_key_id)
    if user is not None:
        return next(key.secret_access_key for key in iam.list_access_keys(user.name)
                    if key.access_key_id == access_key_id)
    return SECRET_ACCESS_KEY


def is_presigned_caller_identity(request: Request) -> bool:
    return (request.method == "GET" and request.args.get("Action") == "GetCallerIdentity"
            and "X-Amz-Signature" in request.args)


def check_signature(request: Request, secret: str, now: datetime) -> None:
    """Raise StsError unless the presigned URL is signed with `secret` and X-Amz-Date is under 15 minutes old."""
    args = request.args
    try:
        signed_at = datetime.strptime(args["X-Amz-Date"], AMZ_DATE).replace(tzinfo=timezone.utc)
        int(args["X-Amz-Expires"])  # required and signed, but STS does not shorten the URL's life by it
        credential = args["X-Amz-Credential"]
        signed_headers = args["X-Amz-SignedHeaders"]
    except (KeyError, ValueError):
        raise StsError("IncompleteSignature", "Request is missing or has a malformed presigned parameter.") \
            from None
    scope = credential.split("/", 1)[1]
    raw_query = request.environ.get("QUERY_STRING", "")
    pairs = sorted((quote(unquote(key), safe="-_.~"), quote(unquote(value), safe="-_.~"))
                   for key, _, value in (item.partition("=") for item in raw_query.split("&") if item)
                   if unquote(key) != "X-Amz-Signature")
    canonical_query = "&".join(f"{key}={value}" for key, value in pairs)
    canonical_headers = "".join(f"{name}:{' '.join(request.headers.get(name, '').split())}\n"
                                for name in signed_headers.split(";"))
    key = _signing_key(secret, scope)
    expected = [
        hmac.new(key, _string_to_sign(args["X-Amz-Date"], scope, "\n".join(
            ["GET", request.path, canonical_query, canonical_headers, signed_headers, payload_hash])
        ).encode(), hashlib.sha256).hexdigest()
        for payload_hash in PAYLOAD_HASHES
    ]
    if not any(hmac.compare_digest(candidate, args["X-Amz-Signature"]) for candidate in expected):
        raise StsError("SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided. "
                       "Check your AWS Secret Access Key and signing method. "
                       "Consult the service documentation for details.")
    expiry = signed_at + PRESIGNED_URL_LIFETIME
    if now > expiry:
        # STS words an expired presigned URL like a stale signature, under the same code.
        raise StsError("SignatureDoesNotMatch",
                       f"Signature expired: {expiry.strftime(AMZ_DATE)} is now earlier than "
                       f"{now.strftime(AMZ_DATE)}")


def _signing_key(secret: str, scope: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    return "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                      hashlib.sha256(canonical_request.encode()).hexdigest()])


def _wants_json(request: Request) -> bool:
    # aws-iam-authenticator asks for JSON; STS then answers the same document as JSON.
    return "application/json" in request.headers.get("Accept", "")


def identity_response(request: Request, user_id: str, arn: str, account: str) -> Response:
    request_id = str(uuid.uuid4())
    if _wants_json(request):
        body = {"GetCallerIdentityResponse": {
            "GetCallerIdentityResult": {"Account": account, "Arn": arn, "UserId": user_id},
            "ResponseMetadata": {"RequestId": request_id}}}
        return Response(json.dumps(body), content_type="application/json")
    xml = (f'<GetCallerIdentityResponse xmlns="{NAMESPACE}"><GetCallerIdentityResult>'
           f"<Arn>{escape(arn)}</Arn><UserId>{escape(user_id)}</UserId><Account>{escape(account)}</Account>"
           f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>"
           f"</ResponseMetadata></GetCallerIdentityResponse>")
    return Response(xml, content_type="text/xml")


def error_response(request: Request, err: StsError) -> Response:
    request_id = str(uuid.uuid4())
    if _wants_json(request):
        body = {"Error": {"Code": err.code, "Message": err.message, "Type": "Sender"}, "RequestId": request_id}
        return Response(json.dumps(body), status=403, content_type="application/json")
    xml = (f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>Sender</Type><Code>{err.code}</Code>'
           f"<Message>{escape(err.message)}</Message></Error><RequestId>{request_id}</RequestId>"
           f"</ErrorResponse>")
    return Response(xml, status=403, content_type="text/xml")


class PresignedStsExtension(Extension):
    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "sts" or not is_presigned_caller_identity(request):
            return None
        try:
            check_signature(request, secret_for(call.access_key_id, call.account_id),
                            datetime.now(timezone.utc))
        except StsError as err:
            return error_response(request, err)
        return identity_response(request, *caller_identity(call.access_key_id, call.account_id, call.region))


EXTENSION = PresignedStsExtension()
