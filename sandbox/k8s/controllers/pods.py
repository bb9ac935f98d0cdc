"""Pods: the scheduler (each pending pod to the node with the most room among those its requests, node selector,
affinity and tolerations allow; FailedScheduling with the scheduler's reasons when none does), the pod garbage
collector (pods of a controller bound to a node that is gone are deleted, so the controller replaces them) and
the kubelet (Running and Ready once their volumes are bound; pods of jobs and restartPolicy Never pods then
succeed), with the events they report. An image of the sandbox's ECR whose tag (or digest) is not in its
repository is not pulled: the pod waits in ImagePullBackOff, retried every PULL_RETRY seconds, and starts once
the image is there."""

from __future__ import annotations

from ..objects import timestamp
from .context import KUBELET, NODES, PODS, PVCS, Context, condition, live, short_hash
from .events import record
from .image_pulls import PULL_BACK_OFF, pull_error
from .nodes import internal_ips, pod_ip
from .placement import choose, pod_requests, rooms_of, unschedulable_message

SCHEDULER = "default-scheduler"
NAME = "pods"
PULL_RETRY = PULL_BACK_OFF  # seconds between two pull attempts of a pod in ImagePullBackOff


def reconcile(ctx: Context) -> None:
    node_objects = live(ctx.list(NODES))
    pods = live(ctx.list(PODS))
    rooms = rooms_of(node_objects, pods)
    addresses = internal_ips(ctx)
    used = {(p.get("status") or {}).get("podIP") for p in pods}
    for pod in _orphans(ctx, node_objects, pods):  # the pod GC: pods bound to a node that is gone
        ctx.delete(PODS, pod)
    for pod in sorted(pods, key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"])):
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        phase = status.get("phase", "Pending")
        if not spec.get("nodeName"):
            _schedule(ctx, pod, list(rooms.values()))
            continue
        if phase == "Pending" and _volumes_bound(ctx, pod):
            failures = _pull_failures(ctx, pod)
            if failures:
                ctx.wake_in(PULL_RETRY)
                backing_off = ctx.set_status(PODS, pod, _back_off_status(pod, failures), KUBELET)
                if backing_off:
                    _report_pull_failures(ctx, backing_off, failures)
                continue
            host_ip = addresses.get(spec["nodeName"], "")
            address = host_ip if spec.get("hostNetwork") or not host_ip else \
                pod_ip(ctx, host_ip, pod["metadata"]["uid"], used)
            used.add(address)
            running = ctx.set_status(PODS, pod, _running_status(pod, host_ip, address), KUBELET)
            if running:
                _report_started(ctx, running)
        elif phase == "Running" and _runs_to_completion(pod):
            ctx.set_status(PODS, pod, _succeeded_status(pod), KUBELET)


def _orphans(ctx: Context, nodes: list[dict], pods: list[dict]) -> list[dict]:
    """Pods of a controller bound to a node that existed and is gone (a pod bound by hand to a name no node ever
    had just stays Pending, rather than being replaced by its controller pass after pass)."""
    names = {n["metadata"]["name"] for n in nodes}
    seen = ctx.remembered(NAME).setdefault("nodes", set())
    seen |= names
    return [p for p in pods if (p.get("spec") or {}).get("nodeName") in seen - names
            and any(r.get("kind") for r in p["metadata"].get("ownerReferences") or [])]


def _schedule(ctx: Context, pod: dict, rooms: list) -> None:
    """Bind the pod to the node with the most room that can take it, or report why none can (once per change)."""
    requests = pod_requests(pod)
    room, reasons = choose(rooms, pod, requests)
    if room is not None:
        pod["spec"]["nodeName"] = room.name
        scheduled = ctx.update(PODS, pod)
        if scheduled:
            room.add(requests)
            meta = scheduled["metadata"]
            record(ctx, scheduled, "Scheduled", f"Successfully assigned {meta['namespace']}/{meta['name']} to "
                                                f"{room.name}", SCHEDULER)
        return
    status = pod.get("status") or {}
    message = unschedulable_message(len(rooms), reasons)
    previous = next((c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), {})
    if previous.get("message") == message:
        return
    made = condition("PodScheduled", False, "Unschedulable", message, None)
    made.pop("lastUpdateTime")
    made["lastProbeTime"] = None
    pending = ctx.set_status(PODS, pod, {**status, "phase": "Pending", "conditions": [made]})
    if pending:
        record(ctx, pending, "FailedScheduling", message, SCHEDULER, type_="Warning")


def _report_started(ctx: Context, pod: dict) -> None:
    """The kubelet's events for each container it started (the image "pulled" at once: nothing is downloaded)."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        name, image = container.get("name"), container.get("image")
        for reason, message in (("Pulling", f'Pulling image "{image}"'),
                                ("Pulled", f'Successfully pulled image "{image}" in 0s (0s including waiting)'),
                                ("Created", f"Created container: {name}"), ("Started", f"Started container {name}")):
            record(ctx, pod, reason, message, "kubelet", host=pod["spec"]["nodeName"],
                   field_path=f"spec.containers{{{name}}}")


def _pull_failures(ctx: Context, pod) -> dict[str, str]:
    """{container name: why its image cannot be pulled} (images of the sandbox's ECR that are not there)."""
    failures = {}
    for container in (pod.get("spec") or {}).get("containers") or []:
        error = pull_error(ctx, container.get("image") or "")
        if error:
            failures[container.get("name")] = error
    return failures


def _back_off_status(pod, failures: dict[str, str]) -> dict:
    status = dict(pod.get("status") or {})
    waiting = [c["name"] for c in pod["spec"]["containers"] if c.get("name") in failures]
    not_ready = f"containers with unready status: [{' '.join(waiting)}]"
    conditions = [condition("PodScheduled", True, "", "", status.get("conditions")),
                  condition("Initialized", True, "", "", status.get("conditions")),
                  condition("Ready", False, "ContainersNotReady", not_ready, status.get("conditions")),
                  condition("ContainersReady", False, "ContainersNotReady", not_ready, status.get("conditions"))]
    for c in conditions:
        c.pop("lastUpdateTime")
    status.update(phase="Pending", conditions=conditions, containerStatuses=[{
        "name": c.get("name"), "image": c.get("image"), "imageID": "", "ready": False, "started": False,
        "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff",
                                                 "message": f'Back-off pulling image "{c.get("image")}": '
                                                            f'ErrImagePull: {failures[c["name"]]}'}}
        if c.get("name") in failures else {"waiting": {"reason": "PodInitializing"}},
    } for c in pod["spec"]["containers"]])
    return status


