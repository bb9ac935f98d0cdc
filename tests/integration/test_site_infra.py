"""playbooks/site.yml (infra layer: vpc, iam, ecr, eks; platform layer: the platform namespace; apps layer) against
the sandbox: cold run, idempotence, check mode, summary and destroy, with the API calls each run made counted by the
sandbox and the cluster read back with kubectl."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib: make the sibling helper module importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from layers_support import PLATFORM_NAMESPACE, assert_platform_namespace
from test_vpc_support import assert_ran, changed_tasks, owned_resources

pytestmark = pytest.mark.slow


def test_check_mode_on_an_empty_sandbox_reports_changes_and_mutates_nothing(clean_sandbox, run_playbook):
    run = run_playbook("playbooks/site.yml", check=True, diff=True)
    assert_ran(run)
    assert run.changed > 0, "check mode on an empty account must report what it would create"
    assert run.mutating_calls == [], run.mutating_calls
    assert run.total_calls > 0  # it did look
    assert owned_resources(clean_sandbox)["vpcs"] == []


def test_site_cold_run_second_run_summary_and_destroy(clean_sandbox, run_playbook):
    cold = run_playbook("playbooks/site.yml")
    assert_ran(cold)
    assert cold.changed > 0
    assert cold.count("CreateVpc") == 1
    assert cold.count("CreateNatGateway") == 1  # inventories/local: vpc_nat_mode single
    made = owned_resources(clean_sandbox)
    assert len(made["vpcs"]) == 1
    assert len(made["subnets"]) == 6  # 3 tiers x 2 AZs
    assert len(made["igws"]) == 1
    assert len(made["nat_gateways"]) == 1 and len(made["eips"]) == 1
    assert len(made["route_tables"]) == 3  # public + one private per AZ
    assert len(made["iam_roles"]) >= 2
    assert len(made["ecr_repositories"]) >= 1
    assert made["eks_clusters"] == ["eksforge-local"]
    assert len(made["oidc_providers"]) == 1
    eks = clean_sandbox.boto3_client("eks")
    cluster = eks.describe_cluster(name="eksforge-local")["cluster"]
    assert cluster["status"] == "ACTIVE" and cluster["version"] == "1.33"  # inventories/local/group_vars/all/eks.yml
    assert set(cluster["resourcesVpcConfig"]["subnetIds"]) <= {subnet["SubnetId"] for subnet in made["subnets"]}
    nodegroup = eks.describe_nodegroup(clusterName="eksforge-local", nodegroupName="general")["nodegroup"]
    assert nodegroup["instanceTypes"] == ["t3.large"] and nodegroup["scalingConfig"]["desiredSize"] == 2
    assert set(eks.list_addons(clusterName="eksforge-local")["addons"]) >= {
        "vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"}
    assert_platform_namespace(clean_sandbox)  # platform layer

    second = run_playbook("playbooks/site.yml")
    assert_ran(second, changed=0)
    assert second.mutating_calls == [], second.mutating_calls

    check_again = run_playbook("playbooks/site.yml", check=True, diff=True)
    assert_ran(check_again, changed=0)
    assert check_again.mutating_calls == []
    assert_platform_namespace(clean_sandbox)

    summary = run_playbook("playbooks/summary.yml")
    assert_ran(summary, changed=0)
    assert summary.mutating_calls == []
    assert made["vpcs"][0] in summary.output
    for repo in made["ecr_repositories"]:
        assert repo in summary.output
    for role in made["iam_roles"]:
        assert role in summary.output
    assert "eksforge-local 1.33 ACTIVE https://" in summary.output
    assert f"namespaces:\n        - {PLATFORM_NAMESPACE}\n" in summary.output

    destroyed = run_playbook("playbooks/destroy.yml")
    assert_ran(destroyed)
    # Layers in reverse (apps, platform, infra): the namespace is deleted while the cluster still exists.
    plays = [destroyed.output.index(f"PLAY [Remove the {layer}") for layer in ("apps", "platform", "infrastructure")]
    assert plays == sorted(plays)
    assert (f"TASK [eksforge.platform.platform_namespace : Delete the namespace {PLATFORM_NAMESPACE}]"
            in changed_tasks(destroyed.output))
    assert destroyed.count("DeleteNatGateway") == 1
    assert destroyed.count("ReleaseAddress") == 1
    assert destroyed.count("DeleteVpc") == 1
    assert destroyed.count("DeleteCluster") == 1 and destroyed.count("DeleteNodegroup") == 1
    left = owned_resources(clean_sandbox)
    assert {kind: items for kind, items in left.items() if items} == {}

    again = run_playbook("playbooks/destroy.yml")
    assert_ran(again, changed=0)
    assert again.mutating_calls == []
