"""roles/jenkins against a sandbox EKS cluster (the real jenkins chart from the mirror, IRSA in the sandbox's IAM):
bad input refused first, --check writes nothing, a cold install gets ready with the configuration as code the role
composes, a second run changes nothing (and at -vvv shows no password, token or webhook), destroy leaves nothing
(volume claim, namespace, IRSA role). The pipeline itself (the shop role's Jenkinsfile
template) is linted in tests/unit/roles/test_ci_templates.py."""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from tests.integration.support.asserts import assert_host_failed_with, assert_idempotent, assert_ran, wait_for
from tests.integration.support.cluster import (add_gp3_storage_class, client, kubectl_json, make_cluster, run_role,
                                                  run_role_per_case)
from tests.integration.support.constants import REGION

SECRETS = {"jenkins_admin_password": "admin-Pass-4e1d9c", "jenkins_git_token": "ghp_token7f0a2b9c",
           "jenkins_slack_webhook": "https://hooks.slack.com/services/T000/B000/hook9d8e7f"}
BASE = {"platform_role": "jenkins", "jenkins_enabled": True, "platform_name": "ci", **SECRETS}
# JCasC's top-level keys (and the jenkins: keys) each plugin provides; the rest is Jenkins core.
CASC_PLUGINS = {"credentials": "credentials", "jobs": "job-dsl", "unclassified.slackNotifier": "slack",
                "jenkins.clouds": "kubernetes", "jenkins.authorizationStrategy.globalMatrix": "matrix-auth"}


@pytest.fixture(scope="module")
def cluster(private_sandbox, tmp_path_factory):
    """A cluster with its OIDC provider (for IRSA) and the gp3 storage class (the addons role's, made here).
    eks_outputs as the eks role's read-only connection entry point gives them: the cluster's ARN and issuer, no
    provider ARN."""
    outputs, env = make_cluster(private_sandbox, "ci", "10.63", tmp_path_factory.mktemp("jenkins-home"))
    described = private_sandbox.boto3_client("eks").describe_cluster(name="ci")["cluster"]
    private_sandbox.boto3_client("iam").create_open_id_connect_provider(
        Url=described["identity"]["oidc"]["issuer"], ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])
    outputs.update(cluster_arn=described["arn"], oidc_issuer_url=described["identity"]["oidc"]["issuer"],
                   oidc_provider_arn="")
    add_gp3_storage_class(env)
    return private_sandbox, outputs, env


def run(cluster, check: bool = False, verbosity: int = 0, **variables):
    return run_role(cluster, {**BASE, **variables}, check=check, verbosity=verbosity)


def irsa_roles(cluster) -> list[str]:
    return [r["RoleName"] for r in cluster[0].boto3_client("iam").list_roles()["Roles"] if "jenkins" in r["RoleName"]]


def leftovers(cluster) -> list[str]:
    names = [f"{i['kind']}/{i['metadata']['name']}" for i in kubectl_json(
        cluster, "get", "persistentvolumeclaims,persistentvolumes,statefulsets", "--all-namespaces")["items"]]
    namespaces = {i["metadata"]["name"] for i in kubectl_json(cluster, "get", "namespaces")["items"]}
    return names + sorted(namespaces & {"jenkins"}) + irsa_roles(cluster) + \
        [r["name"] for r in json.loads(client(cluster[2], "helm", "list", "-A", "-o", "json").stdout)]


