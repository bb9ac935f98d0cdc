"""cluster-autoscaler (the autoscaler chart, AWS provider), simulated while its Deployment is installed and ready.

Like the real one it reads its flags from its container's command line: the node groups it manages
(`--node-group-auto-discovery=asg:tag=<key>[=<value>],...`, `--nodes=<min>:<max>:<asg name>`), `--scan-interval`,
`--scale-down-enabled`, `--scale-down-delay-after-add`, `--scale-down-delay-after-delete`,
`--scale-down-unneeded-time`, `--scale-down-utilization-threshold`, `--new-pod-scale-up-delay`,
`--max-node-provision-time`, `--skip-nodes-with-system-pods`, `--skip-nodes-with-local-storage`. Every scan:

- **scale up**: pods the scheduler left Unschedulable that would fit on a new node of a managed group (its
  instance type's allocatable, its labels and taints) raise that group's desired size, within its maximum, by
  as many nodes as they need (the group that helps the most pods, then the fewest nodes, then by name); the pods
  get TriggeredScaleUp (or NotTriggerScaleUp) events. Nodes still coming count as room, until
  --max-node-provision-time.
- **scale down**: a node of a managed group whose requests are below the utilization threshold and whose pods
  could all move to other nodes is unneeded; once unneeded for --scale-down-unneeded-time (and not within
  --scale-down-delay-after-add of a scale-up), it is tainted ToBeDeletedByClusterAutoscaler, its pods are
  evicted and its group's desired size goes one down, never below the minimum. One node per scan. Unneeded
  nodes carry the DeletionCandidateOfClusterAutoscaler PreferNoSchedule taint meanwhile.

The real autoscaler sets the desired capacity of the group's Auto Scaling group, which EKS shows as the nodegroup's
desiredSize. The sandbox's managed nodegroups have no Auto Scaling group of their own, so the same number is
changed through EKS's UpdateNodegroupConfig; discovery matches the tags EKS puts on a managed nodegroup's Auto
Scaling group (`k8s.io/cluster-autoscaler/enabled`, `k8s.io/cluster-autoscaler/<cluster>`, ...).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime

from .. import clock, instance_types
from .context import DEPLOYMENTS, NODES, PODS, Context, live
from .custom_resources import gate_open
from .events import record
from .flags import boolean, container_flags, duration
from .nodes import NODEGROUP_LABEL, TO_BE_DELETED_TAINT, group_labels, group_taints
from .placement import NodeRoom, choose, is_daemon_pod, occupies_node, pod_requests, rooms_of
from .stages import Gate

log = logging.getLogger(__name__)

NAME = "cluster-autoscaler"
COMPONENT = "cluster-autoscaler"
IMAGE = "/autoscaling/cluster-autoscaler"  # registry.k8s.io/autoscaling/cluster-autoscaler:<version>
DELETION_CANDIDATE_TAINT = "DeletionCandidateOfClusterAutoscaler"
SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict"
SCALE_DOWN_DISABLED = "cluster-autoscaler.kubernetes.io/scale-down-disabled"


@dataclass
class Settings:
    """The flags the simulation honours, with the real autoscaler's defaults."""

    discovery: list[dict[str, str | None]] = field(default_factory=list)  # tag key -> wanted value (None: any)
    static: dict[str, tuple[int, int]] = field(default_factory=dict)  # --nodes: ASG name -> (min, max)
    scan_interval: float = 10.0
    scale_down_enabled: bool = True
    delay_after_add: float = 600.0
    delay_after_delete: float | None = None  # default: the scan interval
    unneeded_time: float = 600.0
    utilization_threshold: float = 0.5
    new_pod_delay: float = 0.0
    provision_time: float = 900.0
    skip_system_pods: bool = True
    skip_local_storage: bool = True

    @classmethod
    def of(cls, container: dict) -> Settings:
        settings = cls()
        timings = {"scan-interval": "scan_interval", "scale-down-delay-after-add": "delay_after_add",
                   "scale-down-delay-after-delete": "delay_after_delete",
                   "scale-down-unneeded-time": "unneeded_time", "new-pod-scale-up-delay": "new_pod_delay",
                   "max-node-provision-time": "provision_time"}
        switches = {"scale-down-enabled": "scale_down_enabled", "skip-nodes-with-system-pods": "skip_system_pods",
                    "skip-nodes-with-local-storage": "skip_local_storage"}
        for name, value in container_flags(container):
            try:
                if name in timings and value is not None:
                    setattr(settings, timings[name], duration(value))
                elif name in switches:
                    setattr(settings, switches[name], boolean(value))
                elif name == "scale-down-utilization-threshold" and value is not None:
                    settings.utilization_threshold = float(value)
                elif name == "node-group-auto-discovery" and value and value.startswith("asg:tag="):
                    settings.discovery.append({k: v if sep else None for k, sep, v in
                                               (tag.partition("=") for tag in value[8:].split(",") if tag)})
                elif name == "nodes" and value:
                    low, high, group = value.split(":", 2)
                    settings.static[group] = (int(low), int(high))
            except ValueError:  # the real binary would not start; the simulation keeps the default
                log.warning("cluster-autoscaler flag --%s=%s is not valid", name, value)
        if settings.delay_after_delete is None:
            settings.delay_after_delete = settings.scan_interval
        return settings


