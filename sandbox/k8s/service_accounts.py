"""Service account tokens: what TokenRequest (`kubectl create token`) returns, what the token controller writes into
`kubernetes.io/service-account-token` Secrets, and checking either when a client presents it.

Tokens are JWTs like the apiserver's (bound tokens: `iss` the cluster's OIDC issuer, `aud`, `exp`, the service
account's name and uid; legacy Secret tokens: `iss` "kubernetes/serviceaccount" and the Secret's name), signed with
HMAC-SHA256 under a per-cluster key derived from the sandbox's TLS key, since no client checks the signature itself.
A token is accepted while unexpired, its audience includes the API server's and its service account (and, for a
legacy token, its Secret) still exists with the same uid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timezone

from . import clock, kinds

API_AUDIENCE = "https://kubernetes.default.svc"  # EKS's --api-audiences
LEGACY_ISSUER = "kubernetes/serviceaccount"
DEFAULT_SECONDS, MIN_SECONDS, MAX_SECONDS = 3600, 600, 2 ** 32
SECRET_TYPE = "kubernetes.io/service-account-token"
SA_NAME, SA_UID = "kubernetes.io/service-account.name", "kubernetes.io/service-account.uid"
USER_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS = kinds.builtin_by_kind("", "ServiceAccount")
SECRETS = kinds.builtin_by_kind("", "Secret")

_signing = {"key": secrets.token_bytes(32), "ca": ""}


def configure(tls_key: bytes, ca_pem: str) -> None:
    """The emulator's signing secret (from its TLS key, so tokens outlive a restart) and the CA clients trust."""
    _signing["key"] = hashlib.sha256(b"service-account-tokens\0" + tls_key).digest()
    _signing["ca"] = ca_pem


def ca_pem() -> str:
    return _signing["ca"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _signature(info, signed: str) -> str:
    key = hmac.new(_signing["key"], info.key.encode(), hashlib.sha256).digest()
    return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def _jwt(info, claims: dict) -> str:
    signed = _b64(json.dumps({"alg": "HS256", "kid": info.key}).encode()) + "." + \
        _b64(json.dumps(claims, separators=(",", ":")).encode())
    return signed + "." + _signature(info, signed)


def bound_token(info, account: dict, audiences: list[str], seconds: int) -> tuple[str, int]:
    """A TokenRequest's token and its expiry (epoch seconds)."""
    now = int(clock.now())
    meta = account["metadata"]
    claims = {"aud": audiences, "exp": now + seconds, "iat": now, "nbf": now, "iss": info.oidc_issuer,
              "jti": str(uuid.uuid4()), "sub": f"{USER_PREFIX}{meta['namespace']}:{meta['name']}",
              "kubernetes.io": {"namespace": meta["namespace"],
                                "serviceaccount": {"name": meta["name"], "uid": meta["uid"]}}}
    return _jwt(info, claims), now + seconds


def legacy_token(info, account: dict, secret: dict) -> str:
    meta, prefix = account["metadata"], "kubernetes.io/serviceaccount/"
    return _jwt(info, {"iss": LEGACY_ISSUER, "sub": f"{USER_PREFIX}{meta['namespace']}:{meta['name']}",
                       prefix + "namespace": meta["namespace"], prefix + "secret.name": secret["metadata"]["name"],
                       prefix + "service-account.name": meta["name"], prefix + "service-account.uid": meta["uid"]})


def user(token: str, info, objects) -> str | None:
    """The service account user a token stands for in this cluster, or None."""
    parts = token.split(".")
    if len(parts) != 3 or not hmac.compare_digest(_signature(info, f"{parts[0]}.{parts[1]}").encode(),
                                                  parts[2].encode()):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    if not isinstance(claims, dict):
        return None
    if claims.get("iss") == LEGACY_ISSUER:
        prefix = "kubernetes.io/serviceaccount/"
        namespace, name = claims.get(prefix + "namespace"), claims.get(prefix + "service-account.name")
        uid = claims.get(prefix + "service-account.uid")
        secret = objects.find(SECRETS, namespace, claims.get(prefix + "secret.name"))
        if secret is None or (secret["metadata"].get("annotations") or {}).get(SA_UID) != uid:
            return None
    else:
        bound = claims.get("kubernetes.io") or {}
        account = bound.get("serviceaccount") or {}
        namespace, name, uid = bound.get("namespace"), account.get("name"), account.get("uid")
        expires = claims.get("exp")
        if claims.get("iss") != info.oidc_issuer or API_AUDIENCE not in (claims.get("aud") or []) or \
                not isinstance(expires, (int, float)) or clock.now() >= expires:
            return None
    found = objects.find(SERVICE_ACCOUNTS, namespace, name)
    if found is None or found["metadata"]["uid"] != uid:
        return None
    return f"{USER_PREFIX}{namespace}:{name}"


def expiry_timestamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
