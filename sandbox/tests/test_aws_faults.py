"""Injected faults look to botocore exactly like AWS's own: throttling is retried, refused changes are final."""

from __future__ import annotations

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

NO_RETRIES = Config(retries={"total_max_attempts": 1})
RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 10})

# One read per wire protocol, and the throttling error AWS answers it with.
THROTTLED_CALLS = [
    ("ec2", "describe_vpcs", {}, "RequestLimitExceeded", 503),
    ("iam", "list_roles", {}, "Throttling", 400),
    ("ecr", "describe_repositories", {}, "ThrottlingException", 400),
    ("eks", "list_clusters", {}, "ThrottlingException", 429),
    ("s3", "list_buckets", {}, "SlowDown", 503),
]


@pytest.mark.parametrize(("service", "method", "params", "code", "status"), THROTTLED_CALLS)
def test_throttling_comes_in_the_protocols_own_error_shape(sandbox, service, method, params, code, status):
    sandbox.set_faults(throttle_rate=1.0, seed=1)
    client = sandbox.client(service, config=NO_RETRIES)
    with pytest.raises(ClientError) as raised:
        getattr(client, method)(**params)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    # botocore's own judgement: this is throttling (so it backs off and retries).
    context = RetryContext(attempt_number=1, parsed_response=raised.value.response)
    assert ThrottledRetryableChecker().is_retryable(context)


@pytest.mark.parametrize(("service", "method", "params", "code", "status"), THROTTLED_CALLS)
def test_botocore_retries_through_30_percent_throttling(sandbox, service, method, params, code, status):
    sandbox.set_faults(throttle_rate=0.3, seed=7)
    client = sandbox.client(service, config=RETRIES)
    attempts = [getattr(client, method)(**params)["ResponseMetadata"]["RetryAttempts"] for _ in range(6)]
    assert sum(attempts) > 0, "the seeded sequence throttles at least once in six calls"
    assert sandbox.count(client.meta.method_to_api_mapping[method]) == 6 + sum(attempts)


def test_server_errors_are_bare_503s_that_botocore_retries(sandbox):
    sandbox.set_faults(server_error_rate=1.0)
    with pytest.raises(ClientError) as raised:
        sandbox.client("iam", config=NO_RETRIES).list_roles()
    assert raised.value.response["Error"]["Code"] == "503"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503

    sandbox.set_faults(server_error_rate=0.3, seed=2)
    assert sandbox.client("iam", config=RETRIES).list_roles()["Roles"] == []


def test_mutating_calls_from_the_nth_on_are_refused_and_change_nothing(sandbox):
    ec2 = sandbox.client("ec2", config=NO_RETRIES)
    sandbox.set_faults(fail_from_nth_mutating=2)
    ec2.describe_vpcs()  # reads do not count towards N
    ec2.create_vpc(CidrBlock="10.11.0.0/16")
    refused = []
    for cidr in ("10.12.0.0/16", "10.13.0.0/16"):
        with pytest.raises(ClientError) as raised:
            ec2.create_vpc(CidrBlock=cidr)
        refused.append(raised.value.response)

    assert [(r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]) for r in refused] == [
        ("UnauthorizedOperation", 403)] * 2
    # Reads still work while every change is refused.
    cidrs = {vpc["CidrBlock"] for vpc in ec2.describe_vpcs()["Vpcs"]}
    assert "10.11.0.0/16" in cidrs and not {"10.12.0.0/16", "10.13.0.0/16"} & cidrs
    # The refused calls were made, so they are counted.
    assert sandbox.count("CreateVpc") == 3
    assert {key: sandbox.faults()[key] for key in ("mutating_seen", "mutating_refused")} == {
        "mutating_seen": 3, "mutating_refused": 2}

    sandbox.clear_faults()
    ec2.create_vpc(CidrBlock="10.12.0.0/16")
    assert "10.12.0.0/16" in {vpc["CidrBlock"] for vpc in ec2.describe_vpcs()["Vpcs"]}


# One change per wire protocol, and how AWS refuses it to a caller without permission.
REFUSED_CALLS = [
    ("ec2", "create_vpc", {"CidrBlock": "10.15.0.0/16"}, "UnauthorizedOperation", 403),
    ("iam", "create_role", {"RoleName": "refused", "AssumeRolePolicyDocument": "{}"}, "AccessDenied", 403),
    ("ecr", "create_repository", {"repositoryName": "refused"}, "AccessDeniedException", 400),
    ("eks", "delete_cluster", {"name": "refused"}, "AccessDeniedException", 403),
    ("s3", "create_bucket", {"Bucket": "refused"}, "AccessDenied", 403),
]


@pytest.mark.parametrize(("service", "method", "params", "code", "status"), REFUSED_CALLS)
def test_refusals_are_final_for_botocore_in_the_protocols_own_shape(sandbox, service, method, params, code,
                                                                  status):
    sandbox.set_faults(fail_from_nth_mutating=1)
    with pytest.raises(ClientError) as raised:
        getattr(sandbox.client(service, config=RETRIES), method)(**params)
    response = raised.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    # Not retried, even by standard mode with ten attempts: the run stops right there.
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert sandbox.faults()["mutating_refused"] == 1


def test_internal_calls_are_never_faulted(sandbox):
    sandbox.set_faults(throttle_rate=1.0, server_error_rate=1.0, fail_from_nth_mutating=1)
    internal = sandbox.client("ec2", internal=True, config=NO_RETRIES)
    internal.create_vpc(CidrBlock="10.14.0.0/16")
    assert internal.describe_vpcs()["Vpcs"]
    assert sandbox.faults()["mutating_seen"] == 0


def test_faults_can_be_read_back_and_cleared(sandbox):
    shown = sandbox.set_faults(throttle_rate=0.2, server_error_rate=0.1, fail_from_nth_mutating=10, seed=1)
    assert {key: shown[key] for key in ("throttle_rate", "server_error_rate", "fail_from_nth_mutating", "seed")} == {
        "throttle_rate": 0.2, "server_error_rate": 0.1, "fail_from_nth_mutating": 10, "seed": 1}
    sandbox.clear_faults()
    assert sandbox.faults()["throttle_rate"] == 0.0 and sandbox.faults()["fail_from_nth_mutating"] is None


@pytest.mark.parametrize("bad", [{"throttle_rate": 2}, {"fail_from_nth_mutating": 0}, {"surprise": 1}])
def test_invalid_fault_settings_are_refused(sandbox, bad):
    response = requests.put(f"{sandbox.endpoint}/_sandbox/faults", json=bad, timeout=10)
    assert response.status_code == 400
    assert sandbox.faults()["throttle_rate"] == 0.0
