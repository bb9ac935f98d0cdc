"""StatefulSets: pods <name>-0..N-1 with their volume claims, replaced when the template changes."""

from __future__ import annotations

from .context import PODS, PVCS, STATEFUL_SETS, Context, live, short_hash
from .pod_templates import is_ready, new_pod, pods_of


def reconcile(ctx: Context) -> None:
    all_pods = ctx.list(PODS)
    for sts in live(ctx.list(STATEFUL_SETS)):
        meta, spec = sts["metadata"], sts.get("spec") or {}
        revision = f"{meta['name']}-{short_hash(spec.get('template') or {})}"
        wanted = spec.get("replicas", 1)
        pods = {p["metadata"]["name"]: p for p in pods_of(sts, all_pods)}
        for index in range(wanted):
            name = f"{meta['name']}-{index}"
            pod = pods.get(name)
            if pod and (pod["metadata"].get("labels") or {}).get("controller-revision-hash") != revision:
                ctx.delete(PODS, pod)
                pods.pop(name)
                continue
            if pod is None:
                ctx.create(PODS, meta["namespace"], _pod(ctx, sts, name, index, revision))
        for name, pod in pods.items():
            if int(name.rsplit("-", 1)[-1]) >= wanted:
                ctx.delete(PODS, pod)
        current = [p for n, p in pods.items() if int(n.rsplit("-", 1)[-1]) < wanted]
        ready = sum(1 for p in current if is_ready(p))
        status = {"observedGeneration": meta.get("generation", 1), "replicas": len(current),
                  "readyReplicas": ready, "currentReplicas": len(current), "updatedReplicas": len(current),
                  "availableReplicas": ready, "currentRevision": revision, "updateRevision": revision,
                  "collisionCount": 0}
        ctx.set_status(STATEFUL_SETS, sts, status)


def _pod(ctx: Context, sts, name, index, revision) -> dict:
    meta, spec = sts["metadata"], sts.get("spec") or {}
    volumes = []
    for claim in spec.get("volumeClaimTemplates") or []:
        claim_name = f"{claim['metadata']['name']}-{name}"
        if ctx.find(PVCS, meta["namespace"], claim_name) is None:
            ctx.create(PVCS, meta["namespace"], {
                "metadata": {"name": claim_name, "labels": (spec.get("selector") or {}).get("matchLabels") or {}},
                "spec": claim.get("spec") or {}})
        volumes.append({"name": claim["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name}})
    pod = new_pod(sts, spec.get("template"), name, {
        "controller-revision-hash": revision, "statefulset.kubernetes.io/pod-name": name,
        "apps.kubernetes.io/pod-index": str(index)}, volumes=volumes)
    pod["spec"]["hostname"] = name
    pod["spec"]["subdomain"] = spec.get("serviceName", "")
    return pod
