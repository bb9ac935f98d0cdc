"""Authentication with EKS bearer tokens and authorization from EKS access policies.

A token is `k8s-aws-v1.` + base64url(presigned STS GetCallerIdentity URL). Like aws-iam-authenticator we
check the URL's date window ourselves (15 minutes from X-Amz-Date, X-Amz-Expires only range-checked), then
replay that GET (with `x-k8s-aws-id: <cluster>`) against STS — here the AWS sandbox — and take the ARN
it answers with. Time is read from `clock`, which tests move forward through the emulator.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from sandbox.config import INTERNAL_HEADER

from . import clock

TOKEN_PREFIX = "k8s-aws-v1."
# aws-iam-authenticator accepts a token for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says
# (`aws eks get-token` signs with 60 s but tells kubectl the token lasts 14 minutes).
MAX_TOKEN_AGE = timedelta(minutes=15)
# The authenticator refuses an X-Amz-Expires outside 0..900 s, though it does not use the value otherwise.
MAX_EXPIRES_SECONDS = 900
READ_VERBS = {"get", "list", "watch"}
# Like the apiserver's webhook token authenticator (--authentication-token-webhook-cache-ttl, 2 minutes),
# a verified token is trusted this long without asking STS again.
TOKEN_CACHE_SECONDS = 120.0
TOKEN_CACHE_SIZE = 1024


class Unauthorized(Exception):
    pass


def verify_eks_token(token: str, cluster_name: str, sts_endpoint: str) -> tuple[str, float]:
    """The caller's IAM ARN and when the token expires (epoch seconds); raises Unauthorized for malformed,
    expired or rejected tokens."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized("token is not an EKS token")
    encoded = token[len(TOKEN_PREFIX):]
    try:
        url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("token is not valid base64url") from None
    parsed = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parsed.query))
    if query.get("Action") != "GetCallerIdentity" or "X-Amz-Signature" not in query:
        raise Unauthorized("token is not a presigned GetCallerIdentity URL")
    try:
        signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        expires = int(query["X-Amz-Expires"])
    except (KeyError, ValueError):
        raise Unauthorized("token lacks X-Amz-Date or X-Amz-Expires") from None
    if not 0 <= expires <= MAX_EXPIRES_SECONDS:
        raise Unauthorized(f"invalid X-Amz-Expires parameter in pre-signed URL: {expires}")
    expires_at = (signed_at + MAX_TOKEN_AGE).timestamp()
    if clock.now() > expires_at:
        raise Unauthorized("token has expired")
    request = urllib.request.Request(f"{sts_endpoint}{parsed.path or '/'}?{parsed.query}",
                                     headers={"x-k8s-aws-id": cluster_name, INTERNAL_HEADER: "1"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
    except (urllib.error.URLError, OSError):
        raise Unauthorized("STS rejected the token") from None
    match = re.search(r"<Arn>([^<]+)</Arn>", body)
    if not match:
        raise Unauthorized("STS answer has no Arn")
    return match.group(1), expires_at


class TokenCache:
    """Successful verifications, keyed by a hash of cluster and token, kept TOKEN_CACHE_SECONDS but never past
    the token's expiry. Rejections are not kept (the apiserver may keep them as long; keeping none is never
    stricter than it), so every failure is checked afresh."""

    def __init__(self):
        self._entries: collections.OrderedDict[str, tuple[float, str]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def verify(self, token: str, cluster_name: str, sts_endpoint: str) -> str:
        key = hashlib.sha256(f"{cluster_name}\0{token}".encode()).hexdigest()
        with self._lock:
            valid_until, arn = self._entries.get(key, (0.0, ""))
        if clock.now() < valid_until:
            return arn
        arn, expires_at = verify_eks_token(token, cluster_name, sts_endpoint)
        with self._lock:
            self._entries[key] = (min(clock.now() + TOKEN_CACHE_SECONDS, expires_at), arn)
            self._entries.move_to_end(key)
            if len(self._entries) > TOKEN_CACHE_SIZE:
                self._entries.popitem(last=False)  # the least recently verified
        return arn


def principal_of(caller_arn: str) -> str:
    """EKS maps an assumed-role session to its role: arn:aws:sts::A:assumed-role/R/s -> arn:aws:iam::A:role/R."""
    m = re.match(r"^arn:(aws[a-z-]*):sts::(\d+):assumed-role/([^/]+)/.+$", caller_arn)
    return f"arn:{m.group(1)}:iam::{m.group(2)}:role/{m.group(3)}" if m else caller_arn


def _same_principal(entry_arn: str, principal: str) -> bool:
    # Access entries may carry an IAM path (role/team/R); EKS matches on account and role or user name.
    def identity(arn: str):
        m = re.match(r"^arn:[^:]+:iam::(\d+):(role|user)/(?:.*/)?([^/]+)$", arn)
        return (m.group(1), m.group(2), m.group(3)) if m else arn
    return identity(entry_arn) == identity(principal)


# What each EKS access policy allows, per (verb, resource type); modelled on the Kubernetes roles they map to.
def _cluster_admin(verb, rtype) -> bool:
    return True


def _admin(verb, rtype) -> bool:
    return rtype.namespaced or verb in READ_VERBS


def _edit(verb, rtype) -> bool:
    if rtype.group == "rbac.authorization.k8s.io" or rtype.plural in ("resourcequotas", "limitranges"):
        return verb in READ_VERBS and rtype.namespaced
    return (rtype.namespaced or rtype.plural == "namespaces") and (rtype.namespaced or verb in READ_VERBS)


def _view(verb, rtype) -> bool:
    if verb not in READ_VERBS or rtype.plural == "secrets":
        return False
    return rtype.namespaced or rtype.plural == "namespaces"


POLICIES = {
    "AmazonEKSClusterAdminPolicy": _cluster_admin,
    "AmazonEKSAdminPolicy": _admin,
    "AmazonEKSEditPolicy": _edit,
    "AmazonEKSViewPolicy": _view,
}
# Every authenticated user may ask who they are and what they can do.
ALWAYS_ALLOWED = {"selfsubjectaccessreviews", "selfsubjectreviews", "selfsubjectrulesreviews"}


def _namespace_matches(patterns: tuple[str, ...], namespace: str | None) -> bool:
    if namespace is None:
        return False
    return any(namespace == p or (p.endswith("*") and namespace.startswith(p[:-1])) for p in patterns)


def is_allowed(cluster, caller_arn: str, verb: str, rtype, namespace: str | None) -> bool:
    if rtype.plural in ALWAYS_ALLOWED:
        return True
    principal = principal_of(caller_arn)
    for entry in cluster.access_entries:
        if not _same_principal(entry.principal_arn, principal):
            continue
        for association in entry.policies:
            rule = POLICIES.get(association.policy)
            if rule is None or not rule(verb, rtype):
                continue
            if association.namespaces is None:
                return True
            if rtype.namespaced and _namespace_matches(association.namespaces, namespace):
                return True
    return False
