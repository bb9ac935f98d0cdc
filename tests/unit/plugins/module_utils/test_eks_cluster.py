"""Unit tests of what eks_cluster decides to change (plugins/module_utils/eks_cluster.py)."""

import pytest

from ansible_collections.eksforge.platform.plugins.module_utils.eks import EksPlanError
from ansible_collections.eksforge.platform.plugins.module_utils.eks_cluster import (
    cluster_diff,
    cluster_view,
    create_cluster_request,
    desired_cluster_view,
    logging_request,
    plan_cluster_updates,
)

KEY = "arn:aws:kms:us-east-1:123456789012:key/1111"


def described(**overrides):
    cluster = {
        "name": "shop",
        "arn": "arn:aws:eks:us-east-1:123456789012:cluster/shop",
        "version": "1.30",
        "roleArn": "arn:aws:iam::123456789012:role/cluster",
        "status": "ACTIVE",
        "resourcesVpcConfig": {
            "subnetIds": ["subnet-b", "subnet-a"],
            "securityGroupIds": ["sg-1"],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["0.0.0.0/0"],
            "vpcId": "vpc-1",
        },
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"},
        "logging": {
            "clusterLogging": [{"types": ["api", "audit"], "enabled": True}, {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False}]
        },
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
        "upgradePolicy": {"supportType": "STANDARD"},
        "tags": {"team": "shop"},
    }
    cluster.update(overrides)
    return cluster


def params(**overrides):
    base = {
        "name": "shop",
        "version": None,
        "role_arn": None,
        "subnets": None,
        "security_groups": None,
        "endpoint_public_access": None,
        "endpoint_private_access": None,
        "public_access_cidrs": None,
        "enabled_log_types": None,
        "encryption_key_arn": None,
        "authentication_mode": None,
        "bootstrap_cluster_creator_admin_permissions": None,
        "support_type": None,
        "kubernetes_network_config": None,
        "tags": None,
        "purge_tags": True,
    }
    base.update(overrides)
    return base


def plan(cluster=None, **overrides):
    p = params(**overrides)
    return plan_cluster_updates(cluster_view(cluster or described()), desired_cluster_view(p, p.get("security_groups")))


