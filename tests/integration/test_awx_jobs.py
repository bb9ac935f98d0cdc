"""The AWX job templates run the way AWX runs them (tests/integration/support/awx_jobs.py: ansible-runner transmit |
worker | process, the project copied into the private data dir, the collection as the execution environment
installs it, the inventory synced from inventories/local and handed over as AWX's inventory script, survey values
as !unsafe extra vars, credentials injected): the build workflow's layers in order over the platform the session
built with site.yml under lost answers (their second run, fault-free: nothing changes, in AWS or for the add-ons in the
cluster, so no resource is left to make), its summary node, and launches that must be refused."""

from __future__ import annotations

import re

import pytest

from tests.integration.support.asserts import changed_tasks
from tests.integration.support.awx_jobs import AwxRunner, SurveyAnswerRefused
from tests.integration.support.inventory import owned_resources
from tests.integration.support.kubernetes import PLATFORM_NAMESPACE


def plain(output: str) -> str:
    """Job output without AWX's colours, whitespace collapsed (Ansible wraps long messages)."""
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", output).split())


@pytest.fixture(scope="module")
def built(platform_built_under_lost_answers, tmp_path_factory):
    """The job runner over the session's built platform (built under lost answers), and the build workflow run once on
    it: its second run, fault-free."""
    platform = platform_built_under_lost_answers
    assert platform.cold.rc == 0 and platform.cold.changed > 0, platform.cold.output[-3000:]
    runner = AwxRunner(tmp_path_factory.mktemp("awx-built"), platform.sandbox)
    return runner, runner.workflow("eksforge build")


@pytest.fixture(scope="module")
def empty(sandbox, tmp_path_factory):
    """The job runner over the session's sandbox (nothing built in it by this module)."""
    return AwxRunner(tmp_path_factory.mktemp("awx-empty"), sandbox)


def test_workflow_runs_infra_platform_apps_in_order_and_changes_nothing_the_second_time(built):
    _, jobs = built
    assert [identifier for identifier, _ in jobs] == ["infra", "platform", "apps", "summary"]
    for identifier, job in jobs:
        assert job.status == "successful" and job.rc == 0, (identifier, plain(job.output)[-4000:])
        assert job.recap["localhost"]["ok"] > 0 and job.failed == 0, (identifier, job.recap)
        assert job.changed == 0, (identifier, changed_tasks(re.sub(r"\x1b\[[0-9;]*m", "", job.output)), job.recap)
        assert job.mutating_calls == [], (identifier, job.mutating_calls)
    # Nor in the cluster: the roles compare before they write, but for the argocd role's repository Secret, AppProjects
    # and root Application (kubernetes.core.k8s PATCHes an unchanged object and reports ok).
    others = ("/api/v1/namespaces/argocd/secrets/gitops-repository", "/apis/argoproj.io/")
    writes = dict(jobs)["platform"].cluster_writes
    assert [write for write in writes if not write["path"].startswith(others)] == [], writes
    # Each layer ran its own playbook, with its preflight, as the template says.
    infra = plain(dict(jobs)["infra"].output)
    assert "PLAY [Preflight (the input of every role this run applies, before any change)]" in infra
    assert "PLAY [Infrastructure layer (network, IAM, container registries, EKS)]" in infra
    assert "PLAY [Platform layer (cluster services)]" in plain(dict(jobs)["platform"].output)
    assert "PLAY [Apps layer (workloads)]" in plain(dict(jobs)["apps"].output)


def test_summary_template_lists_the_built_platform(built, platform_built_under_lost_answers):
    """playbooks/summary.yml as the workflow's last node: everything the platform owns, read only."""
    _, jobs = built
    summary = dict(jobs)["summary"]
    assert summary.status == "successful" and summary.changed == 0 and summary.mutating_calls == []
    output = plain(summary.output)
    assert "platform: eksforge-local (local, us-east-1)" in output
    made = owned_resources(platform_built_under_lost_answers.sandbox)
    for resource in (made["vpcs"][0], *made["ecr_repositories"], *made["iam_roles"]):
        assert resource in output, resource
    assert re.search(r"eks_clusters: - eksforge-local 1\.33 ACTIVE https://", output), output[-3000:]
    # inventories/local: Argo CD and the shop on, Jenkins and EFK off
    assert f"namespaces: - argocd - {PLATFORM_NAMESPACE} - shop " in output, output[-3000:]
    assert summary.total_calls > 0  # it read AWS


def test_a_survey_answer_breaking_a_roles_spec_fails_the_job_before_any_aws_call(empty):
    job = empty.launch("eksforge infra", {"ecr_default_keep_last": 0})
    assert job.status == "failed" and job.failed == 1, job.recap
    assert "ecr_default_keep_last must be at least 1 (got 0)" in plain(job.output)
    assert job.total_calls == 0, job.calls


def test_awx_refuses_answers_its_survey_does_not_allow_before_any_job(empty):
    jobs_before = empty.jobs
    with pytest.raises(SurveyAnswerRefused, match="eks_support_type"):
        empty.launch("eksforge infra", {"eks_support_type": "PREMIUM"})
    with pytest.raises(SurveyAnswerRefused, match="destroy_confirm_platform_name"):
        empty.launch("eksforge destroy")
    assert empty.jobs == jobs_before


def test_destroy_refuses_a_platform_name_that_is_not_the_inventorys(empty):
    job = empty.launch("eksforge destroy", {"destroy_confirm_platform_name": "eksforge-prod"})
    assert job.status == "failed" and job.failed == 1, job.recap
    assert ("destroy_confirm_platform_name is 'eksforge-prod' but this inventory's platform_name is "
            "'eksforge-local': nothing was removed") in plain(job.output).replace("''", "'")
    assert job.total_calls == 0, job.calls
