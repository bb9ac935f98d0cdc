"""`python -m sandbox.ci release SERVICE TAG`: the sandbox's stand-in for a service's CI pipeline.

What the GitHub Actions workflow and the Jenkinsfile of roles/shop/templates/ci/ do after building an image,
against the running sandbox (EKSFORGE_SANDBOX_DIR): push an image manifest for SERVICE:TAG to the service's ECR
repository (ecr:PutImage; the sandbox runs no containers, so a manifest stands for the image), then run the same
bump the pipelines run, playbooks/release.yml (tag checked in ECR, committed to the GitOps repository, waited
for until Argo CD reports the Application Synced and Healthy).

`python -m sandbox.ci push TAG SERVICE...` only puts the images into ECR (`make demo`: the images CI would have
pushed before the shop's first deployment).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from sandbox import harness
from sandbox.config import ACCESS_KEY_ID, SECRET_ACCESS_KEY, SandboxConfig

RELEASE = "playbooks/release.yml"
MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


def image_manifest(repository: str, tag: str) -> str:
    """A Docker image manifest (schema 2) whose digests are derived from the repository and tag, so every
    release is an image of its own."""

    def digest(part: str) -> str:
        return "sha256:" + hashlib.sha256(f"{repository}:{tag}:{part}".encode()).hexdigest()

    return json.dumps({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469,
                   "digest": digest("config")},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3370706,
                    "digest": digest("layer")}],
    }, sort_keys=True)


def push_image(sandbox: harness.Sandbox, repository: str, tag: str, region: str) -> str:
    """Put SERVICE:TAG's manifest into ECR; returns the image digest."""
    ecr = sandbox.boto3_client("ecr", region=region)
    image = ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=image_manifest(repository, tag),
                          imageManifestMediaType=MANIFEST_MEDIA_TYPE)["image"]
    return image["imageId"]["imageDigest"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.ci", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inventory", default="inventories/local")
    parser.add_argument("--platform", default="eksforge-local", help="platform_name (the ECR repository prefix)")
    parser.add_argument("--region", default="us-east-1")
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="push SERVICE:TAG to ECR, then run playbooks/release.yml")
    release.add_argument("service", help="the shop service, e.g. cart")
    release.add_argument("tag", help="the new image tag, e.g. v1.4.0")
    push = commands.add_parser("push", help="only push TAG of each SERVICE to ECR")
    push.add_argument("tag")
    push.add_argument("services", nargs="+")
    args = parser.parse_args(argv)
    config = SandboxConfig.from_env()
    sandbox = harness.Sandbox(config.state_dir, dict(os.environ, EKSFORGE_SANDBOX_DIR=str(config.state_dir),
                                                     AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                                                     AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY))
    for service in args.services if args.command == "push" else [args.service]:
        digest = push_image(sandbox, f"{args.platform}/{service}", args.tag, args.region)
        print(f"pushed {args.platform}/{service}:{args.tag} ({digest})")
    if args.command == "push":
        return 0
    run = harness.run_playbook(sandbox, RELEASE, inventory=args.inventory,
                               extra_vars={"shop_release_service": args.service, "shop_release_tag": args.tag})
    sys.stdout.write(run.output)
    return 0 if run.rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
