"""Nodes: one per instance of each EKS nodegroup's desired size, Ready at once (the kubelet's report), with an
address in one of the nodegroup's subnets (spread over them in turn) and named after it as EC2 names instances;
capacity and allocatable from the instance type, the nodegroup's labels and taints. A shrinking group loses the
nodes the cluster autoscaler marked first, then its newest. A cordoned node (spec.unschedulable) gets the
unschedulable taint, as the node lifecycle controller adds it."""

from __future__ import annotations

import hashlib
import ipaddress

from .. import instance_types
from .context import KUBELET, NODES, Context, condition, live, short_hash

UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"  # the cluster autoscaler's mark on a node it removes
NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}
_FALLBACK_SUBNET = "10.0.0.0/16"  # for a nodegroup whose subnets EKS did not tell (not seen from the AWS sandbox)
_FIRST_HOST = 10  # AWS reserves the first addresses of a subnet; nodes start here, pods take the upper half


def reconcile(ctx: Context) -> None:
    existing = {n["metadata"]["name"]: n for n in ctx.list(NODES)}
    groups = {group.name: group for group in ctx.info.nodegroups}
    for index, group in enumerate(ctx.info.nodegroups):
        members = [n for n in existing.values() if _group_of(n) == group.name and not n["metadata"].get(
            "deletionTimestamp")]
        for node in _leaving(members, group.desired_size):
            ctx.delete(NODES, node)
        missing = group.desired_size - len(members)
        for name, address, zone in _free_slots(ctx.info.region, index, group, set(existing)):
            if missing <= 0:
                break
            node = _node(ctx.info, name, group, address, zone)
            created = ctx.create(NODES, "", node)
            if created is not None:
                ctx.set_status(NODES, created, node["status"], KUBELET)
                missing -= 1
    for node in existing.values():
        group_name = _group_of(node)
        if group_name and group_name not in groups:
            ctx.delete(NODES, node)
        elif not node["metadata"].get("deletionTimestamp"):
            _taint_if_cordoned(ctx, node)


def _group_of(node: dict) -> str | None:
    return (node["metadata"].get("labels") or {}).get(NODEGROUP_LABEL)


def _leaving(members: list[dict], desired: int) -> list[dict]:
    """The nodes a shrinking group loses: those the cluster autoscaler marked for deletion first (it terminates
    that very instance), then the last ones added."""
    ordered = sorted(members, key=lambda n: (not _marked_for_deletion(n), n["metadata"]["creationTimestamp"],
                                             n["metadata"]["name"]))
    return ordered[:max(0, len(members) - desired)]


def _marked_for_deletion(node: dict) -> bool:
    return any(t.get("key") == TO_BE_DELETED_TAINT for t in (node.get("spec") or {}).get("taints") or [])


