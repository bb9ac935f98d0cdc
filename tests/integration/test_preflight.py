"""The preflight (playbooks/preflight.yml, the first play of site.yml and of each layer playbook) refuses bad input
of every role before any change: one table of bad inputs, each a host of one inventory, all checked by ONE
ansible-playbook run against one sandbox. Each case's host must fail with a message naming the variable at fault,
the valid host next to them must pass, and the whole run must make no mutating call.
"""

from __future__ import annotations

import pytest

from tests.integration.support.asserts import assert_failed_cleanly, assert_host_failed_with
from tests.integration.support.inventory import host_per_case_inventory
from tests.integration.support.runs import run_playbook

pytestmark = pytest.mark.slow

NODEGROUP = {"name": "general", "instance_types": ["t3.large"], "min_size": 1, "desired_size": 2, "max_size": 3}
LONG = "a" * 70


def nodegroup(**changes) -> dict:
    return {"eks_nodegroups": [dict(NODEGROUP, **changes)]}


NG = "eks_nodegroups[0] (general)"

# case -> (the host's variables over inventories/local, text its failure must contain)
CASES = {
    # Tags: AWS's rules for every resource, checked by the first role that applies them.
    "tag_value_list": ({"platform_tags": {"team": ["a", "b"]}},
                       "platform_tags and vpc_tags: the value of tag 'team' must be a string (quote it), got a list"),
    "tag_value_dict": ({"vpc_tags": {"team": {"a": "b"}}},
                       "platform_tags and vpc_tags: the value of tag 'team' must be a string (quote it), got a dict"),
    "tag_value_number": ({"iam_tags": {"cost": 5}}, "platform_tags and iam_tags: the value of tag 'cost' must be a string"),
    "tag_key_too_long": ({"iam_tags": {"k" * 129: "v"}}, "platform_tags and iam_tags: the tag key 'kkkk"),
    "tag_value_too_long": ({"ecr_tags": {"team": "v" * 257}},
                           "the value of tag 'team' is 257 characters, 1 over AWS's limit of 256"),
    "tag_key_aws_prefix": ({"eks_tags": {"aws:owner": "me"}},
                           "platform_tags and eks_tags: the tag key 'aws:owner' starts with 'aws:'"),
    "tag_key_aws_prefix_upper_case": ({"platform_tags": {"AWS:Owner": "me"}}, "the tag key 'AWS:Owner' starts with 'aws:'"),
    "tag_key_bad_characters": ({"vpc_tags": {"team!": "x"}}, "platform_tags and vpc_tags: the tag key 'team!' may only hold"),
    "tag_value_bad_characters": ({"iam_tags": {"team": "a;b"}}, "the value of tag 'team' may only hold"),
    "too_many_platform_tags": ({"platform_tags": {f"k{n}": "v" for n in range(48)}},
                               "platform_tags and vpc_tags: a resource would carry 53 tags (48 of these + 5"),
    "too_many_eks_tags": ({"eks_tags": {f"k{n}": "v" for n in range(44)}},
                          "platform_tags and eks_tags: a resource would carry 51 tags"),
    "ecr_item_tag_list": ({"ecr_repositories": [{"name": "web", "tags": {"team": ["a"]}}]},
                          "ecr_repositories[0] (web).tags: the value of tag 'team' must be a string"),
    "ecr_item_tags_not_a_dict": ({"ecr_repositories": [{"name": "web", "tags": ["a"]}]},
                                 "argument 'tags' is of type list found in 'ecr_repositories'"),
    # Names built from the variables, and by how much they are too long.
    "iam_cluster_role_name_too_long": ({"iam_cluster_role_name": LONG},
                                       "(made from iam_cluster_role_name) is 70 characters, 6 over the limit of 64"),
    "iam_node_role_name_too_long": ({"iam_node_role_name": "n" * 65},
                                    "(made from iam_node_role_name) is 65 characters, 1 over the limit of 64"),
    # The addons role's checks (no API call) come before the eks role's (which end with reads): its name fails first.
    # The eks role's own message for the same name: test_eks_bad_input.
    "irsa_role_name_too_long": ({"eks_cluster_name": "c" * 50},
                                "IAM role name '" + "c" * 50 + "-aws-load-balancer-controller' (made from "
                                "eks_cluster_name) is 79 characters, 15 over the limit of 64"),
    "ecr_repository_name_too_long": ({"ecr_namespace": "n" * 251},
                                     "(made from ecr_namespace and ecr_repositories[0] (front).name) is 257 characters, 1 "
                                     "over the limit of 256"),
    "ecr_repository_name_upper_case": ({"ecr_repositories": [{"name": "Web"}]},
                                       "ecr_repositories[0] (Web).name: the repository name 'eksforge-local/Web' must be"),
    "flow_log_group_name_too_long": ({"vpc_flow_logs": {"enabled": True, "destination": "cloud-watch-logs",
                                                        "log_group_name": "/" + "g" * 512}},
                                     "(made from vpc_flow_logs.log_group_name) is 513 characters, 1 over the limit of 512"),
    "flow_log_group_name_bad_characters": ({"vpc_flow_logs": {"enabled": True, "destination": "cloud-watch-logs",
                                                              "log_group_name": "my log group"}},
                                           "vpc_flow_logs.log_group_name may only hold"),
    "kubernetes_version_unquoted": ({"eks_kubernetes_version": 1.3}, "eks_kubernetes_version must be a quoted"),
    "kubernetes_version_not_offered": ({"eks_kubernetes_version": "1.10"},
                                       "eks_kubernetes_version 1.10 is not a Kubernetes version EKS offers in us-east-1; "
                                       "it offers 1.34, 1.33"),
    # Nodegroups: each message names the field.
    "instance_type_unknown": (nodegroup(instance_types=["m9z.huge"]),
                              f"{NG}.instance_types lists m9z.huge, which EC2 does not offer in us-east-1"),
    "instance_type_malformed": (nodegroup(instance_types=["large"]), f"{NG}.instance_types must be EC2 instance type names"),
    "instance_types_empty": (nodegroup(instance_types=[]), f"{NG}.instance_types must list at least one"),
    "graviton_with_x86_ami": (nodegroup(instance_types=["t4g.large"]),
                              f"{NG}.instance_types ['t4g.large'] do not run x86_64, the architecture of ami_type "
                              "AL2023_x86_64_STANDARD: pick an ARM_64 AMI type"),
    "x86_with_arm_ami": (nodegroup(ami_type="AL2023_ARM_64_STANDARD"),
                         f"{NG}.instance_types ['t3.large'] do not run arm64"),
    "label_key_invalid": (nodegroup(labels={"bad key!": "x"}), f"{NG}.labels key 'bad key!' must end in a name"),
    "label_key_prefix_upper_case": (nodegroup(labels={"Example.COM/pool": "x"}),
                                    f"{NG}.labels key 'Example.COM/pool' has the prefix 'Example.COM'"),
    "label_value_too_long": (nodegroup(labels={"pool": "v" * 64}), f"{NG}.labels value '{'v' * 64}' must be empty or 1 to 63"),
    "label_value_list": (nodegroup(labels={"pool": ["a"]}), f"{NG}.labels value '['a']' must be a string"),
    "labels_not_a_dict": (nodegroup(labels=["pool=general"]), "argument 'labels' is of type list found in 'eks_nodegroups'"),
    "taint_key_invalid": (nodegroup(taints=[{"key": "-gpu", "value": "yes", "effect": "NO_SCHEDULE"}]),
                          f"{NG}.taints[0].key '-gpu' must end in a name"),
    "taint_value_invalid": (nodegroup(taints=[{"key": "gpu", "value": "a b", "effect": "NO_SCHEDULE"}]),
                            f"{NG}.taints[0].value 'a b' must be empty or"),
    "taint_effect_kubernetes_spelling": (nodegroup(taints=[{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]),
                                         f"{NG}.taints[0].effect must be one of NO_SCHEDULE, NO_EXECUTE, "
                                         "PREFER_NO_SCHEDULE, got 'NoSchedule'"),
    "taints_not_a_list": (nodegroup(taints={"gpu": "yes"}), "argument 'taints' is of type dict found in 'eks_nodegroups'"),
    "min_above_max": (nodegroup(min_size=4, desired_size=4, max_size=3), f"{NG}.min_size (4) is above max_size (3)"),
    "desired_above_max": (nodegroup(desired_size=5), f"{NG}.desired_size (5) must be between min_size (1) and max_size (3)"),
    "desired_below_min": (nodegroup(min_size=2, desired_size=1), f"{NG}.desired_size (1) must be between min_size (2)"),
    "max_size_zero": (nodegroup(min_size=0, desired_size=0, max_size=0), f"{NG}.max_size must be at least 1, got 0"),
    "min_size_not_a_number": (nodegroup(min_size="two"), "argument 'min_size' is of type str found in 'eks_nodegroups'"),
    "disk_size_zero": (nodegroup(disk_size=0), f"{NG}.disk_size must be 1 to 16384 GiB, got 0"),
    "disk_size_too_big": (nodegroup(disk_size=20000), f"{NG}.disk_size must be 1 to 16384 GiB, got 20000"),
    "capacity_type_unknown": (nodegroup(capacity_type="RESERVED"), f"{NG}.capacity_type must be one of"),
    "ami_type_unknown": (nodegroup(ami_type="UBUNTU_22"), f"{NG}.ami_type 'UBUNTU_22' is not an EKS AMI type"),
    "nodegroup_subnet_invalid": (nodegroup(subnet_ids=["subnet-xyz"]), f"{NG}.subnet_ids must list subnet ids"),
    "nodegroup_name_too_long": (nodegroup(name="n" * 64), "eks_nodegroups names must be unique"),
    # ECR repository fields, one message each (the argument specs catch types and choices first).
    "ecr_unknown_key": ({"ecr_repositories": [{"name": "web", "scan": True}]}, "ecr_repositories.scan. Supported parameters include"),
    "ecr_tag_mutability": ({"ecr_repositories": [{"name": "web", "image_tag_mutability": "SOMETIMES"}]},
                           "value of image_tag_mutability must be one of: MUTABLE, IMMUTABLE, got: SOMETIMES found in "
                           "ecr_repositories"),
    "ecr_kms_without_key": ({"ecr_repositories": [{"name": "web", "encryption": "KMS"}]},
                            "ecr_repositories[0] (web).kms_key must be set when encryption is KMS"),
    "ecr_keep_last_zero": ({"ecr_repositories": [{"name": "web", "keep_last": 0}]},
                           "ecr_repositories[0] (web).keep_last must be a whole number of at least 1, got 0"),
    # The other layers' roles are checked in the same first play.
    "iam_path_invalid": ({"iam_path": "eks"}, "iam_path must start and end with '/'"),
    "platform_namespace_name_upper_case": ({"platform_namespace_name": "Platform"}, "platform_namespace_name a DNS-1123 label"),
    "platform_namespace_label_value_too_long": ({"platform_namespace_labels": {"team": "t" * 64}},
                                                "platform_namespace_labels entry 'team: " + "t" * 64),
    "argument_spec_type_error": ({"eks_nodegroups": "general"}, "eks_nodegroups"),
    # The addons role (platform layer).
    "addons_identity_unknown": ({"addons_identity": "kiam"}, "addons_identity must be one of irsa, pod_identity (got 'kiam')"),
    "addons_external_dns_without_domain": ({"platform_domain": ""},
                                           "addons_external_dns_enabled needs a domain: set platform_domain"),
    "addons_autoscaler_bounds_inverted": ({"addons_cluster_autoscaler_cores": {"min": 64, "max": 8}},
                                          "addons_cluster_autoscaler_cores: min (64) is above max (8)"),
    "addons_autoscaler_and_karpenter": ({"addons_karpenter_enabled": True},
                                        "addons_cluster_autoscaler_enabled and addons_karpenter_enabled are both true"),
    "addons_chart_version_unknown": ({"addons_chart_versions": {"metrics-server": "9.9.9"}},
                                     "addons_chart_versions: metrics-server: 9.9.9 is unknown; the chart metrics-server "
                                     "has the versions 3.13.1"),
    "addons_chart_version_of_another_chart": ({"addons_chart_versions": {"argo-cd": "10.1.1"}},
                                              "addons_chart_versions: argo-cd: 10.1.1 is unknown; the add-on charts are"),
    "addons_log_retention_refused": ({"addons_log_retention_days": 10},
                                     "addons_log_retention_days must be a retention CloudWatch Logs accepts"),
    # Domains and host names of the Ingresses, and the certificates of their HTTPS listeners.
    "platform_domain_upper_case": ({"platform_domain": "Example.COM"},
                                   "addons_domain (platform_domain) must be a lowercase DNS domain"),
    "argocd_host_invalid": ({"argocd_host": "argo_cd.example.com"},
                            "argocd_host must be empty (any host) or a DNS name such as argocd.example.com, got "
                            "'argo_cd.example.com'"),
    "argocd_ha_replicas_too_few": ({"argocd_ha_replicas": 1}, "argocd_ha_replicas must be at least 2, got 1"),
    "eks_cluster_name_invalid": ({"eks_cluster_name": "-blue", "vpc_eks_cluster_names": ["blue"]},
                                 "eks_cluster_name must be 1-100 characters of [A-Za-z0-9_-] starting with a letter"),
    "argocd_certificate_arn_invalid": ({"argocd_certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"},
                                       "argocd_certificate_arn must be empty"),
    "shop_host_invalid": ({"shop_host": "shop..example.com"}, "shop_host must be empty (any host) or a DNS name"),
    "jenkins_domain_invalid": ({"jenkins_enabled": True, "jenkins_admin_password": "p" * 12, "jenkins_git_token": "t",
                                "jenkins_domain": "jenkins_ci"}, "jenkins_domain must be a DNS name (got 'jenkins_ci')"),
    # Charts: the helm_release role's checks of every chart the run installs (its pin, its repository).
    "chart_repository_missing": ({"helm_chart_repositories": {"eks": "http://charts.example.test/eks",
                                                              "autoscaler": "http://charts.example.test/autoscaler",
                                                              "metrics-server": "http://charts.example.test/ms",
                                                              "external-dns": "http://charts.example.test/dns"}},
                                 "helm_chart_repositories has no URL for the repository alias 'argo' (chart argo-cd)"),
    "chart_repository_not_a_url": ({"helm_chart_repositories": {"eks": "charts/eks"}},
                                   "helm_chart_repositories has no URL for the repository alias 'eks' (chart "
                                   "aws-load-balancer-controller)"),
    # The optional event mall layer (its Terraform variables), checked where eventmall_enabled is true.
    "eventmall_name_upper_case": ({"eventmall_enabled": True, "eventmall_name": "Mall"}, "eventmall_name must be 2-29"),
    "eventmall_task_memory_refused": ({"eventmall_enabled": True, "eventmall_task_memory": 3000},
                                      "eventmall_task_memory 3000 is not a size Fargate allows with eventmall_task_cpu "
                                      "256; use one of 512, 1024, 2048"),
    "eventmall_domain_name_invalid": ({"eventmall_enabled": True, "eventmall_domain_name": "mall.example.com.",
                                       "eventmall_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/a"},
                                      "eventmall_domain_name must be empty (only the cloudfront.net name) or a DNS name"),
    "eventmall_subnet_ids_invalid": ({"eventmall_enabled": True, "eventmall_app_subnet_ids": ["app-a"]},
                                     "eventmall_public_subnet_ids, eventmall_app_subnet_ids and eventmall_data_subnet_ids "
                                     "must list subnet ids (subnet-...), these are not: ['app-a']"),
    "eventmall_tag_value_list": ({"eventmall_enabled": True, "eventmall_tags": {"team": ["a"]}},
                                 "platform_tags and eventmall_tags: the value of tag 'team' must be a string"),
}

LAYERS = ["infra", "platform", "apps", "eventmall"]
# The platform layer's roles, by the variables a case sets first; the apps layer's is shop_, the event mall's eventmall_.
PLATFORM_PREFIXES = ("addons_", "argocd_", "jenkins_", "efk_", "platform_namespace_", "platform_domain",
                     "helm_chart_repositories")
# The long cluster name breaks a name of the addons role (platform) and one of the eks role (infra): both layers, so
# the addons role's message shows it is checked before the eks role, which reads AWS.
CASE_LAYERS = {"irsa_role_name_too_long": ["infra", "platform"]}


def layers_of(case: str, variables: dict) -> list[str]:
    """The layers whose checks a case is about (playbooks/preflight.yml checks the layers of preflight_layers): each
    case host checks those alone, so a shop case does not go through every other role's checks first."""
    first = next(iter(variables))
    if case in CASE_LAYERS:
        return CASE_LAYERS[case]
    if first.startswith("eventmall_"):
        return ["eventmall"]
    if first.startswith("shop_"):
        return ["apps"]
    return ["platform"] if first.startswith(PLATFORM_PREFIXES) else ["infra"]


@pytest.fixture(scope="module")
def preflight_run(private_sandbox, tmp_path_factory):
    """One ansible-playbook run of playbooks/preflight.yml: a host per case (its variables as host variables over
    inventories/local's group_vars, with preflight_layers its layers), the host `valid` with inventories/local as it
    is and `valid_with_eventmall` with the event mall layer on, both checking every layer."""
    inventory = host_per_case_inventory(tmp_path_factory.mktemp("preflight-inventory"), {
        "valid": {"preflight_layers": LAYERS},
        "valid_with_eventmall": {"eventmall_enabled": True, "preflight_layers": LAYERS},
        **{case: {**variables, "preflight_layers": layers_of(case, variables)} for case, (variables, _) in CASES.items()}})
    return run_playbook(private_sandbox, "playbooks/preflight.yml", inventory=str(inventory))


def test_the_table_has_at_least_40_cases():
    assert len(CASES) >= 40


def test_no_mutating_call_and_the_valid_host_passes(preflight_run):
    assert preflight_run.mutating_calls == [], preflight_run.mutating_calls
    assert preflight_run.recap["valid"]["failed"] == 0, preflight_run.output[-5000:]
    assert preflight_run.recap["valid"]["ok"] > 0
    assert preflight_run.recap["valid_with_eventmall"]["failed"] == 0, preflight_run.output[-5000:]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_the_preflight_naming_the_variable(preflight_run, case):
    assert_host_failed_with(preflight_run, case, CASES[case][1])


def test_site_check_mode_fails_the_same_way_in_its_first_play(private_sandbox):
    """`site.yml --check` runs the same preflight: a Graviton instance type with an x86_64 AMI type fails there,
    before the infrastructure layer's play starts."""
    run = run_playbook(private_sandbox, "playbooks/site.yml", check=True,
                       extra_vars=nodegroup(instance_types=["t4g.large"]))
    assert_failed_cleanly(run, f"{NG}.instance_types ['t4g.large'] do not run x86_64")
    assert "PLAY [Infrastructure layer" not in run.output