@dataclass
class Group:
    """A node group the autoscaler manages: the EKS nodegroup and the bounds it may move within."""

    nodegroup: object  # clusters.Nodegroup
    low: int
    high: int
    target: int  # the desired size, as the autoscaler last set it or EKS reports it

    @property
    def name(self) -> str:
        return self.nodegroup.auto_scaling_group or self.nodegroup.name

    def template(self) -> NodeRoom:
        """An empty node of the group, as the autoscaler pictures one it would add."""
        machine = instance_types.shape(self.nodegroup.instance_type)
        return NodeRoom.of({"metadata": {"name": f"template-{self.name}",
                                         "labels": group_labels(self.nodegroup, machine)},
                            "spec": {"taints": group_taints(self.nodegroup)},
                            "status": {"allocatable": machine.allocatable()}})


def asg_tags(cluster: str, nodegroup) -> dict[str, str]:
    """The tags EKS puts on the Auto Scaling group of a managed nodegroup."""
    return {"eks:cluster-name": cluster, "eks:nodegroup-name": nodegroup.name,
            "k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster}": "owned",
            f"kubernetes.io/cluster/{cluster}": "owned"}


def reconcile(ctx: Context) -> None:
    memory = ctx.remembered(NAME)
    container = _running_autoscaler(ctx)
    if container is None:
        memory.clear()
        return
    settings = Settings.of(container)
    now = clock.now()
    due = memory.get("next_scan", 0.0)
    if now < due <= now + settings.scan_interval:  # (a clock set back does not stop the scans)
        ctx.wake_in(due - now)
        return
    memory["next_scan"] = now + settings.scan_interval
    ctx.wake_in(settings.scan_interval)
    groups = _managed_groups(ctx, settings, memory, now)
    if not groups:
        return
    nodes, pods = live(ctx.list(NODES)), live(ctx.list(PODS))
    if _scale_up(ctx, settings, memory, groups, nodes, pods, now):
        memory["last_scale_up"] = now
        return
    if settings.scale_down_enabled:
        # Unneeded nodes are tracked all along; removing one waits out the delays after a scale-up or -down.
        cooling = now - memory.get("last_scale_up", float("-inf")) < settings.delay_after_add or \
            now - memory.get("last_scale_down", float("-inf")) < settings.delay_after_delete
        if _scale_down(ctx, settings, memory, groups, nodes, pods, now, cooling):
            memory["last_scale_down"] = now


