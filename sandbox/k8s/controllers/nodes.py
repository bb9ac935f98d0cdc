"""Nodes: one per instance of each EKS nodegroup's desired size, Ready at once (the kubelet's report)."""

from __future__ import annotations

from .context import KUBELET, NODES, Context, condition, live, short_hash


def reconcile(ctx: Context) -> None:
    wanted = {}
    for index, group in enumerate(ctx.info.nodegroups):
        for n in range(group.desired_size):
            name = f"ip-10-0-{10 + index}-{10 + n}.{ctx.info.region}.compute.internal"
            wanted[name] = group
    existing = {n["metadata"]["name"]: n for n in ctx.list(NODES)}
    for name, group in wanted.items():
        if name not in existing:
            node = _node(ctx.info, name, group)
            created = ctx.create(NODES, "", node)
            if created is not None:
                ctx.set_status(NODES, created, node["status"], KUBELET)
    for name, node in existing.items():
        if name not in wanted and (node["metadata"].get("labels") or {}).get("eks.amazonaws.com/nodegroup"):
            ctx.delete(NODES, node)


def ready_nodes(ctx: Context) -> list[str]:
    return sorted(n["metadata"]["name"] for n in live(ctx.list(NODES))
                  if not (n.get("spec") or {}).get("unschedulable"))


def node_ip(node_name: str) -> str:
    # ip-10-0-10-11.<region>.compute.internal -> 10.0.10.11
    return node_name.split(".")[0].removeprefix("ip-").replace("-", ".")


def _node(info, name: str, group) -> dict:
    zone = f"{info.region}{'abc'[hash(name) % 3]}"
    capacity = {"cpu": "2", "memory": "8023132Ki", "pods": "110", "ephemeral-storage": "20959212Ki"}
    return {
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "eks.amazonaws.com/nodegroup": group.name, "node.kubernetes.io/instance-type": group.instance_type,
            "topology.kubernetes.io/region": info.region, "topology.kubernetes.io/zone": zone}},
        "spec": {"providerID": f"aws:///{zone}/i-{short_hash(name, 17)}"},
        "status": {
            "capacity": capacity, "allocatable": capacity,
            "conditions": [condition("Ready", True, "KubeletReady", "kubelet is posting ready status", None)],
            "addresses": [{"type": "InternalIP", "address": node_ip(name)},
                          {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": f"v{info.version}.0-eks", "operatingSystem": "linux",
                         "architecture": "amd64", "containerRuntimeVersion": "containerd://1.7.0",
                         "osImage": "Amazon Linux 2023", "kernelVersion": "6.1.0",
                         "kubeProxyVersion": f"v{info.version}.0-eks"}},
    }
