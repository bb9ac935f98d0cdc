"""CronJobs run on the emulator's clock (moved forward with POST /_sandbox/clock instead of waiting): a Job at
each minute the schedule passes, status.lastScheduleTime/lastSuccessfulTime/active, the history limits, suspend,
and `kubectl create job --from=cronjob/...` making a Job the CronJob owns (kubectl 1.32, 1.34, 1.37)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
import yaml

from sandbox.tests.k8s.k8s_helpers import wait_until

SCHEDULED_AT = "batch.kubernetes.io/cronjob-scheduled-timestamp"


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def cron_job(name: str, **spec) -> str:
    return yaml.safe_dump({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": {
        "schedule": "* * * * *", "jobTemplate": {"metadata": {"labels": {"run": name}}, "spec": {"template": {
            "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "tick", "image": "busybox"}]}}}},
        **spec}})


def minute_text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch // 60 * 60, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """Puts the emulator half a minute into the minute `minutes` ahead of the one the test started in, so that
    minute is the last one the schedule passed for the next 30 s whatever the wall clock does meanwhile."""

    def __init__(self, move):
        self.move, self.start = move, time.time() // 60 * 60

    def to_minute(self, minutes: int) -> str:
        target = self.start + minutes * 60 + 30
        self.move(target - time.time())
        return minute_text(target)


def get(eks, namespace, what: str) -> dict:
    return json.loads(ok(eks.kubectl("get", what, "-o", "json", namespace=namespace)))


def jobs(eks, namespace) -> dict[str, dict]:
    return {j["metadata"]["name"]: j for j in get(eks, namespace, "jobs")["items"]}


def finished(job: dict) -> bool:
    return any(c["type"] in ("Complete", "Failed") and c["status"] == "True"
               for c in job.get("status", {}).get("conditions", []))


def test_jobs_on_schedule_with_history_limit_and_suspend(eks, namespace, moved_clock):
    ok(eks.kubectl("apply", "-f", "-", input=cron_job("tick", successfulJobsHistoryLimit=2), namespace=namespace))
    spec = get(eks, namespace, "cronjob/tick")["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"], spec["failedJobsHistoryLimit"]) == ("Allow", False, 1)
    clock = Clock(moved_clock)
    runs = []
    for minute in (1, 2, 3):
        scheduled = clock.to_minute(minute)
        wanted = f"tick-{int(clock.start // 60) + minute}"  # named after the scheduled time in minutes
        runs.append(wanted)
        job = wait_until(lambda: jobs(eks, namespace).get(wanted))
        assert job["metadata"]["annotations"][SCHEDULED_AT] == scheduled
        assert job["metadata"]["labels"]["run"] == "tick"
        assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
        wait_until(lambda: finished(jobs(eks, namespace)[wanted]))
        status = wait_until(lambda: (s := get(eks, namespace, "cronjob/tick").get("status", {})).get(
            "lastSuccessfulTime") and "active" not in s and s)
        assert status["lastScheduleTime"] == scheduled
    # Only the two newest successful jobs are kept (their pods go with the older one).
    assert wait_until(lambda: sorted(jobs(eks, namespace)) == sorted(runs[1:]))
    # The cronjob and job controllers' events, worded as theirs.
    events = [(e["involvedObject"]["kind"], e["involvedObject"]["name"], e["reason"], e["message"],
               e["source"]["component"]) for e in get(eks, namespace, "events")["items"]]
    for run in runs:
        assert ("CronJob", "tick", "SuccessfulCreate", f"Created job {run}", "cronjob-controller") in events
        assert ("CronJob", "tick", "SawCompletedJob", f"Saw completed job: {run}, status: Complete",
                "cronjob-controller") in events
    assert ("CronJob", "tick", "SuccessfulDelete", f"Deleted job {runs[0]}", "cronjob-controller") in events
    assert ("Job", runs[2], "Completed", "Job completed", "job-controller") in events
    assert any(event[:3] == ("Job", runs[2], "SuccessfulCreate") and event[3].startswith(f"Created pod: {runs[2]}-")
               for event in events)

    ok(eks.kubectl("patch", "cronjob", "tick", "-p", '{"spec":{"suspend":true}}', namespace=namespace))
    clock.to_minute(4)
    time.sleep(1.5)  # a controller pass at least every second: none may start a job while suspended
    assert sorted(jobs(eks, namespace)) == sorted(runs[1:])
    table = ok(eks.kubectl("get", "cronjob", "tick", namespace=namespace)).splitlines()
    assert table[0].split() == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"]
    assert table[1].split()[1:8] == ["*", "*", "*", "*", "*", "<none>", "True"]
    ok(eks.kubectl("patch", "cronjob", "tick", "-p", '{"spec":{"suspend":false}}', namespace=namespace))
    wait_until(lambda: get(eks, namespace, "cronjob/tick")["status"]["lastScheduleTime"] == clock.to_minute(4))


@pytest.mark.parametrize("version", ["1.32", "1.34", ""], ids=["kubectl-1.32", "kubectl-1.34", "kubectl-1.37"])
def test_job_from_cronjob_is_owned_and_counts_as_a_success(eks, namespace, version):
    ok(eks.kubectl("apply", "-f", "-", input=cron_job("nightly", schedule="0 3 * * *"), namespace=namespace))
    ok(eks.kubectl("create", "job", "by-hand", "--from=cronjob/nightly", version=version, namespace=namespace))
    job = get(eks, namespace, "job/by-hand")
    assert job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert job["metadata"]["ownerReferences"][0]["name"] == "nightly"
    wait_until(lambda: finished(get(eks, namespace, "job/by-hand")))
    completed = get(eks, namespace, "job/by-hand")["status"]["completionTime"]
    assert wait_until(lambda: get(eks, namespace, "cronjob/nightly").get("status", {}).get(
        "lastSuccessfulTime")) == completed


def test_failed_jobs_history_limit(eks, namespace):
    from kubernetes import client

    ok(eks.kubectl("apply", "-f", "-", input=cron_job("nightly", schedule="0 3 * * *"), namespace=namespace))
    owner = get(eks, namespace, "cronjob/nightly")
    batch = client.BatchV1Api(eks.api_client())
    template = yaml.safe_load(cron_job("x"))["spec"]["jobTemplate"]["spec"]["template"]
    for name in ("failed-a", "failed-b"):
        batch.create_namespaced_job(namespace, {
            "metadata": {"name": name, "ownerReferences": [{
                "apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly", "uid": owner["metadata"]["uid"],
                "controller": True}]},
            "spec": {"suspend": True, "template": template}})
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        batch.patch_namespaced_job_status(name, namespace, {"status": {"conditions": [
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "lastTransitionTime": now}]}})
    assert wait_until(lambda: sorted(jobs(eks, namespace)) == ["failed-b"])