# (the bad variables, text the failure must contain): each a host of one run of the role.
BAD_INPUT = [
    ({"jenkins_plugins": ["kubernetes:latest"]}, "jenkins_plugins entry 'kubernetes:latest' must be a plugin id and a"),
    ({"jenkins_controller_resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "lots"}}},
     "jenkins_controller_resources.limits.memory must be a Kubernetes quantity such as 1Gi, got 'lots'"),
    ({"jenkins_domain": "example.com", "platform_environment": "prod"}, "in prod a domain needs jenkins_certificate_arn"),
]


@pytest.fixture(scope="module")
def refused(cluster, tmp_path_factory):
    """One run of the role with a host per case of BAD_INPUT, named by its index."""
    return run_role_per_case(cluster, tmp_path_factory.mktemp("jenkins-bad-input"),
                             {f"case{index}": {**BASE, **bad} for index, (bad, _) in enumerate(BAD_INPUT)})


def test_bad_input_makes_no_call_and_shows_no_secret(refused):
    assert refused.total_calls == 0 and "Jenkins chart" not in refused.output
    assert SECRETS["jenkins_git_token"] not in refused.output


@pytest.mark.parametrize("index", range(len(BAD_INPUT)), ids=[message[:40] for _, message in BAD_INPUT])
def test_bad_input_is_refused_before_any_call(refused, index):
    assert_host_failed_with(refused, f"case{index}", BAD_INPUT[index][1])


def test_a_missing_password_is_refused_before_any_call(cluster):
    """A run of its own: the check of the secrets is no_log, so its message shows only in the run's error line, which
    names no host."""
    refused = run(cluster, jenkins_admin_password="")
    assert refused.rc != 0 and refused.failed == 1, refused.output[-3000:]
    assert "jenkins_admin_password must be set from the vault" in " ".join(refused.output.split()), refused.output[-3000:]
    assert refused.total_calls == 0 and "Jenkins chart" not in refused.output
    assert SECRETS["jenkins_git_token"] not in refused.output


def test_check_install_idempotence_and_destroy(cluster):
    planned = run(cluster, check=True)
    assert_ran(planned)
    assert planned.mutating_calls == []
    assert leftovers(cluster) == []

    assert_ran(run(cluster))
    [controller] = kubectl_json(cluster, "get", "statefulsets", "-n", "jenkins")["items"]
    assert controller["status"]["readyReplicas"] == 1
    [claim] = kubectl_json(cluster, "get", "persistentvolumeclaims", "-n", "jenkins")["items"]
    assert claim["spec"]["storageClassName"] == "gp3"
    account = kubectl_json(cluster, "get", "serviceaccount", "jenkins-builder", "-n", "jenkins")
    role_arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role_arn.endswith(":role/ci-jenkins-builder")
    iam = cluster[0].boto3_client("iam")
    [policy_name] = iam.list_role_policies(RoleName="ci-jenkins-builder")["PolicyNames"]
    statements = iam.get_role_policy(RoleName="ci-jenkins-builder", PolicyName=policy_name)["PolicyDocument"]["Statement"]
    push = next(s for s in statements if "ecr:PutImage" in s["Action"])
    assert sorted(push["Resource"]) == sorted(f"arn:aws:ecr:{REGION}:{role_arn.split(':')[4]}:repository/ci/{s}"
                                              for s in ("front", "cart", "user", "product", "rating", "order"))
    admin = kubectl_json(cluster, "get", "secret", "jenkins-admin", "-n", "jenkins")
    assert base64.b64decode(admin["data"]["jenkins-admin-password"]).decode() == SECRETS["jenkins_admin_password"]

    values = json.loads(client(cluster[2], "helm", "get", "values", "jenkins", "-n", "jenkins", "-o", "json").stdout)
    for secret in SECRETS.values():  # secrets are in Kubernetes Secrets only, not in the release's values
        assert secret not in json.dumps(values)
        assert secret.rsplit("/", 1)[-1] not in json.dumps(values)
    installed = {p.split(":")[0] for p in values["controller"]["installPlugins"]}
    casc = {name: yaml.safe_load(text) for name, text in values["controller"]["JCasC"]["configScripts"].items()}
    used = set()
    for document in casc.values():
        for key, value in document.items():
            used.add(key)
            used.update(f"{key}.{sub}" for sub in (value or {}) if isinstance(value, dict))
    used.update(["jenkins.clouds", "jenkins.authorizationStrategy.globalMatrix"])  # the chart's defaultConfig, from our values
    assert {CASC_PLUGINS[k] for k in used if k in CASC_PLUGINS} <= installed
    assert casc["controller"]["jenkins"]["numExecutors"] == 0
    jobs = casc["jobs"]["jobs"][0]["script"]
    assert [line.split("'")[1] for line in jobs.splitlines() if line.strip().startswith("pipelineJob(")] == \
        ["front", "cart", "user", "product", "rating", "order"]
    assert "scriptPath('Jenkinsfile')" in jobs
    assert casc["slack"]["unclassified"]["slackNotifier"]["tokenCredentialId"] == "slack-webhook"
    assert "globalMatrix" in values["controller"]["JCasC"]["authorizationStrategy"]
    assert "allowsSignup: false" in values["controller"]["JCasC"]["securityRealm"]
    rendered = kubectl_json(cluster, "get", "configmaps", "-n", "jenkins")["items"]
    casc_maps = [m for m in rendered if "jenkins-jenkins-config" in m["metadata"]["name"]]
    assert casc_maps and all(yaml.safe_load(text) is not None for m in casc_maps for text in m["data"].values())

    quiet = run(cluster, verbosity=3)
    assert_idempotent(quiet)
    for secret in SECRETS.values():
        assert secret not in quiet.output and secret.rsplit("/", 1)[-1] not in quiet.output
        assert base64.b64encode(secret.encode()).decode() not in quiet.output

    assert_ran(run(cluster, platform_role_tasks="destroy"))
    assert wait_for(lambda: leftovers(cluster), lambda found: found == [], timeout=60) == []
