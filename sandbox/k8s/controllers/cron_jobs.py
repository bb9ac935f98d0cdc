"""CronJobs: a Job at each time the schedule fires (on the emulator's clock, which tests move with
POST /_sandbox/clock), as the cronjob controller makes them — only the latest missed run, none while suspended
or past startingDeadlineSeconds, concurrencyPolicy Forbid/Replace — then the status (active jobs,
lastScheduleTime, lastSuccessfulTime) and the successful/failed history limits. Jobs made by hand from the
CronJob (`kubectl create job --from=cronjob/x`) are owned by it, so they count in its history too. It reports what
the cronjob controller reports: SuccessfulCreate, SawCompletedJob (an active job finished), SuccessfulDelete."""

from __future__ import annotations

from datetime import datetime, timezone

from .. import clock, cron, kinds
from .context import JOBS, Context, live, owned_by, owner_reference
from .events import record

CRON_JOBS = kinds.builtin_by_kind("batch", "CronJob")
SCHEDULED_AT = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CONTROLLER = "cronjob-controller"


def reconcile(ctx: Context) -> None:
    cron_jobs = live(ctx.list(CRON_JOBS))
    if not cron_jobs:
        return
    all_jobs = ctx.list(JOBS)
    now = datetime.fromtimestamp(clock.now(), timezone.utc)
    for cron_job in cron_jobs:
        jobs = owned_by(all_jobs, cron_job)
        status = dict(cron_job.get("status") or {})
        was_active = {reference["uid"] for reference in status.get("active") or []}
        for job in jobs:
            if job["metadata"]["uid"] in was_active and _finished(job):
                record(ctx, cron_job, "SawCompletedJob",
                       f"Saw completed job: {job['metadata']['name']}, status: {_finished(job)}", CONTROLLER)
        scheduled = _due(cron_job, status, now)
        if scheduled is not None and _may_start(ctx, cron_job, jobs):
            job = _start(ctx, cron_job, scheduled)
            status["lastScheduleTime"] = scheduled.strftime(_TIME_FORMAT)
            if job is not None:
                jobs.append(job)
                record(ctx, cron_job, "SuccessfulCreate", f"Created job {job['metadata']['name']}", CONTROLLER)
        running = [j for j in live(jobs) if _finished(j) is None]
        succeeded = [j for j in jobs if _finished(j) == "Complete"]
        finish_times = [(j.get("status") or {}).get("completionTime") for j in succeeded]
        if any(finish_times):
            status["lastSuccessfulTime"] = max(t for t in finish_times if t)
        status["active"] = [{"kind": "Job", "namespace": j["metadata"]["namespace"], "name": j["metadata"]["name"],
                             "uid": j["metadata"]["uid"], "apiVersion": "batch/v1",
                             "resourceVersion": j["metadata"]["resourceVersion"]} for j in running]
        if not status["active"]:
            status.pop("active")
        ctx.set_status(CRON_JOBS, cron_job, status)
        spec = cron_job.get("spec") or {}
        _prune(ctx, cron_job, succeeded, spec.get("successfulJobsHistoryLimit", 3))
        _prune(ctx, cron_job, [j for j in jobs if _finished(j) == "Failed"], spec.get("failedJobsHistoryLimit", 1))


def _due(cron_job: dict, status: dict, now: datetime) -> datetime | None:
    """The time a run is due for (the latest the schedule passed since the last one), or None."""
    spec = cron_job.get("spec") or {}
    if spec.get("suspend"):
        return None
    since = _parse_time(status.get("lastScheduleTime") or cron_job["metadata"]["creationTimestamp"])
    scheduled = cron.parse(spec.get("schedule", "")).latest(since, now, spec.get("timeZone"))
    deadline = spec.get("startingDeadlineSeconds")
    if scheduled is None or (deadline is not None and (now - scheduled).total_seconds() > deadline):
        return None
    return scheduled


def _may_start(ctx: Context, cron_job: dict, jobs: list[dict]) -> bool:
    """concurrencyPolicy: Forbid waits for the running jobs (the run stays due), Replace deletes them."""
    running = [j for j in live(jobs) if _finished(j) is None]
    policy = (cron_job.get("spec") or {}).get("concurrencyPolicy", "Allow")
    if running and policy == "Forbid":
        return False
    if policy == "Replace":
        for job in running:
            _delete_job(ctx, cron_job, job)
    return True


def _start(ctx: Context, cron_job: dict, scheduled: datetime) -> dict | None:
    spec, meta = cron_job.get("spec") or {}, cron_job["metadata"]
    template = spec.get("jobTemplate") or {}
    template_meta = template.get("metadata") or {}
    name = f"{meta['name']}-{int(scheduled.timestamp() // 60)}"
    return ctx.create(JOBS, meta["namespace"], {
        "metadata": {"name": name, "labels": dict(template_meta.get("labels") or {}),
                     "annotations": {**(template_meta.get("annotations") or {}),
                                     SCHEDULED_AT: scheduled.strftime(_TIME_FORMAT)},
                     "ownerReferences": [owner_reference(cron_job)]},
        "spec": template.get("spec") or {}})


def _finished(job: dict) -> str | None:
    """"Complete" or "Failed" once the job is done, else None."""
    for found in (job.get("status") or {}).get("conditions") or []:
        if found.get("type") in ("Complete", "Failed") and found.get("status") == "True":
            return found["type"]
    return None


def _prune(ctx: Context, cron_job: dict, finished: list[dict], keep: int) -> None:
    """Delete the oldest finished jobs beyond the history limit (and their pods with them)."""
    newest_first = sorted(live(finished), key=_scheduled_at, reverse=True)
    for job in newest_first[keep:]:
        _delete_job(ctx, cron_job, job)


def _delete_job(ctx: Context, cron_job: dict, job: dict) -> None:
    if ctx.delete(JOBS, job, {"propagationPolicy": "Background"}):
        record(ctx, cron_job, "SuccessfulDelete", f"Deleted job {job['metadata']['name']}", CONTROLLER)


def _scheduled_at(job: dict) -> tuple[str, str]:
    meta = job["metadata"]
    return (meta.get("annotations") or {}).get(SCHEDULED_AT) or meta["creationTimestamp"], meta["name"]


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=timezone.utc)
