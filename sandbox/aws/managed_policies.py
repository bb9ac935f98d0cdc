"""AWS managed policies in moto's IAM backend, parsed once per process.

moto builds an IAM backend at start-up and again for each partition on every reset, and each build parses its
~1,100 AWS managed policies from one large JSON text and encodes every policy document back to JSON (a reset with
the first EC2 and IAM calls after it cost 2.3 CPU-s, 0.85 with this). The parsed values never change, so `install()`
makes moto build each backend's policies from values parsed on first use. Each backend still gets policy objects of
its own, made as moto's AWSManagedPolicy.from_data makes them, so attachment counts never carry over a reset.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime

from moto.iam import models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.settings import load_iam_aws_managed_policies


@functools.cache
def policy_values() -> tuple[tuple, ...]:
    """(name, default version id, path, document as JSON, created, updated) of each AWS managed policy."""
    return tuple((name, data.get("DefaultVersionId"), data.get("Path"), json.dumps(data.get("Document")),
                  datetime.fromisoformat(data["CreateDate"]), datetime.fromisoformat(data["UpdateDate"]))
                 for name, data in json.loads(aws_managed_policies_data).items())


def aws_managed_policies(backend: models.IAMBackend) -> list[models.ManagedPolicy]:
    """What IAMBackend._init_aws_policies returns, from the values parsed once."""
    if not load_iam_aws_managed_policies():
        return []
    return [models.AWSManagedPolicy(name, account_id=backend.account_id, region=backend.region_name,
                                    default_version_id=version, path=path, document=document, create_date=created,
                                    update_date=updated)
            for name, version, path, document, created, updated in policy_values()]


def install() -> None:
    models.IAMBackend._init_aws_policies = aws_managed_policies
