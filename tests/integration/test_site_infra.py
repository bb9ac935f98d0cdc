"""playbooks/site.yml (infra layer: vpc, iam, ecr, eks; platform layer; apps layer) against the sandbox: check mode
on an empty account, then the platform built cold once per worker while a third of the mutating calls lose their
answer (the `platform_built_under_lost_answers` fixture; test_lost_answers.py checks each resource was made once) read
by the tests below: what the cold run made and `--check` mutating nothing. The second run of each layer with changed=0
and 0 mutating calls, and the summary, are the AWX build workflow's (test_awx_jobs.py, which shares this build); the
platform_namespace role's own cases are in test_platform_namespace.py; destroy of the whole platform is
test_platform_destroy.py."""

from __future__ import annotations

import pytest

from tests.integration.support.asserts import assert_idempotent, assert_ran
from tests.integration.support.constants import SITE
from tests.integration.support.inventory import owned_resources
from tests.integration.support.kubernetes import assert_platform_namespace

pytestmark = pytest.mark.slow


def test_check_mode_on_an_empty_sandbox_reports_changes_and_mutates_nothing(clean_sandbox, run_playbook):
    run = run_playbook(SITE, check=True, diff=True)
    assert_ran(run)
    assert run.changed > 0, "check mode on an empty account must report what it would create"
    assert run.mutating_calls == [], run.mutating_calls
    assert run.total_calls > 0  # it did look
    assert owned_resources(clean_sandbox)["vpcs"] == []
    # the diff plans what the network would hold, although there is no VPC to look into yet, with its settings
    planned = [line.split("+++ after: ", 1)[1] for line in run.output.splitlines() if line.startswith("+++ after: ")]
    for resource in ("VPC eksforge-local-vpc 10.42.0.0/20", "internet gateway eksforge-local-igw",
                     "subnet eksforge-local-public-us-east-1a 10.42.12.0/26",
                     "subnet eksforge-local-private-data-us-east-1b 10.42.13.192/26",
                     "Elastic IP and NAT gateway eksforge-local-nat-us-east-1a", "route table eksforge-local-public",
                     "route table eksforge-local-private-us-east-1b", "EKS cluster eksforge-local",
                     "IAM role /eksforge-local-eks-cluster", "IAM role /eksforge-local-eks-node",
                     "IAM role /eksforge-local-aws-ebs-csi-driver", "nodegroup general of cluster eksforge-local",
                     "Helm release aws-load-balancer-controller in kube-system", "Namespace platform",
                     "Helm release argocd in argocd", "Namespace shop"):
        assert f"{resource} (would create)" in planned, planned
    assert planned_settings(run.output, "subnet eksforge-local-public-us-east-1a 10.42.12.0/26")[:4] == [
        "+name: eksforge-local-public-us-east-1a", "+cidr_block: 10.42.12.0/26", "+availability_zone: us-east-1a",
        "+tier: public"]
    assert "+default_route: NAT gateway eksforge-local-nat-us-east-1a" in planned_settings(
        run.output, "route table eksforge-local-private-us-east-1b")
    # The preflight checked every layer's roles once, in the first play, eks (the one that reads AWS) last; the roles'
    # own runs skipped their checks.
    assert run.output.count("TASK [Check the input of the roles vpc, iam, ecr, platform_namespace, addons, argocd, jenkins, efk, shop, eks]") == 1
    assert run.output.count("TASK [eksforge.platform.eks : Check the values of the eks role's variables]") == 1
    # One offerings read says which instance types the region has; one DescribeInstanceTypes their architectures.
    assert run.count("DescribeClusterVersions") == 1 and run.count("DescribeInstanceTypeOfferings") == 1
    assert run.count("DescribeInstanceTypes") == 1
    # The OIDC provider and the add-ons' IRSA roles are in the plan, with their settings, before the cluster exists.
    assert "+    url: https://oidc.eks.us-east-1.amazonaws.com/id/ISSUER-ID-KNOWN-AFTER-CREATE" in run.output
    assert "+    - sts.amazonaws.com" in run.output  # the provider's client ids
    irsa = " ".join(planned_settings(run.output, "IAM role /eksforge-local-aws-ebs-csi-driver"))
    assert ("+trusts: oidc.eks.us-east-1.amazonaws.com/id/ISSUER-ID-KNOWN-AFTER-CREATE, service account "
            "kube-system/ebs-csi-controller-sa") in irsa
    assert "+name: eksforge-local-aws-ebs-csi-driver" in irsa


def planned_settings(output: str, resource: str) -> list[str]:
    """The "+" lines of the check-mode diff that plans `resource` (eksforge.platform.plan)."""
    lines = output.splitlines()
    start = lines.index(f"+++ after: {resource} (would create)") + 2  # past the @@ line
    taken = []
    for line in lines[start:]:
        if not line.startswith("+"):
            break
        taken.append(line)
    return taken

def test_cold_run_builds_the_platform(platform_built_under_lost_answers):
    platform = platform_built_under_lost_answers
    cold = platform.cold
    assert_ran(cold)
    assert cold.changed > 0
    made = owned_resources(platform.sandbox)
    assert len(made["vpcs"]) == 1
    assert len(made["subnets"]) == 6  # 3 tiers x 2 AZs
    assert len(made["igws"]) == 1
    assert len(made["nat_gateways"]) == 1 and len(made["eips"]) == 1  # inventories/local: vpc_nat_mode single
    assert len(made["route_tables"]) == 3  # public + one private per AZ
    assert len(made["iam_roles"]) >= 2
    assert len(made["ecr_repositories"]) >= 1
    assert made["eks_clusters"] == ["eksforge-local"]
    assert len(made["oidc_providers"]) == 1
    eks = platform.sandbox.boto3_client("eks")
    cluster = eks.describe_cluster(name="eksforge-local")["cluster"]
    assert cluster["status"] == "ACTIVE" and cluster["version"] == "1.33"  # inventories/local/group_vars/all/eks.yml
    assert set(cluster["resourcesVpcConfig"]["subnetIds"]) <= {subnet["SubnetId"] for subnet in made["subnets"]}
    nodegroup = eks.describe_nodegroup(clusterName="eksforge-local", nodegroupName="general")["nodegroup"]
    assert nodegroup["instanceTypes"] == ["t3.large"]
    # Created with 2 nodes; the cluster-autoscaler (addons) may have scaled it since, and later runs leave that be.
    scaling = nodegroup["scalingConfig"]
    assert (scaling["minSize"], scaling["maxSize"]) == (1, 3) and 1 <= scaling["desiredSize"] <= 3
    assert set(eks.list_addons(clusterName="eksforge-local")["addons"]) >= {
        "vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver"}
    assert_platform_namespace(platform.sandbox)  # platform layer, read back with kubectl


def test_check_mode_on_the_built_platform_changes_nothing(platform_built_under_lost_answers):
    platform = platform_built_under_lost_answers
    assert_ran(platform.cold)
    checked = platform.run(SITE, check=True, diff=True)
    assert_idempotent(checked)
    # Each chart release (the add-ons' four, Argo CD's) is checked once, by the preflight: the roles that install it
    # tell the helm_release role so (helm_release_checked).
    chart_checks = [line for line in checked.output.splitlines()
                    if line.startswith("TASK [eksforge.platform.helm_release : Check the chart, its repository")]
    assert len(chart_checks) == len(set(chart_checks)) == 5, chart_checks
