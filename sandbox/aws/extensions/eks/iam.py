"""The IAM side EKS checks, through moto's in-process IAM backend: roles must exist before EKS uses them."""

from __future__ import annotations

from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends

from sandbox.aws.extensions.eks.ops import Context
from sandbox.aws.extensions.eks.wire import InvalidParameterException


def require_role(ctx: Context, arn: str, **context: str) -> None:
    try:
        iam_backends[ctx.call.account_id]["aws"].get_role_by_arn(arn)
    except NotFoundException:
        raise InvalidParameterException(f"Role with arn: {arn}, could not be assumed because it does not exist or "
                                        f"the trusted entity is not correct", **context) from None
