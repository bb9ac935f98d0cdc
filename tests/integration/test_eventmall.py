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
from botocore.exceptions import ClientError

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
STATE_BUCKET = f"{LOCAL_PLATFORM}-tfstate-123456789012"
# Terraform's S3 lock writes and removes <key>.tflock; a run that changes nothing makes no other mutating call.
LOCK_CALLS = {("s3", "PutObject"), ("s3", "DeleteObject")}
# Go's garbage collector for terraform and the AWS provider: each of them builds the provider's schema (some 1,500
# resource types) on start-up, which with Go's default (100) costs a third more CPU than at 400, for ~150 MB more
# memory. Only the pace of garbage collection changes, not what Terraform does.
TERRAFORM_GOGC = "400"


def run(sandbox, **options) -> PlaybookRun:
    extra = {**ENABLED, **options.pop("extra_vars", {})}
    return harness.run_playbook(sandbox, PLAYBOOK, extra_vars=extra, **options)


def saved_resources(sandbox) -> dict[str, str]:
    """The stack's managed resources the state in the bucket records as made (not tainted): address -> id.
    A resource whose creation was cut short (created, not yet ready) is saved tainted: the next run replaces it."""
    try:
        body = sandbox.client("s3").get_object(Bucket=STATE_BUCKET, Key=STATE_KEY)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchBucket"):
            return {}
        raise
    saved = {}
    for resource in json.loads(body)["resources"]:
        if resource["mode"] != "managed":
            continue
        address = ".".join(filter(None, (resource.get("module"), resource["type"], resource["name"])))
        for instance in resource["instances"]:
            if instance.get("status") != "tainted":
                saved[f"{address}[{instance['index_key']}]" if "index_key" in instance else address] = \
                    instance["attributes"]["id"]
    return saved


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


def interrupted_run(sandbox, until) -> tuple[int, str]:
    """eventmall.yml whose `terraform apply` gets SIGINT (what Ctrl-C or a CI cancel sends it) once `until()` is
    true: Terraform cancels the operations in flight, saves the state and releases the lock. Returns the exit code
    and the output."""
    variables = {"aws_endpoint_url": sandbox.aws_endpoint, **ENABLED}
    command = [str(harness.VENV_BIN / "ansible-playbook"), "-i", "inventories/local", PLAYBOOK, "-e",
               json.dumps(variables)]
    log = sandbox.state_dir / "interrupted-run.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=harness.REPO_ROOT, env=dict(sandbox.env, ANSIBLE_NOCOLOR="1"),
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 900
        while process.poll() is None and time.monotonic() < deadline:
            applies = terraform_applies(sandbox.state_dir / "terraform" / "eventmall" / "stack")
            if applies and until():
                for pid in applies:
                    os.kill(pid, signal.SIGINT)
                break
            time.sleep(1)
        code = process.wait(timeout=600)
    return code, log.read_text()


@pytest.fixture(scope="module")
def stack(private_sandbox):
    """The stack applied cold: a first run interrupted once its state records the ECS cluster as made (Terraform
    saves the state every 20 s during an apply), then a run that finishes. Returns the sandbox, the interrupted
    run's exit code and output, what its state recorded as made, and the finishing run."""
    private_sandbox.env["GOGC"] = TERRAFORM_GOGC
    interrupted, output = interrupted_run(private_sandbox,
                                          lambda: "aws_ecs_cluster.mall" in saved_resources(private_sandbox))
    saved = saved_resources(private_sandbox)
    finished = run(private_sandbox)
    assert_ran(finished)
    return private_sandbox, (interrupted, output), saved, finished


