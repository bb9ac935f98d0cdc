"""Jobs: pods up to parallelism until enough succeeded, then the Complete condition, with the events the job
controller reports (SuccessfulCreate per pod, Completed)."""

from __future__ import annotations

from ..objects import random_suffix, timestamp
from .context import JOBS, PODS, Context, condition, live
from .events import record
from .pod_templates import is_ready, new_pod, pods_of

CONTROLLER = "job-controller"


def reconcile(ctx: Context) -> None:
    all_pods = ctx.list(PODS, shared=True)
    for job in live(ctx.list(JOBS)):
        meta, spec = job["metadata"], job.get("spec") or {}
        status = dict(job.get("status") or {})
        if any(c.get("type") in ("Complete", "Failed") for c in status.get("conditions") or []) or spec.get("suspend"):
            continue
        pods = pods_of(job, all_pods)
        completions = spec.get("completions", 1)
        succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
        running = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        missing = min(spec.get("parallelism", 1), completions - succeeded) - len(running)
        for _ in range(max(0, missing)):
            pod = ctx.create(PODS, meta["namespace"], new_pod(job, spec.get("template"),
                                                              f"{meta['name']}-{random_suffix()}"))
            if pod:
                record(ctx, job, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}", CONTROLLER)
        status.setdefault("startTime", timestamp())
        status["active"] = len(running) + max(0, missing)
        status["ready"] = sum(1 for p in running if is_ready(p))
        status["terminating"] = 0
        status["uncountedTerminatedPods"] = {}
        if succeeded:
            status["succeeded"] = succeeded
        if succeeded >= completions:
            status["active"] = 0
            status["completionTime"] = timestamp()
            reached = "Reached expected number of succeeded pods"
            status["conditions"] = [condition("SuccessCriteriaMet", True, "CompletionsReached", reached, None),
                                    condition("Complete", True, "CompletionsReached", reached, None)]
            record(ctx, job, "Completed", "Job completed", CONTROLLER)
        ctx.set_status(JOBS, job, {k: v for k, v in status.items() if v != 0 or k == "ready"})
