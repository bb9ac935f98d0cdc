"""What a new EKS cluster holds before anyone writes to it: the system namespaces, the gp2 default storage
class and the `kubernetes` service (made once, when the emulator first serves the cluster)."""

from __future__ import annotations

from .context import NAMESPACES, SERVICES, STORAGE_CLASSES, Context

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def bootstrap(ctx: Context) -> None:
    for name in SYSTEM_NAMESPACES:
        if ctx.find(NAMESPACES, "", name) is None:
            ctx.create(NAMESPACES, "", {"metadata": {"name": name}})
    if not ctx.list(STORAGE_CLASSES):
        ctx.create(STORAGE_CLASSES, "", {
            "metadata": {"name": "gp2", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "kubernetes.io/aws-ebs", "parameters": {"type": "gp2", "fsType": "ext4"},
            "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"})
    if ctx.find(SERVICES, "default", "kubernetes") is None:
        ctx.create(SERVICES, "default", {
            "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.100.0.1",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]}})