def _report_pull_failures(ctx: Context, pod: dict, failures: dict[str, str]) -> None:
    for container in pod["spec"]["containers"]:
        name, image = container.get("name"), container.get("image")
        if name not in failures:
            continue
        for reason, message, kind in (("Pulling", f'Pulling image "{image}"', "Normal"),
                                      ("Failed", f'Failed to pull image "{image}": {failures[name]}', "Warning"),
                                      ("Failed", "Error: ErrImagePull", "Warning"),
                                      ("BackOff", f'Back-off pulling image "{image}"', "Normal"),
                                      ("Failed", "Error: ImagePullBackOff", "Warning")):
            record(ctx, pod, reason, message, "kubelet", host=pod["spec"]["nodeName"],
                   field_path=f"spec.containers{{{name}}}", type_=kind)


def _volumes_bound(ctx: Context, pod) -> bool:
    namespace = pod["metadata"]["namespace"]
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim:
            pvc = ctx.find(PVCS, namespace, claim)
            if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
                return False
    return True


def _runs_to_completion(pod) -> bool:
    return any(r.get("kind") == "Job" for r in pod["metadata"].get("ownerReferences") or []) or \
        (pod.get("spec") or {}).get("restartPolicy") == "Never"


def _running_status(pod, host_ip: str, address: str) -> dict:
    now = timestamp()
    conditions = [condition(t, True, "", "", None) for t in
                  ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    for c in conditions:
        c.pop("lastUpdateTime")
        c.pop("reason")
        c.pop("message")
    return {
        "phase": "Running", "conditions": conditions, "startTime": now, "qosClass": "BestEffort",
        "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": address, "podIPs": [{"ip": address}],
        "containerStatuses": [{
            "name": c.get("name"), "image": c.get("image"), "imageID": f"{c.get('image')}@sha256:{'0' * 64}",
            "containerID": f"containerd://{short_hash(pod['metadata']['uid'] + str(c.get('name')), 32)}",
            "ready": True, "started": True, "restartCount": 0, "state": {"running": {"startedAt": now}},
        } for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)],
    }


def _succeeded_status(pod) -> dict:
    status = dict(pod.get("status") or {})
    now = timestamp()
    status["phase"] = "Succeeded"
    status["conditions"] = [dict(c, status="False", reason="PodCompleted") if c["type"] in ("Ready", "ContainersReady")
                            else c for c in status.get("conditions") or []]
    status["containerStatuses"] = [dict(cs, ready=False, started=False, state={"terminated": {
        "exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}})
        for cs in status.get("containerStatuses") or []]
    return status