def test_view_normalizes_describe_cluster():
    view = cluster_view(described())
    assert view["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert view["enabled_log_types"] == ["api", "audit"]
    assert view["encryption_key_arn"] == ""
    assert view["authentication_mode"] == "API_AND_CONFIG_MAP"


def test_same_settings_plan_nothing():
    assert (
        plan(
            version="1.30",
            role_arn="arn:aws:iam::123456789012:role/cluster",
            subnets=["subnet-a", "subnet-b"],
            security_groups=["sg-1"],
            endpoint_public_access=True,
            endpoint_private_access=False,
            public_access_cidrs=["0.0.0.0/0"],
            enabled_log_types=["audit", "api"],
            authentication_mode="API_AND_CONFIG_MAP",
            support_type="STANDARD",
            kubernetes_network_config={"service_ipv4_cidr": "172.20.0.0/16", "ip_family": "ipv4"},
        )
        == []
    )


def test_unmanaged_fields_plan_nothing():
    assert plan() == []


def test_endpoint_change_is_one_call_with_the_given_fields():
    assert plan(endpoint_private_access=True, public_access_cidrs=["203.0.113.0/24"]) == [
        ("endpoint_access", "update_cluster_config", {"resourcesVpcConfig": {"endpointPrivateAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}})
    ]


def test_both_endpoints_off_is_refused():
    with pytest.raises(EksPlanError, match="both be false"):
        plan(endpoint_public_access=False)


def test_logging_request_enables_listed_and_disables_the_rest():
    assert logging_request(["audit", "api"]) == {
        "clusterLogging": [{"types": ["api", "audit"], "enabled": True}, {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False}]
    }
    assert logging_request([]) == {"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": False}]}


def test_several_changes_are_separate_calls_in_order_version_last():
    updates = plan(
        version="1.31",
        enabled_log_types=["api"],
        endpoint_private_access=True,
        authentication_mode="API",
        support_type="EXTENDED",
        encryption_key_arn=KEY,
        security_groups=["sg-2"],
    )
    assert [kind for kind, dummy, dummy2 in updates] == [
        "encryption",
        "endpoint_access",
        "security_groups",
        "logging",
        "access_config",
        "upgrade_policy",
        "version",
    ]
    assert updates[0] == ("encryption", "associate_encryption_config", {"encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY}}]})
    assert updates[-1] == ("version", "update_cluster_version", {"version": "1.31"})
    assert updates[2][2] == {"resourcesVpcConfig": {"securityGroupIds": ["sg-2"]}}


def test_subnet_change_fails_naming_the_field():
    with pytest.raises(EksPlanError, match="subnet_ids"):
        plan(subnets=["subnet-a", "subnet-c"])


def test_role_and_network_changes_fail():
    with pytest.raises(EksPlanError, match="role_arn"):
        plan(role_arn="arn:aws:iam::123456789012:role/other")
    with pytest.raises(EksPlanError, match="service_ipv4_cidr"):
        plan(kubernetes_network_config={"service_ipv4_cidr": "10.100.0.0/16", "ip_family": None})


def test_version_skip_and_downgrade_fail_before_any_update():
    with pytest.raises(EksPlanError, match="one minor version at a time"):
        plan(version="1.32", enabled_log_types=["api"])
    with pytest.raises(EksPlanError, match="downgrade"):
        plan(version="1.29")


def test_encryption_cannot_be_removed_or_replaced():
    encrypted = described(encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": KEY}}])
    assert plan(encrypted, encryption_key_arn=KEY) == []
    with pytest.raises(EksPlanError, match="can't be removed"):
        plan(encrypted, encryption_key_arn="")
    with pytest.raises(EksPlanError, match="can't be removed or moved"):
        plan(encrypted, encryption_key_arn=KEY + "2")


def test_authentication_mode_only_moves_towards_api():
    assert plan(authentication_mode="API")[0][2] == {"accessConfig": {"authenticationMode": "API"}}
    with pytest.raises(EksPlanError, match="can't go back"):
        plan(authentication_mode="CONFIG_MAP")


def test_create_request_has_everything_set():
    p = params(
        version="1.31",
        role_arn="arn:aws:iam::123456789012:role/cluster",
        subnets=["subnet-a", "subnet-b"],
        security_groups=["sg-1"],
        endpoint_private_access=True,
        enabled_log_types=["api"],
        encryption_key_arn=KEY,
        authentication_mode="API",
        bootstrap_cluster_creator_admin_permissions=False,
        support_type="STANDARD",
        kubernetes_network_config={"service_ipv4_cidr": "172.20.0.0/16", "ip_family": None},
        tags={"team": "shop", "n": 1},
    )
    request = create_cluster_request(p, desired_cluster_view(p, p["security_groups"]))
    assert request == {
        "name": "shop",
        "version": "1.31",
        "roleArn": "arn:aws:iam::123456789012:role/cluster",
        "resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"], "endpointPrivateAccess": True},
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16"},
        "logging": logging_request(["api"]),
        "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY}}],
        "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        "upgradePolicy": {"supportType": "STANDARD"},
        "tags": {"team": "shop", "n": "1"},
    }


def test_create_needs_role_and_subnets():
    p = params()
    with pytest.raises(EksPlanError, match="role_arn and subnets required"):
        create_cluster_request(p, desired_cluster_view(p))


def test_diff_shows_before_and_after():
    p = params(version="1.31", tags={"team": "web"}, security_groups=["sg-2"])
    diff = cluster_diff(described(), desired_cluster_view(p, ["sg-2"]), p)
    assert diff["before"]["version"] == "1.30" and diff["after"]["version"] == "1.31"
    assert diff["before"]["security_group_ids"] == ["sg-1"] and diff["after"]["security_group_ids"] == ["sg-2"]
    assert diff["after"]["tags"] == {"team": "web"}
