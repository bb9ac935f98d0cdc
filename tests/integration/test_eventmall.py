"""The event mall stack (playbooks/eventmall.yml: terraform_backend + eventmall roles, terraform/eventmall) with the
real terraform and AWS provider against one private sandbox: a cold apply interrupted mid-way and resumed, then
idempotence, a planned change, the state lock, bad input and destroy, all on that one stack (applied once)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from sandbox import harness
from sandbox.harness import PlaybookRun
from tests.integration.support.asserts import assert_failed_cleanly, assert_ran
from tests.integration.support.constants import LOCAL_PLATFORM

pytestmark = pytest.mark.slow

PLAYBOOK = "playbooks/eventmall.yml"
STACK_TAG = {"eksforge:stack": "eventmall"}
ENABLED = {"eventmall_enabled": True, "eventmall_tags": STACK_TAG}
NAME = f"{LOCAL_PLATFORM}-mall"
STATE_KEY = f"{LOCAL_PLATFORM}/eventmall.tfstate"
# Terraform's S3 lock writes and removes <key>.tflock; a run that changes nothing makes no other mutating call.
LOCK_CALLS = {("s3", "PutObject"), ("s3", "DeleteObject")}


def run(sandbox, **options) -> PlaybookRun:
    extra = {**ENABLED, **options.pop("extra_vars", {})}
    return harness.run_playbook(sandbox, PLAYBOOK, extra_vars=extra, **options)


def terraform_applies(stack_dir: Path) -> list[int]:
    """Process ids of the `terraform apply` processes running in the role's working copy `stack_dir`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or Path(os.readlink(entry / "cwd")) != stack_dir:
                continue
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if command[0].endswith(b"terraform") and b"apply" in command:
            found.append(int(entry.name))
    return found


def interrupted_run(sandbox, until) -> int:
    """eventmall.yml whose `terraform apply` gets SIGINT (what Ctrl-C or a CI cancel sends it) once `until()` is
    true: Terraform finishes the calls in flight, saves the state and releases the lock. Returns the exit code."""
    variables = {"aws_endpoint_url": sandbox.aws_endpoint, **ENABLED}
    command = [str(harness.VENV_BIN / "ansible-playbook"), "-i", "inventories/local", PLAYBOOK, "-e",
               json.dumps(variables)]
    process = subprocess.Popen(command, cwd=harness.REPO_ROOT, env=sandbox.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 900
    while process.poll() is None and time.monotonic() < deadline:
        applies = terraform_applies(sandbox.state_dir / "terraform" / "eventmall" / "stack")
        if applies and until():
            for pid in applies:
                os.kill(pid, signal.SIGINT)
            break
        time.sleep(1)
    return process.wait(timeout=600)


@pytest.fixture(scope="module")
def stack(private_sandbox):
    """The stack applied cold: a first run interrupted once the ECS cluster exists, then a run that finishes."""
    ecs = private_sandbox.client("ecs")
    interrupted = interrupted_run(private_sandbox, lambda: bool(ecs.list_clusters()["clusterArns"]))
    finished = run(private_sandbox)
    assert_ran(finished)
    return private_sandbox, interrupted, finished


def test_interrupted_apply_is_resumed_without_duplicates(stack):
    sandbox, interrupted, finished = stack
    assert interrupted != 0
    assert finished.count("CreateCluster") == 0  # the interrupted run made the ECS cluster; the state knows it
    assert len(sandbox.client("ecs").list_clusters()["clusterArns"]) == 1
    assert len(sandbox.client("cloudfront").list_distributions()["DistributionList"].get("Items", [])) == 1
    assert len(sandbox.client("elbv2").describe_load_balancers()["LoadBalancers"]) == 1
    assert len(sandbox.client("rds").describe_db_clusters()["DBClusters"]) == 1
    assert len(sandbox.client("elasticache").describe_cache_clusters()["CacheClusters"]) == 1
    assert len(sandbox.client("cloudtrail").describe_trails()["trailList"]) == 1
    reservations = sandbox.client("ec2").describe_instances(
        Filters=[{"Name": "tag:eksforge:stack", "Values": ["eventmall"]}])["Reservations"]
    assert sum(len(reservation["Instances"]) for reservation in reservations) == 1


def test_the_stack_is_built_as_designed(stack):
    sandbox = stack[0]
    cloudfront = sandbox.client("cloudfront")
    distribution = cloudfront.list_distributions()["DistributionList"]["Items"][0]
    config = cloudfront.get_distribution(Id=distribution["Id"])["Distribution"]["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]["Items"]}
    assert origins["assets"]["OriginAccessControlId"]  # the bucket is read through OAC only
    assert origins["api"]["DomainName"].startswith(NAME)
    s3 = sandbox.client("s3")
    assets = f"{NAME}-front-123456789012"
    assert all(s3.get_public_access_block(Bucket=assets)["PublicAccessBlockConfiguration"].values())
    policy = json.loads(s3.get_bucket_policy(Bucket=assets)["Policy"])
    assert {statement["Sid"] for statement in policy["Statement"]} == {"CloudFrontRead", "TLSOnly"}
    state_bucket = f"{LOCAL_PLATFORM}-tfstate-123456789012"
    assert s3.get_bucket_versioning(Bucket=state_bucket)["Status"] == "Enabled"
    assert s3.head_object(Bucket=state_bucket, Key=STATE_KEY)
    balancer = sandbox.client("elbv2").describe_load_balancers(Names=[NAME])["LoadBalancers"][0]
    assert balancer["Scheme"] == "internet-facing"
    service = sandbox.client("ecs").describe_services(cluster=NAME, services=["web"])["services"][0]
    assert service["launchType"] == "FARGATE" and service["desiredCount"] == 1
    policies = sandbox.client("application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")
    (scaling,) = policies["ScalingPolicies"]
    assert scaling["PolicyType"] == "TargetTrackingScaling"
    assert (scaling["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
            ["PredefinedMetricType"]) == "ECSServiceAverageCPUUtilization"
    cache = sandbox.client("elasticache").describe_cache_clusters(CacheClusterId=NAME)["CacheClusters"][0]
    assert cache["Engine"] == "memcached"
    database = sandbox.client("rds").describe_db_clusters(DBClusterIdentifier=NAME)["DBClusters"][0]
    assert database["Engine"] == "aurora-mysql" and database["StorageEncrypted"]
    assert sandbox.client("secretsmanager").describe_secret(SecretId=database["MasterUserSecret"]["SecretArn"])
    ec2 = sandbox.client("ec2")
    groups = {group["GroupName"]: group for group in ec2.describe_security_groups(
        Filters=[{"Name": "tag:eksforge:stack", "Values": ["eventmall"]}])["SecurityGroups"]}
    assert groups[f"{NAME}-bastion"]["IpPermissions"] == []  # Session Manager only: no SSH, no inbound at all
    for tier in ("tasks", "cache", "database"):  # only security groups as sources, never an address range
        assert all(not permission["IpRanges"] for permission in groups[f"{NAME}-{tier}"]["IpPermissions"])
    trail = sandbox.client("cloudtrail").describe_trails()["trailList"][0]
    assert trail["S3BucketName"] == f"{NAME}-trail-123456789012" and trail["LogFileValidationEnabled"]
    tagged = sandbox.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "eksforge:platform", "Values": [LOCAL_PLATFORM]},
                    {"Key": "eksforge:stack", "Values": ["eventmall"]}])["ResourceTagMappingList"]
    services = {mapping["ResourceARN"].split(":")[2] for mapping in tagged}
    assert {"cloudfront", "elasticloadbalancing", "ecs", "rds", "elasticache", "ec2", "s3", "kms"} <= services


