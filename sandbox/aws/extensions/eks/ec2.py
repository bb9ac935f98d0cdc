"""The EC2 side EKS touches, through moto's in-process EC2 backend: subnets and the cluster security group."""

from __future__ import annotations

import secrets

from moto.ec2.exceptions import InvalidSubnetIdError
from moto.ec2.models import ec2_backends

from sandbox.aws.extensions.eks.ops import Context
from sandbox.aws.extensions.eks.wire import InvalidParameterException

CLUSTER_SG_DESCRIPTION = ("EKS created security group applied to ENI that is attached to EKS Control Plane "
                          "master nodes, as well as any managed workloads.")


def _backend(ctx: Context):
    return ec2_backends[ctx.call.account_id][ctx.region.region]


def subnets(ctx: Context, subnet_ids: list[str]) -> list:
    """moto's Subnet objects; EKS refuses unknown subnets with EC2's own error inside its message."""
    try:
        return [_backend(ctx).get_subnet(subnet_id) for subnet_id in subnet_ids]
    except InvalidSubnetIdError as err:
        raise InvalidParameterException(f"{err.message} (Service: AmazonEC2; Status Code: 400; "
                                        f"Error Code: InvalidSubnetID.NotFound)") from None


def create_cluster_security_group(ctx: Context, cluster_name: str, vpc_id: str) -> str:
    """EKS makes the cluster security group in the VPC and removes it with the cluster."""
    group_name = f"eks-cluster-sg-{cluster_name}-{secrets.randbelow(10**10):010d}"
    group = _backend(ctx).create_security_group(group_name, CLUSTER_SG_DESCRIPTION, vpc_id=vpc_id, tags={
        "Name": group_name, f"kubernetes.io/cluster/{cluster_name}": "owned", "aws:eks:cluster-name": cluster_name})
    return group.id


def delete_security_group(ctx: Context, group_id: str) -> None:
    backend = _backend(ctx)
    if backend.get_security_group_from_id(group_id) is not None:
        backend.delete_security_group(group_id=group_id)