def _running_autoscaler(ctx: Context) -> dict | None:
    """The autoscaler's container, if its Deployment is installed and ready."""
    for deployment in live(ctx.list(DEPLOYMENTS)):
        containers = (((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
        container = next((c for c in containers if IMAGE in str(c.get("image", ""))), None)
        labels = deployment["metadata"].get("labels") or {}
        if container is not None and labels and gate_open(ctx, Gate("Deployment", labels,
                                                                   deployment["metadata"]["namespace"])):
            return container
    return None


def _managed_groups(ctx: Context, settings: Settings, memory: dict, now: float) -> list[Group]:
    targets = memory.setdefault("targets", {})  # group -> (desired size set, when)
    groups = []
    for nodegroup in ctx.info.nodegroups:
        tags = asg_tags(ctx.info.name, nodegroup)
        static = settings.static.get(nodegroup.auto_scaling_group) or settings.static.get(nodegroup.name)
        discovered = any(all(k in tags and (v is None or tags[k] == v) for k, v in wanted.items())
                         for wanted in settings.discovery)
        if not (static or discovered):
            continue
        low, high = static or (nodegroup.min_size, nodegroup.max_size)
        target = nodegroup.desired_size
        asked = targets.get(nodegroup.name)
        if asked and asked[0] != target and now - asked[1] < settings.provision_time:
            target = asked[0]  # EKS has not applied it yet
        groups.append(Group(nodegroup, max(low, nodegroup.min_size), min(high, nodegroup.max_size), target))
    return groups


def _scale_up(ctx: Context, settings: Settings, memory: dict, groups: list[Group], nodes: list[dict],
              pods: list[dict], now: float) -> bool:
    pending = [p for p in pods if _unschedulable(p) and now - _created(p) >= settings.new_pod_delay]
    if not pending:
        return False
    rooms = list(rooms_of(nodes, pods).values())
    by_group = {}
    for node in nodes:
        by_group.setdefault((node["metadata"].get("labels") or {}).get(NODEGROUP_LABEL), []).append(node)
    # Nodes asked for but not registered yet take pods first: the scheduler will place those there.
    for group in groups:
        rooms += [group.template() for _ in range(max(0, group.target - len(by_group.get(group.nodegroup.name, []))))]
    still = [p for p in pending if not _place(rooms, p)]
    if not still:
        return False
    options = []
    for group in groups:
        added: list[NodeRoom] = []
        helped = []
        for pod in still:
            if _place(added, pod):
                helped.append(pod)
            elif group.target + len(added) < group.high:
                room = group.template()
                if _place([room], pod):
                    added.append(room)
                    helped.append(pod)
        if helped:
            options.append((-len(helped), len(added), group.name, group, len(added), helped))
    if not options:
        _tell_once(ctx, memory, still, "NotTriggerScaleUp",
                   f"pod didn't trigger scale-up: {len(groups)} max node group size reached or the pod fits no "
                   "node group's template")
        return False
    _, _, _, group, count, helped = min(options, key=lambda o: o[:3])
    size = group.target + count
    refused = _set_desired_size(ctx, group, size)
    if refused:
        log.info("cluster-autoscaler: scaling %s to %d refused: %s", group.name, size, refused)
        return False
    memory.setdefault("targets", {})[group.nodegroup.name] = (size, now)
    for pod in helped:
        record(ctx, pod, "TriggeredScaleUp", f"pod triggered scale-up: [{{{group.name} {group.target}->{size} "
                                             f"(max: {group.high})}}]", COMPONENT)
    return True


def _scale_down(ctx: Context, settings: Settings, memory: dict, groups: list[Group], nodes: list[dict],
                pods: list[dict], now: float, cooling: bool) -> bool:
    unneeded = memory.setdefault("unneeded", {})  # node name -> since when
    rooms = rooms_of(nodes, pods)
    on_node: dict[str, list[dict]] = {}
    for pod in pods:
        if occupies_node(pod) and (pod.get("spec") or {}).get("nodeName"):
            on_node.setdefault(pod["spec"]["nodeName"], []).append(pod)
    managed = {g.nodegroup.name: g for g in groups}
    found = {}
    for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        group = managed.get((node["metadata"].get("labels") or {}).get(NODEGROUP_LABEL))
        if group is None or (node["metadata"].get("annotations") or {}).get(SCALE_DOWN_DISABLED) == "true":
            continue
        movable = [p for p in on_node.get(name, []) if not is_daemon_pod(p)]
        if rooms[name].utilization() >= settings.utilization_threshold or \
                not all(_evictable(p, settings) for p in movable):
            continue
        others = [copy.deepcopy(r) for n, r in rooms.items() if n != name and n not in found]
        if all(_place(others, p) for p in movable):
            found[name] = (group, node, movable)
    memory["unneeded"] = {name: min(unneeded.get(name, now), now) for name in found}
    for node in nodes:
        name = node["metadata"]["name"]
        marked = _mark_candidate(ctx, node, name in found, now)
        if marked is not None and name in found:
            found[name] = (found[name][0], marked, found[name][2])
    counts = {}
    for node in nodes:
        group_name = (node["metadata"].get("labels") or {}).get(NODEGROUP_LABEL)
        counts[group_name] = counts.get(group_name, 0) + 1
    for name, (group, node, movable) in found.items():
        if cooling or now - memory["unneeded"][name] < settings.unneeded_time or group.target <= group.low or \
                counts.get(group.nodegroup.name, 0) <= group.low:
            continue
        return _remove(ctx, memory, group, node, movable, now)
    if found:
        ctx.wake_in(max(0.1, min(memory["unneeded"][n] + settings.unneeded_time - now for n in found)))
    return False


def _set_desired_size(ctx: Context, group: Group, size: int) -> str | None:
    """The group's new desired size through EKS (UpdateNodegroupConfig): None once EKS took it, else its refusal
    (e.g. an update still in progress: the next scan tries again)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        ctx.aws("eks").update_nodegroup_config(clusterName=ctx.info.name, nodegroupName=group.nodegroup.name,
                                               scalingConfig={"desiredSize": size})
    except (BotoCoreError, ClientError) as error:
        return str(error)
    return None


def _mark_candidate(ctx: Context, node: dict, unneeded: bool, now: float) -> dict | None:
    """The soft taint the autoscaler keeps on nodes it considers unneeded (the scheduler then avoids them); the
    node as written, if it changed."""
    spec = node.setdefault("spec", {})
    taints = spec.get("taints") or []
    marked = any(t.get("key") == DELETION_CANDIDATE_TAINT for t in taints)
    if marked == unneeded:
        return None
    if unneeded:
        spec["taints"] = [*taints, {"key": DELETION_CANDIDATE_TAINT, "value": str(int(now)),
                                    "effect": "PreferNoSchedule"}]
    else:
        spec["taints"] = [t for t in taints if t.get("key") != DELETION_CANDIDATE_TAINT]
        if not spec["taints"]:
            del spec["taints"]
    return ctx.update(NODES, node)


def _remove(ctx: Context, memory: dict, group: Group, node: dict, movable: list[dict], now: float) -> bool:
    """Taint the node, evict its pods and take the group one node down (untaint if EKS refuses)."""
    spec = node.setdefault("spec", {})
    spec["taints"] = [*(spec.get("taints") or []),
                      {"key": TO_BE_DELETED_TAINT, "value": str(int(now)), "effect": "NoSchedule"}]
    tainted = ctx.update(NODES, node)
    if tainted is None:
        return False
    size = group.target - 1
    refused = _set_desired_size(ctx, group, size)
    if refused:
        log.info("cluster-autoscaler: scaling %s to %d refused: %s", group.name, size, refused)
        tainted["spec"]["taints"] = [t for t in tainted["spec"]["taints"] if t.get("key") != TO_BE_DELETED_TAINT]
        ctx.update(NODES, tainted)
        return False
    memory.setdefault("targets", {})[group.nodegroup.name] = (size, now)
    memory["unneeded"].pop(node["metadata"]["name"], None)
    record(ctx, tainted, "ScaleDown", "marked the node as toBeDeleted/unschedulable", COMPONENT)
    for pod in movable:
        record(ctx, pod, "ScaleDown", "deleting pod for node scale down", COMPONENT)
        ctx.delete(PODS, pod)
    return True


def _place(rooms: list[NodeRoom], pod: dict) -> bool:
    """Put the pod on the first room that takes it (the autoscaler's simulation is first-fit)."""
    requests = pod_requests(pod)
    room, _ = choose(rooms, pod, requests)
    if room is None:
        return False
    room.add(requests)
    return True


def _unschedulable(pod: dict) -> bool:
    return not (pod.get("spec") or {}).get("nodeName") and any(
        c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("reason") == "Unschedulable"
        for c in (pod.get("status") or {}).get("conditions") or [])


def _evictable(pod: dict, settings: Settings) -> bool:
    """Whether the autoscaler may move the pod: a controller's pod, not marked unsafe, not a kube-system or
    local-storage pod when the flags say to keep those nodes."""
    meta, spec = pod["metadata"], pod.get("spec") or {}
    safe = (meta.get("annotations") or {}).get(SAFE_TO_EVICT)
    if safe == "false":
        return False
    if safe == "true":
        return True
    if not any(r.get("controller") for r in meta.get("ownerReferences") or []):
        return False
    if settings.skip_system_pods and meta.get("namespace") == "kube-system":
        return False
    return not (settings.skip_local_storage and any("emptyDir" in v or "hostPath" in v
                                                   for v in spec.get("volumes") or []))


def _tell_once(ctx: Context, memory: dict, pods: list[dict], reason: str, message: str) -> None:
    told = memory.setdefault("told", set())
    for pod in pods:
        if (pod["metadata"]["uid"], reason) not in told:
            told.add((pod["metadata"]["uid"], reason))
            record(ctx, pod, reason, message, COMPONENT)


def _created(pod: dict) -> float:
    return datetime.fromisoformat(pod["metadata"]["creationTimestamp"].replace("Z", "+00:00")).timestamp()

