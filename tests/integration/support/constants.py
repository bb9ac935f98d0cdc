"""Names and values the integration tests share (the sandbox's account, inventories/local's platform)."""

from __future__ import annotations

from sandbox.config import DEFAULT_REGION

ACCOUNT = "123456789012"  # the sandbox's account id
REGION = DEFAULT_REGION
OWNER_TAG = "eksforge:platform"  # the ownership tag every resource of the collection carries
LOCAL_PLATFORM = "eksforge-local"  # platform_name (and EKS cluster name) of inventories/local
SITE = "playbooks/site.yml"
INFRA = "playbooks/infra.yml"
DESTROY = "playbooks/destroy.yml"
ONLY_EKS = "tests/integration/playbooks/eks_only.yml"
# A role trust policy EKS can assume (cluster roles made directly with boto3).
EKS_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
             '"Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')
# What every play of the collection sets for the AWS modules (as playbooks/infra.yml does).
AWS_MODULE_DEFAULTS = {"group/eksforge.platform.aws": {
    "region": "{{ aws_region }}",
    "endpoint_url": "{{ aws_endpoint_url | default(omit) }}",
    "access_key": "{{ aws_access_key | default(omit) }}",
    "secret_key": "{{ aws_secret_key | default(omit) }}",
}}
