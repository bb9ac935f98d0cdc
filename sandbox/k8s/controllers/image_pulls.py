"""Whether a kubelet could pull an image: images of the sandbox's ECR registries (its account, any region) must
exist there under their tag or digest; images of other registries are always "pulled" (nothing is downloaded).

Answers are kept per image (in the pods controller's memory), so a pass over many pods makes few calls: a pull that
worked for PULL_CACHE seconds, a failed one for PULL_BACK_OFF seconds, the kubelet's first back-off before it tries
again (the kubelet then doubles it up to five minutes; the sandbox keeps the first step, so an image pushed late is
pulled within seconds). The calls are internal to the sandbox (Context.aws).
"""

from __future__ import annotations

import re
import time

from .context import Context

PULL_CACHE = 2.0
PULL_BACK_OFF = 10.0
ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repository>[^:@]+)"
                       r"(?::(?P<tag>\w[\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


def pull_error(ctx: Context, image: str) -> str | None:
    """Why `image` cannot be pulled (the containerd message for a reference ECR does not have), or None."""
    match = ECR_IMAGE.match(image)
    if not match:
        return None
    memory = ctx.remembered("image-pulls")
    now = time.monotonic()
    cached = memory.get(image)
    if cached and now - cached[0] < (PULL_BACK_OFF if cached[1] else PULL_CACHE):
        return cached[1]
    error = _ecr_error(ctx, match)
    memory[image] = (now, error)
    return error


def _ecr_error(ctx: Context, match) -> str | None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        account = ctx.remembered("image-pulls").get("account")
        if account is None:
            account = ctx.remembered("image-pulls")["account"] = \
                ctx.aws("sts", match["region"]).get_caller_identity()["Account"]
        if match["account"] != account:
            return None  # another account's registry: not the sandbox's
        image_id = {"imageDigest": match["digest"]} if match["digest"] else {"imageTag": match["tag"] or "latest"}
        ctx.aws("ecr", match["region"]).describe_images(registryId=match["account"],
                                                        repositoryName=match["repository"], imageIds=[image_id])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("ImageNotFoundException", "RepositoryNotFoundException"):
            reference = match.string
            return f'failed to pull and unpack image "{reference}": failed to resolve reference "{reference}": ' \
                   f"{reference}: not found"
        return None
    except BotoCoreError:  # the AWS sandbox is restarting: pull as before rather than guess
        return None
    return None