def test_a_second_run_changes_nothing(stack):
    again = run(stack[0])
    assert_ran(again, changed=0)
    assert {(call["service"], call["action"]) for call in again.mutating_calls} <= LOCK_CALLS


def test_a_changed_desired_count_plans_exactly_that(stack):
    planned = run(stack[0], extra_vars={"eventmall_desired_count": 2}, check=True, diff=True)
    assert_ran(planned, changed=1)
    assert planned.mutating_calls == []  # a check run plans without writing the lock file
    lines = [line.strip() for line in planned.output.splitlines()]
    # The plan is the task's diff: Terraform's before/after of each resource it would change.
    assert {line.split('"resource": "', 1)[1].split('"', 1)[0] for line in lines if '"resource": "' in line} \
        == {"aws_ecs_service.web"}
    changed_lines = [line for line in lines if line[:1] in "+-" and line[1:2] == " " and '": ' in line]
    assert sorted(line[0] + " " + line[1:].strip().rstrip(",") for line in changed_lines) \
        == ['+ "desired_count": 2', '- "desired_count": 1']


def test_a_run_while_another_holds_the_lock_fails_naming_it(stack):
    sandbox = stack[0]
    s3 = sandbox.client("s3")
    bucket = f"{LOCAL_PLATFORM}-tfstate-123456789012"
    lock = {"ID": "5f2e1c9a-0000-4000-8000-000000000001", "Operation": "OperationTypeApply", "Info": "",
            "Who": "ci@runner-7", "Version": "1.11.4", "Created": "2026-12-02T08:00:00Z", "Path": f"{bucket}/{STATE_KEY}"}
    s3.put_object(Bucket=bucket, Key=f"{STATE_KEY}.tflock", Body=json.dumps(lock).encode())
    try:
        blocked = run(sandbox)
    finally:
        s3.delete_object(Bucket=bucket, Key=f"{STATE_KEY}.tflock")
    assert blocked.rc != 0
    text = " ".join(blocked.output.split())
    assert "Error acquiring the state lock" in text and lock["ID"] in text and "ci@runner-7" in text


def test_bad_input_fails_before_terraform(stack):
    refused = run(stack[0], extra_vars={"eventmall_aurora_instance_class": "db.m1.small", "eventmall_desired_count": 9,
                                        "eventmall_max_count": 3, "eventmall_domain_name": "mall.example.com"})
    assert_failed_cleanly(refused, "eventmall_aurora_instance_class 'db.m1.small' is not an allowed Aurora MySQL class")
    text = " ".join(refused.output.split())
    assert "eventmall_desired_count (9) must lie between" in text
    assert "eventmall_domain_name 'mall.example.com' needs eventmall_certificate_arn" in text
    assert refused.calls == [] or all(call["kind"] == "read" for call in refused.calls)


def test_destroy_leaves_nothing_tagged_and_keeps_the_state_bucket(stack):
    sandbox = stack[0]
    destroyed = run(sandbox, extra_vars={"eventmall_state": "absent"})
    assert_ran(destroyed)
    tagged = sandbox.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "eksforge:stack", "Values": ["eventmall"]}])["ResourceTagMappingList"]
    assert tagged == []
    assert sandbox.client("cloudfront").list_distributions()["DistributionList"].get("Items", []) == []
    assert sandbox.client("ecs").list_clusters()["clusterArns"] == []
    assert sandbox.client("rds").describe_db_clusters()["DBClusters"] == []
    s3 = sandbox.client("s3")
    assert s3.head_bucket(Bucket=f"{LOCAL_PLATFORM}-tfstate-123456789012")  # state survives: terraform_backend_force
    assert run(sandbox, extra_vars={"eventmall_state": "absent"}).changed == 0