def _free_slots(region: str, index: int, group, taken: set[str]):
    """(name, address, zone) for the group's next instances, spread over its subnets in turn; names in use are
    skipped."""
    subnets = group.subnets or ()
    for n in range(group.desired_size + len(taken) + 1):
        subnet = subnets[n % len(subnets)] if subnets else None
        network = ipaddress.ip_network(subnet.cidr if subnet else _FALLBACK_SUBNET)
        # Nodegroups sharing subnets get separate runs of addresses.
        room = max(1, network.num_addresses // 2 - _FIRST_HOST)
        host = _FIRST_HOST + (index * 16 + n // max(1, len(subnets))) % room
        address = str(network.network_address + host)
        name = f"ip-{address.replace('.', '-')}.{region}.compute.internal"
        if name not in taken:
            yield name, address, subnet.zone if subnet else None


def _taint_if_cordoned(ctx: Context, node: dict) -> None:
    spec = node.setdefault("spec", {})
    taints = [t for t in spec.get("taints") or [] if t.get("key") != UNSCHEDULABLE_TAINT["key"]]
    if spec.get("unschedulable"):
        taints.append(dict(UNSCHEDULABLE_TAINT))
    if taints != (spec.get("taints") or []):
        if taints:
            spec["taints"] = taints
        else:
            spec.pop("taints", None)
        ctx.update(NODES, node)


def ready_nodes(ctx: Context, cordoned: bool = False) -> list[str]:
    """Names of the nodes pods may go to; with `cordoned`, unschedulable ones too (DaemonSet pods tolerate it)."""
    return sorted(n["metadata"]["name"] for n in live(ctx.list(NODES))
                  if cordoned or not (n.get("spec") or {}).get("unschedulable"))


def internal_ips(ctx: Context) -> dict[str, str]:
    """Node name -> its InternalIP."""
    return {n["metadata"]["name"]: a["address"] for n in ctx.list(NODES)
            for a in (n.get("status") or {}).get("addresses") or [] if a.get("type") == "InternalIP"}


def pod_ip(ctx: Context, host_ip: str, pod_uid: str, used: set[str]) -> str:
    """An address for a pod in its node's subnet (the VPC CNI's secondary IPs), not in `used`."""
    network = next((ipaddress.ip_network(s.cidr) for g in ctx.info.nodegroups for s in g.subnets
                    if ipaddress.ip_address(host_ip) in ipaddress.ip_network(s.cidr)),
                   ipaddress.ip_network(_FALLBACK_SUBNET))
    half = network.num_addresses // 2
    start = int(hashlib.sha256(pod_uid.encode()).hexdigest(), 16) % (half - 2)
    for step in range(half - 2):
        address = str(network.network_address + half + (start + step) % (half - 2))
        if address not in used:
            return address
    return str(network.network_address + half + start)  # the subnet is full: share rather than fail


def group_labels(group, machine) -> dict[str, str]:
    """The labels every node of the nodegroup carries: its own, then the ones EKS and the kubelet set."""
    return {**dict(group.labels), "kubernetes.io/os": "linux", "kubernetes.io/arch": machine.arch,
            "beta.kubernetes.io/instance-type": group.instance_type, NODEGROUP_LABEL: group.name,
            "eks.amazonaws.com/capacityType": group.capacity_type,
            "node.kubernetes.io/instance-type": group.instance_type}


def group_taints(group) -> list[dict]:
    """The nodegroup's taints as Kubernetes writes them."""
    return [{"key": key, **({"value": value} if value else {}), "effect": _EFFECTS.get(effect, effect)}
            for key, value, effect in group.taints]


def _node(info, name: str, group, address: str, zone: str | None) -> dict:
    digest = hashlib.sha256(name.encode()).hexdigest()  # stable ids for the instance (the python client needs them)
    zone = zone or f"{info.region}{'abc'[int(digest, 16) % 3]}"
    machine = instance_types.shape(group.instance_type)
    spec = {"providerID": f"aws:///{zone}/i-{short_hash(name, 17)}"}
    if group.taints:
        spec["taints"] = group_taints(group)
    return {
        "metadata": {"name": name, "labels": {
            **group_labels(group, machine), "kubernetes.io/hostname": name,
            "topology.kubernetes.io/region": info.region, "topology.kubernetes.io/zone": zone}},
        "spec": spec,
        "status": {
            "capacity": machine.capacity(), "allocatable": machine.allocatable(),
            "conditions": [condition("Ready", True, "KubeletReady", "kubelet is posting ready status", None)],
            "addresses": [{"type": "InternalIP", "address": address},
                          {"type": "Hostname", "address": name},
                          {"type": "InternalDNS", "address": name}],
            "nodeInfo": {"machineID": digest[:32], "systemUUID": f"ec2{digest[3:8]}-{digest[8:12]}-{digest[12:16]}-"
                                                                 f"{digest[16:20]}-{digest[20:32]}",
                         "bootID": f"{digest[32:40]}-{digest[40:44]}-{digest[44:48]}-{digest[48:52]}-{digest[52:64]}",
                         "kubeletVersion": f"v{info.version}.0-eks", "operatingSystem": "linux",
                         "architecture": machine.arch, "containerRuntimeVersion": "containerd://1.7.0",
                         "osImage": "Amazon Linux 2023", "kernelVersion": "6.1.0",
                         "kubeProxyVersion": f"v{info.version}.0-eks"}},
    }
