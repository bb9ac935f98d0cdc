"""Bucket policies with a TLS-only statement, which moto 5.2.5 turns into "deny everything".

Real S3 evaluates a statement's Condition: `Deny ... Bool aws:SecureTransport false` denies only requests made
over plain HTTP, and AWS SDKs (boto3, Terraform's AWS provider) always use HTTPS, so such a policy changes nothing
for them. moto ignores conditions and applies the Deny to every object request (403 on GetObject/HeadObject/
PutObject), which breaks a TLS-only state bucket. The sandbox's plain-HTTP endpoint stands for AWS's HTTPS one:
its bucket policy check leaves those TLS-only statements out and evaluates the rest as moto does.
Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

import json

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket
from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension

TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def without_tls_only(policy: dict) -> dict:
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return {**policy, "Statement": [statement for statement in statements
                                    if not (statement.get("Effect") == "Deny" and statement.get("Condition") == TLS_ONLY)]}


def get_permission(bucket: FakeBucket, action: str, resource: str):
    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    policy = without_tls_only(json.loads(bucket.policy))
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)


class S3TlsOnlyPolicies(Extension):
    """Installs the check on moto's buckets when the sandbox loads its extensions; answers no call itself."""

    def __init__(self) -> None:
        FakeBucket.get_permission = get_permission

    def handle(self, call: Call, request: Request) -> Response | None:
        return None


EXTENSION = S3TlsOnlyPolicies()
