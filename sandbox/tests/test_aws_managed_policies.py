"""AWS managed policies parsed once per process (sandbox/aws/managed_policies.py): the same policies moto makes,
fresh objects after every reset."""

from __future__ import annotations

import json
import os

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend

from sandbox.aws import managed_policies

CLUSTER_POLICY = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, '
         '"Action": "sts:AssumeRole"}]}')


def described(policy) -> tuple:
    version = policy.versions[0]
    return (policy.arn, policy.name, policy.path, policy.default_version_id, policy.create_date, policy.update_date,
            version.version_id, version.document, version.is_default)


def test_policies_equal_the_ones_moto_parses_itself(monkeypatch):
    monkeypatch.setitem(os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    backend = IAMBackend.__new__(IAMBackend)
    backend.account_id, backend.region_name = "123456789012", "global"
    moto_made = [AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
                 for name, data in json.loads(aws_managed_policies_data).items()]
    ours = managed_policies.aws_managed_policies(backend)
    assert len(ours) == len(moto_made) > 1000
    assert [described(policy) for policy in ours] == [described(policy) for policy in moto_made]
    # each call makes new objects: a backend's attachment counts are its own
    assert not {id(policy) for policy in ours} & {id(policy) for policy in managed_policies.aws_managed_policies(backend)}


def test_a_reset_starts_managed_policies_unattached(sandbox):
    iam = sandbox.client("iam")
    iam.create_role(RoleName="cluster", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="cluster", PolicyArn=CLUSTER_POLICY)
    assert iam.get_policy(PolicyArn=CLUSTER_POLICY)["Policy"]["AttachmentCount"] == 1
    assert len(iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]) == 1000

    sandbox.reset()
    assert iam.get_policy(PolicyArn=CLUSTER_POLICY)["Policy"]["AttachmentCount"] == 0
    assert iam.list_roles()["Roles"] == []
