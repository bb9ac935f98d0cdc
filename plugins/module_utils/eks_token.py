# -*- coding: utf-8 -*-

# Copyright (c) 2026 eksforge maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EKS bearer tokens (used by the eksforge.platform.eks_token lookup).

An EKS token is ``k8s-aws-v1.`` followed by the unpadded URL-safe base64 of a presigned STS
``GetCallerIdentity`` GET URL. The URL is signed with SigV4 query parameters, expires after 60 seconds
(``X-Amz-Expires=60``) and includes the header ``x-k8s-aws-id: <cluster name>`` among its signed headers,
so the token is only good for that cluster. The cluster's authenticator replays the URL against STS
with that header and maps the returned caller ARN to Kubernetes identities. This is what
``aws eks get-token`` produces.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import itertools

from urllib.parse import parse_qs
from urllib.parse import urlsplit


from ansible_collections.eksforge.platform.plugins.module_utils.retries import THROTTLING_AND_SERVER_ERRORS

TOKEN_PREFIX = "k8s-aws-v1."
K8S_AWS_ID_HEADER = "x-k8s-aws-id"
URL_EXPIRES_SECONDS = 60
DEFAULT_ROLE_SESSION_NAME = "EKSGetTokenAuth"

_HANDLER_IDS = itertools.count()


def encode_token(presigned_url):
    """``k8s-aws-v1.`` + base64url(presigned_url) without ``=`` padding."""
    encoded = base64.urlsafe_b64encode(presigned_url.encode("utf-8")).decode("ascii")
    return TOKEN_PREFIX + encoded.rstrip("=")


def decode_token(token):
    """The presigned URL inside a token (inverse of :func:`encode_token`)."""
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError("not an EKS token: missing the {0} prefix".format(TOKEN_PREFIX))
    payload = token[len(TOKEN_PREFIX):]
    payload += "=" * (-len(payload) % 4)
    return base64.urlsafe_b64decode(payload.encode("ascii")).decode("utf-8")


def describe_presigned_url(url):
    """The parts of a presigned URL the tests and the authenticator look at.

    Returns ``scheme``, ``host``, ``path``, ``params`` (query parameters, one value each) and
    ``signed_headers`` (the list from ``X-Amz-SignedHeaders``) and ``region`` (from the credential scope).
    """
    parts = urlsplit(url)
    params = dict((k, v[0]) for k, v in parse_qs(parts.query, keep_blank_values=True).items())
    scope = params.get("X-Amz-Credential", "").split("/")
    return dict(
        scheme=parts.scheme,
        host=parts.netloc,
        path=parts.path or "/",
        params=params,
        signed_headers=[h for h in params.get("X-Amz-SignedHeaders", "").split(";") if h],
        region=scope[2] if len(scope) > 2 else None,
        service=scope[3] if len(scope) > 3 else None,
    )


def presign_get_caller_identity(sts_client, cluster_name, expires_in=URL_EXPIRES_SECONDS):
    """A presigned STS GetCallerIdentity GET URL with ``x-k8s-aws-id: cluster_name`` signed in.

    ``sts_client`` is a plain botocore/boto3 STS client; its region and endpoint decide the URL's host,
    its credentials sign it. The header is added by a ``before-sign`` handler that is registered for
    this call only, so the client can be reused.
    """
    if not cluster_name:
        raise ValueError("cluster_name must not be empty")

    def add_cluster_header(request, **kwargs):
        request.headers[K8S_AWS_ID_HEADER] = cluster_name

    event = "before-sign.sts.GetCallerIdentity"
    unique_id = "eksforge-k8s-aws-id-{0}".format(next(_HANDLER_IDS))
    sts_client.meta.events.register(event, add_cluster_header, unique_id=unique_id)
    try:
        return sts_client.generate_presigned_url(
            "get_caller_identity",
            Params={},
            ExpiresIn=expires_in,
            HttpMethod="GET",
        )
    finally:
        sts_client.meta.events.unregister(event, unique_id=unique_id)


def get_token(sts_client, cluster_name):
    """The EKS bearer token for ``cluster_name``, signed with ``sts_client``'s credentials."""
    return encode_token(presign_get_caller_identity(sts_client, cluster_name))


@THROTTLING_AND_SERVER_ERRORS
def assume_role_credentials(sts_client, role_arn, session_name=None):
    """Temporary credentials of ``role_arn`` as keyword arguments for a boto3 client (retried when throttled)."""
    response = sts_client.assume_role(RoleArn=role_arn, RoleSessionName=session_name or DEFAULT_ROLE_SESSION_NAME)
    creds = response["Credentials"]
    return dict(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