def test_interrupted_apply_is_resumed_without_duplicates(stack):
    sandbox, (interrupted, output), saved, finished = stack
    assert interrupted != 0 and "Interrupt received" in output, output[-3000:]
    # What the interrupted run saved as made is kept: same ids now, and not created again (no second CreateCluster).
    now = saved_resources(sandbox)
    assert "aws_ecs_cluster.mall" in saved and {address: now.get(address) for address in saved} == saved
    assert finished.count("CreateCluster") == 0
    assert len(sandbox.client("ecs").list_clusters()["clusterArns"]) == 1
    assert len(sandbox.client("cloudfront").list_distributions()["DistributionList"].get("Items", [])) == 1
    assert len(sandbox.client("elbv2").describe_load_balancers()["LoadBalancers"]) == 1
    assert len(sandbox.client("rds").describe_db_clusters()["DBClusters"]) == 1
    assert len(sandbox.client("elasticache").describe_cache_clusters()["CacheClusters"]) == 1
    assert len(sandbox.client("cloudtrail").describe_trails()["trailList"]) == 1
    reservations = sandbox.client("ec2").describe_instances(
        Filters=[{"Name": "tag:eksforge:stack", "Values": ["eventmall"]},
                 {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"]
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
    assert s3.get_bucket_versioning(Bucket=STATE_BUCKET)["Status"] == "Enabled"
    assert s3.head_object(Bucket=STATE_BUCKET, Key=STATE_KEY)
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
    assert {"cloudfront", "ecs", "rds", "elasticache", "ec2", "s3"} <= services, services
    # The sandbox's tagging API (moto's) lists neither load balancers nor KMS keys: their own APIs show the tags.
    owned = {"eksforge:platform": LOCAL_PLATFORM, **STACK_TAG}
    (described,) = sandbox.client("elbv2").describe_tags(ResourceArns=[balancer["LoadBalancerArn"]])["TagDescriptions"]
    assert owned.items() <= {tag["Key"]: tag["Value"] for tag in described["Tags"]}.items()
    kms = sandbox.client("kms")
    key = kms.describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER" and kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    key_tags = kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]
    assert owned.items() <= {tag["TagKey"]: tag["TagValue"] for tag in key_tags}.items()


def test_a_second_run_changes_nothing(stack):
    again = run(stack[0])
    assert_ran(again, changed=0)
    # Its only writes are the state lock's: the apply path takes the lock (and gives it back) even with nothing to do.
    assert {(call["service"], call["action"]) for call in again.mutating_calls} == LOCK_CALLS


def test_a_changed_desired_count_plans_exactly_that(stack):
    planned = run(stack[0], extra_vars={"eventmall_desired_count": 2}, check=True, diff=True, verbosity=1)
    assert_ran(planned, changed=1)
    assert planned.mutating_calls == []  # a check run plans without writing the lock file
    text = " ".join(planned.output.split())
    # Terraform's plan (the task's stdout) changes one resource in place, and the task's diff (Terraform's
    # before/after of each resource it would change) differs in that one attribute.
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in text, planned.output[-6000:]
    assert "aws_ecs_service.web will be updated in-place" in text, planned.output[-6000:]
    # The diff is printed as YAML (ansible.cfg: callback_result_format); its changed lines start with + or -.
    changed_lines = [line for line in planned.output.splitlines()
                     if line.startswith(("+", "-")) and not line.startswith(("+++ ", "--- "))]
    assert sorted(line[0] + " " + line[1:].strip() for line in changed_lines) \
        == ["+ desired_count: 2", "- desired_count: 1"], planned.output[:8000]


def test_a_run_while_another_holds_the_lock_fails_naming_it(stack):
    """A destroy (the path that needs only the state bucket besides Terraform) while another run holds the lock:
    it fails at once naming the holder, destroys nothing and leaves the other's lock in place. The apply path takes
    the same lock (test_a_second_run_changes_nothing)."""
    sandbox = stack[0]
    s3 = sandbox.client("s3")
    bucket = STATE_BUCKET
    lock = {"ID": "5f2e1c9a-0000-4000-8000-000000000001", "Operation": "OperationTypeApply", "Info": "",
            "Who": "ci@runner-7", "Version": "1.11.4", "Created": "2026-12-02T08:00:00Z", "Path": f"{bucket}/{STATE_KEY}"}
    s3.put_object(Bucket=bucket, Key=f"{STATE_KEY}.tflock", Body=json.dumps(lock).encode())
    made = saved_resources(sandbox)
    try:
        blocked = run(sandbox, extra_vars={"eventmall_state": "absent"})
        held = json.loads(s3.get_object(Bucket=bucket, Key=f"{STATE_KEY}.tflock")["Body"].read())
    finally:
        s3.delete_object(Bucket=bucket, Key=f"{STATE_KEY}.tflock")
    assert blocked.rc != 0
    text = " ".join(blocked.output.split())
    assert "Error acquiring the state lock" in text and lock["ID"] in text and "ci@runner-7" in text, text[-3000:]
    assert held == lock
    # Its one write is Terraform's refused attempt at the lock object: nothing deleted, the state unchanged.
    assert {(call["service"], call["action"]) for call in blocked.mutating_calls} <= {("s3", "PutObject")}
    assert saved_resources(sandbox) == made and "aws_ecs_cluster.mall" in made
    assert [cluster["status"] for cluster in sandbox.client("ecs").describe_clusters(clusters=[NAME])["clusters"]] \
        == ["ACTIVE"]


def test_bad_input_fails_before_terraform(stack):
    refused = run(stack[0], extra_vars={"eventmall_aurora_instance_class": "db.m1.small", "eventmall_desired_count": 9,
                                        "eventmall_max_count": 3, "eventmall_domain_name": "mall.example.com"})
    assert_failed_cleanly(refused, "eventmall_aurora_instance_class 'db.m1.small' is not an allowed Aurora MySQL class")
    text = " ".join(refused.output.split())
    assert "eventmall_desired_count (9) must lie between" in text
    assert "eventmall_domain_name 'mall.example.com' needs eventmall_certificate_arn" in text
    assert refused.calls == [] or all(call["kind"] == "read" for call in refused.calls)


def still_there(sandbox, arn: str) -> bool:
    """Whether a resource the tagging API lists is still in use. AWS keeps some deleted resources discoverable for a
    while: a terminated instance (about an hour), an INACTIVE ECS cluster, service or task definition revision
    (deleted or deregistered: they run nothing), a KMS key pending deletion (its waiting period, 7 days at least)."""
    service, resource = arn.split(":")[2], arn.split(":", 5)[5]
    kind, _, name = resource.partition("/")
    if service == "ec2" and kind == "instance":
        reservations = sandbox.client("ec2").describe_instances(InstanceIds=[name])["Reservations"]
        return any(instance["State"]["Name"] != "terminated"
                   for reservation in reservations for instance in reservation["Instances"])
    ecs = sandbox.client("ecs")
    if service == "ecs" and kind == "cluster":
        return any(cluster["status"] != "INACTIVE" for cluster in ecs.describe_clusters(clusters=[arn])["clusters"])
    if service == "ecs" and kind == "service":
        described = ecs.describe_services(cluster=name.split("/")[0], services=[arn])["services"]
        return any(found["status"] != "INACTIVE" for found in described)
    if service == "ecs" and kind == "task-definition":
        return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["status"] != "INACTIVE"
    if service == "kms" and kind == "key":
        return sandbox.client("kms").describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] != "PendingDeletion"
    return True


def test_destroy_leaves_nothing_tagged_and_keeps_the_state_bucket(stack):
    sandbox = stack[0]
    destroyed = run(sandbox, extra_vars={"eventmall_state": "absent"})
    assert_ran(destroyed)
    tagged = sandbox.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "eksforge:stack", "Values": ["eventmall"]}])["ResourceTagMappingList"]
    left = [mapping["ResourceARN"] for mapping in tagged if still_there(sandbox, mapping["ResourceARN"])]
    assert left == [], left
    assert sandbox.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    kms = sandbox.client("kms")
    stack_tag = {"TagKey": "eksforge:stack", "TagValue": "eventmall"}
    stack_keys = [key["KeyId"] for key in kms.list_keys()["Keys"]
                  if stack_tag in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]]
    # AWS keeps a key scheduled for deletion for its waiting period (7 days at least): the stack's key is that.
    assert [kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] for key in stack_keys] == ["PendingDeletion"]
    assert sandbox.client("cloudfront").list_distributions()["DistributionList"].get("Items", []) == []
    clusters = sandbox.client("ecs").list_clusters()["clusterArns"]
    assert not any(still_there(sandbox, cluster) for cluster in clusters)
    assert sandbox.client("rds").describe_db_clusters()["DBClusters"] == []
    assert sandbox.client("elasticache").describe_cache_clusters()["CacheClusters"] == []
    assert sandbox.client("s3").head_bucket(Bucket=STATE_BUCKET)  # the state survives (terraform_backend_force)
    again = run(sandbox, extra_vars={"eventmall_state": "absent"})
    assert_ran(again, changed=0)
