"""Volumes: the EBS CSI provisioner (a PersistentVolume per claim, at once or once a pod uses it, as the
storage class's binding mode says) and the reclaim of released volumes."""

from __future__ import annotations

from ..admission import default_storage_class
from .context import PODS, PVCS, PVS, STORAGE_CLASSES, Context, live, short_hash


def reconcile(ctx: Context) -> None:
    pods = live(ctx.list(PODS, shared=True))
    claimed_by_pods = {(p["metadata"]["namespace"], (v.get("persistentVolumeClaim") or {}).get("claimName"))
                       for p in pods for v in (p.get("spec") or {}).get("volumes") or []}
    classes = {sc["metadata"]["name"]: sc for sc in ctx.list(STORAGE_CLASSES)}
    for pvc in live(ctx.list(PVCS)):
        meta, spec = pvc["metadata"], pvc.get("spec") or {}
        if (pvc.get("status") or {}).get("phase") == "Bound":
            continue
        sc = classes.get(spec.get("storageClassName") or default_storage_class(ctx.objects) or "")
        if sc is None:
            continue
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and \
                (meta["namespace"], meta["name"]) not in claimed_by_pods:
            continue
        _bind(ctx, pvc, sc)
    live_claims = {(c["metadata"]["namespace"], c["metadata"]["name"]) for c in ctx.list(PVCS)}
    for pv in live(ctx.list(PVS)):
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if ref and (ref.get("namespace"), ref.get("name")) not in live_claims and \
                (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete":
            ctx.delete(PVS, pv)


def _bind(ctx: Context, pvc, sc) -> None:
    meta, spec = pvc["metadata"], pvc["spec"]
    size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
    modes = spec.get("accessModes") or ["ReadWriteOnce"]
    pv_name = f"pvc-{meta['uid']}"
    if ctx.find(PVS, "", pv_name) is None:
        pv = ctx.create(PVS, "", {
            "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": sc["provisioner"]}},
            "spec": {"capacity": {"storage": size}, "accessModes": modes,
                     "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                     "storageClassName": sc["metadata"]["name"], "volumeMode": spec.get("volumeMode", "Filesystem"),
                     "claimRef": {"kind": "PersistentVolumeClaim", "namespace": meta["namespace"],
                                  "name": meta["name"], "uid": meta["uid"], "apiVersion": "v1"},
                     "awsElasticBlockStore": {"volumeID": f"vol-{short_hash(meta['uid'], 17)}", "fsType": "ext4"}}})
        if pv is not None:
            ctx.set_status(PVS, pv, {"phase": "Bound"})
    pvc["spec"]["volumeName"] = pv_name
    meta.setdefault("annotations", {})["pv.kubernetes.io/bind-completed"] = "yes"
    updated = ctx.update(PVCS, pvc)
    if updated is not None:
        ctx.set_status(PVCS, updated, {"phase": "Bound", "accessModes": modes, "capacity": {"storage": size}})
