"""Simulated controllers: what kube-controller-manager, the scheduler, kubelets and the AWS cloud
controllers would make of the stored objects, a short configurable delay after each change.

Every pass is level-triggered and idempotent; writes go through ClusterObjects like any client's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading

from . import kinds
from .admission import default_storage_class
from .clusters import DirectoryUnavailable
from .errors import ApiError
from .objects import ClusterObjects, WriteOptions, random_suffix, timestamp

log = logging.getLogger(__name__)

DEFAULT_DELAY = 0.1  # seconds between a change and the controllers' reaction
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def short_hash(value, length: int = 10) -> str:
    """A stable suffix in the apiserver's name alphabet (pod-template-hash, load balancer names)."""
    number = int(hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest(), 16)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(_HASH_ALPHABET))
        chars.append(_HASH_ALPHABET[digit])
    return "".join(chars)


def _type(api_version: str, kind: str) -> kinds.ResourceType:
    group, _, _ = api_version.rpartition("/")
    return kinds.builtin_by_kind(group, kind)


NAMESPACES = _type("v1", "Namespace")
PODS = _type("v1", "Pod")
NODES = _type("v1", "Node")
SERVICES = _type("v1", "Service")
SERVICE_ACCOUNTS = _type("v1", "ServiceAccount")
PVCS = _type("v1", "PersistentVolumeClaim")
PVS = _type("v1", "PersistentVolume")
STORAGE_CLASSES = _type("storage.k8s.io/v1", "StorageClass")
DEPLOYMENTS = _type("apps/v1", "Deployment")
REPLICA_SETS = _type("apps/v1", "ReplicaSet")
STATEFUL_SETS = _type("apps/v1", "StatefulSet")
DAEMON_SETS = _type("apps/v1", "DaemonSet")
JOBS = _type("batch/v1", "Job")

CONTROLLER = WriteOptions(manager="kube-controller-manager", field_validation="Ignore")
KUBELET = WriteOptions(manager="kubelet", field_validation="Ignore")


def owner_reference(owner: dict) -> dict:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _owned_by(objs: list[dict], owner: dict) -> list[dict]:
    uid = owner["metadata"]["uid"]
    return [o for o in objs if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]


def _live(objs: list[dict]) -> list[dict]:
    return [o for o in objs if not o["metadata"].get("deletionTimestamp")]


def _in_ownership(obj: dict | None) -> bool:
    meta = (obj or {}).get("metadata") or {}
    return bool(meta.get("ownerReferences")) or "foregroundDeletion" in (meta.get("finalizers") or [])


def _is_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _condition(type_: str, status: bool, reason: str, message: str, previous: list | None) -> dict:
    """A condition that keeps its transition time while its status stays the same."""
    status_text = "True" if status else "False"
    old = next((c for c in previous or [] if c.get("type") == type_), None)
    since = old["lastTransitionTime"] if old and old.get("status") == status_text else timestamp()
    return {"type": type_, "status": status_text, "reason": reason, "message": message,
            "lastTransitionTime": since, "lastUpdateTime": since}


class ClusterController:
    """Reconciles one cluster: bootstrap objects, nodes, workloads, services, volumes, GC."""

    def __init__(self, objects: ClusterObjects, info):
        self.objects = objects
        self.info = info
        self.wrote = False
        self.gc_seen: int | None = None  # the store revision the last garbage collection pass looked at

    # --- helpers -------------------------------------------------------------------------------------

    def _list(self, rtype, namespace=None) -> list[dict]:
        return self.objects.list(rtype, namespace)["items"]

    def _write(self, action, *args, **kwargs):
        try:
            result = action(*args, **kwargs)
            self.wrote = True
            return result
        except ApiError as error:  # somebody else changed it first: the next pass sees the new state
            log.debug("controller write skipped: %s", error.message)
            return None

    def _create(self, rtype, namespace, obj, options=CONTROLLER):
        return self._write(self.objects.create, rtype, namespace, obj, options)

    def _update(self, rtype, obj, options=CONTROLLER):
        meta = obj["metadata"]
        return self._write(self.objects.update, rtype, meta.get("namespace", ""), meta["name"], obj, options)

    def _set_status(self, rtype, obj, status, options=CONTROLLER):
        if obj.get("status") == status:
            return
        obj["status"] = status
        meta = obj["metadata"]
        sub = "status" if "status" in rtype.subresources else ""
        self._write(self.objects.update, rtype, meta.get("namespace", ""), meta["name"], obj, options, sub)

    def _delete(self, rtype, obj):
        meta = obj["metadata"]
        self._write(self.objects.delete, rtype, meta.get("namespace", ""), meta["name"])

    # --- bootstrap -----------------------------------------------------------------------------------

    def bootstrap(self) -> None:
        for name in SYSTEM_NAMESPACES:
            if self.objects.find(NAMESPACES, "", name) is None:
                self._create(NAMESPACES, "", {"metadata": {"name": name}})
        if not self._list(STORAGE_CLASSES):
            self._create(STORAGE_CLASSES, "", {
                "metadata": {"name": "gp2", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                "provisioner": "kubernetes.io/aws-ebs", "parameters": {"type": "gp2", "fsType": "ext4"},
                "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"})
        if self.objects.find(SERVICES, "default", "kubernetes") is None:
            self._create(SERVICES, "default", {
                "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {"clusterIP": "10.100.0.1",
                         "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}]}})
        self.reconcile_once()

    # --- one pass ------------------------------------------------------------------------------------

    def reconcile_once(self) -> bool:
        self.wrote = False
        for step in (self._nodes, self._namespaces, self._deployments, self._replica_sets, self._stateful_sets,
                     self._daemon_sets, self._jobs, self._volumes, self._pods, self._services, self._collect_garbage):
            step()
        return self.wrote

    def _nodes(self) -> None:
        wanted = {}
        for index, group in enumerate(self.info.nodegroups):
            for n in range(group.desired_size):
                name = f"ip-10-0-{10 + index}-{10 + n}.{self.info.region}.compute.internal"
                wanted[name] = group
        existing = {n["metadata"]["name"]: n for n in self._list(NODES)}
        for name, group in wanted.items():
            if name not in existing:
                node = self._node(name, group)
                created = self._create(NODES, "", node)
                if created is not None:
                    self._set_status(NODES, created, node["status"], KUBELET)
        for name, node in existing.items():
            if name not in wanted and (node["metadata"].get("labels") or {}).get("eks.amazonaws.com/nodegroup"):
                self._delete(NODES, node)

    def _node(self, name: str, group) -> dict:
        zone = f"{self.info.region}{'abc'[hash(name) % 3]}"
        capacity = {"cpu": "2", "memory": "8023132Ki", "pods": "110", "ephemeral-storage": "20959212Ki"}
        return {
            "metadata": {"name": name, "labels": {
                "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "eks.amazonaws.com/nodegroup": group.name, "node.kubernetes.io/instance-type": group.instance_type,
                "topology.kubernetes.io/region": self.info.region, "topology.kubernetes.io/zone": zone}},
            "spec": {"providerID": f"aws:///{zone}/i-{short_hash(name, 17)}"},
            "status": {
                "capacity": capacity, "allocatable": capacity,
                "conditions": [_condition("Ready", True, "KubeletReady", "kubelet is posting ready status", None)],
                "addresses": [{"type": "InternalIP", "address": self._node_ip(name)},
                              {"type": "Hostname", "address": name}],
                "nodeInfo": {"kubeletVersion": f"v{self.info.version}.0-eks", "operatingSystem": "linux",
                             "architecture": "amd64", "containerRuntimeVersion": "containerd://1.7.0",
                             "osImage": "Amazon Linux 2023", "kernelVersion": "6.1.0",
                             "kubeProxyVersion": f"v{self.info.version}.0-eks"}},
        }

    def _namespaces(self) -> None:
        for ns in self._list(NAMESPACES):
            name = ns["metadata"]["name"]
            if ns["metadata"].get("deletionTimestamp"):
                self._finish_namespace(ns)
            elif self.objects.find(SERVICE_ACCOUNTS, name, "default") is None:
                self._create(SERVICE_ACCOUNTS, name, {"metadata": {"name": "default"}})

    def _finish_namespace(self, ns: dict) -> None:
        name = ns["metadata"]["name"]
        remaining = [(t, o) for t, o in self.objects.all_objects()
                     if t.namespaced and o["metadata"].get("namespace") == name]
        for rtype, obj in remaining:
            if not obj["metadata"].get("deletionTimestamp"):
                self._delete(rtype, obj)
        if not remaining:
            self.objects.store.remove((self.objects.cluster, "", "namespaces"), "", name)
            self.wrote = True

    # --- workloads -----------------------------------------------------------------------------------

    def _deployments(self) -> None:
        all_sets = self._list(REPLICA_SETS)
        for deploy in _live(self._list(DEPLOYMENTS)):
            spec, meta = deploy.get("spec") or {}, deploy["metadata"]
            replicas = spec.get("replicas", 1)
            template = spec.get("template") or {}
            template_hash = short_hash(template)
            owned = _owned_by(all_sets, deploy)
            revisions = [int((rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", 0))
                         for rs in owned]
            current = next((rs for rs in owned
                            if (rs["metadata"].get("labels") or {}).get("pod-template-hash") == template_hash), None)
            if current is None:
                current = self._create(REPLICA_SETS, meta["namespace"], self._replica_set(
                    deploy, template, template_hash, replicas, max(revisions, default=0) + 1))
                continue
            if (current.get("spec") or {}).get("replicas") != replicas:
                current["spec"]["replicas"] = replicas
                self._update(REPLICA_SETS, current)
            for old in owned:
                if old is not current and (old.get("spec") or {}).get("replicas"):
                    old["spec"]["replicas"] = 0
                    self._update(REPLICA_SETS, old)
            revision = (current["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision")
            if (meta.get("annotations") or {}).get("deployment.kubernetes.io/revision") != revision:
                meta.setdefault("annotations", {})["deployment.kubernetes.io/revision"] = revision
                deploy = self._update(DEPLOYMENTS, deploy)
                if deploy is None:
                    continue
            self._set_status(DEPLOYMENTS, deploy, self._deployment_status(deploy, owned, current, replicas))

    def _replica_set(self, deploy, template, template_hash, replicas, revision) -> dict:
        meta = deploy["metadata"]
        labels = {**((template.get("metadata") or {}).get("labels") or {}), "pod-template-hash": template_hash}
        selector = json.loads(json.dumps((deploy.get("spec") or {}).get("selector") or {}))
        selector.setdefault("matchLabels", {})["pod-template-hash"] = template_hash
        pod_template = json.loads(json.dumps(template))
        pod_template.setdefault("metadata", {})["labels"] = labels
        return {"metadata": {"name": f"{meta['name']}-{template_hash}", "labels": labels,
                             "annotations": {"deployment.kubernetes.io/revision": str(revision),
                                             "deployment.kubernetes.io/desired-replicas": str(replicas)},
                             "ownerReferences": [owner_reference(deploy)]},
                "spec": {"replicas": replicas, "selector": selector, "template": pod_template}}

    def _deployment_status(self, deploy, owned, current, replicas) -> dict:
        statuses = [rs.get("status") or {} for rs in owned]
        total = sum(s.get("replicas", 0) for s in statuses)
        ready = sum(s.get("readyReplicas", 0) for s in statuses)
        available = sum(s.get("availableReplicas", 0) for s in statuses)
        updated = (current.get("status") or {}).get("replicas", 0)
        previous = (deploy.get("status") or {}).get("conditions")
        complete = updated == replicas and total == replicas and available == replicas
        rs_name = current["metadata"]["name"]
        status = {
            "observedGeneration": deploy["metadata"].get("generation", 1),
            "replicas": total, "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": available,
            "conditions": [
                _condition("Available", available >= replicas,
                           "MinimumReplicasAvailable" if available >= replicas else "MinimumReplicasUnavailable",
                           "Deployment has minimum availability." if available >= replicas
                           else "Deployment does not have minimum availability.", previous),
                _condition("Progressing", True, "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                           f'ReplicaSet "{rs_name}" has successfully progressed.' if complete
                           else f'ReplicaSet "{rs_name}" is progressing.', previous),
            ],
        }
        if total > available:
            status["unavailableReplicas"] = total - available
        return {k: v for k, v in status.items() if v != 0 or k in ("observedGeneration",)}

    def _pods_of(self, owner, all_pods) -> list[dict]:
        return _live(_owned_by(all_pods, owner))

    def _new_pod(self, owner, template, name, extra_labels=None, node=None, volumes=()) -> dict:
        template = json.loads(json.dumps(template or {}))
        tmeta = template.get("metadata") or {}
        spec = template.get("spec") or {}
        if node:
            spec["nodeName"] = node
        if volumes:
            spec["volumes"] = [v for v in spec.get("volumes") or [] if v.get("name") not in {x["name"] for x in volumes}]
            spec["volumes"] += list(volumes)
        return {"metadata": {"name": name, "labels": {**(tmeta.get("labels") or {}), **(extra_labels or {})},
                             "annotations": tmeta.get("annotations") or {},
                             "ownerReferences": [owner_reference(owner)]},
                "spec": spec}

    def _replica_sets(self) -> None:
        all_pods = self._list(PODS)
        for rs in _live(self._list(REPLICA_SETS)):
            meta, spec = rs["metadata"], rs.get("spec") or {}
            pods = self._pods_of(rs, all_pods)
            wanted = spec.get("replicas", 1)
            for _ in range(wanted - len(pods)):
                self._create(PODS, meta["namespace"],
                             self._new_pod(rs, spec.get("template"), f"{meta['name']}-{random_suffix()}"))
            for extra in sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)[:max(0, len(pods) - wanted)]:
                self._delete(PODS, extra)
            pods = pods[:wanted]
            ready = sum(1 for p in pods if _is_ready(p))
            status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods), "readyReplicas": ready,
                      "availableReplicas": ready, "observedGeneration": meta.get("generation", 1)}
            self._set_status(REPLICA_SETS, rs, {k: v for k, v in status.items() if v or k in ("replicas",
                                                                                                 "observedGeneration")})

    def _stateful_sets(self) -> None:
        all_pods = self._list(PODS)
        for sts in _live(self._list(STATEFUL_SETS)):
            meta, spec = sts["metadata"], sts.get("spec") or {}
            revision = f"{meta['name']}-{short_hash(spec.get('template') or {})}"
            wanted = spec.get("replicas", 1)
            pods = {p["metadata"]["name"]: p for p in self._pods_of(sts, all_pods)}
            for index in range(wanted):
                name = f"{meta['name']}-{index}"
                pod = pods.get(name)
                if pod and (pod["metadata"].get("labels") or {}).get("controller-revision-hash") != revision:
                    self._delete(PODS, pod)
                    pods.pop(name)
                    continue
                if pod is None:
                    self._create(PODS, meta["namespace"], self._stateful_pod(sts, name, index, revision))
            for name, pod in pods.items():
                if int(name.rsplit("-", 1)[-1]) >= wanted:
                    self._delete(PODS, pod)
            current = [p for n, p in pods.items() if int(n.rsplit("-", 1)[-1]) < wanted]
            ready = sum(1 for p in current if _is_ready(p))
            status = {"observedGeneration": meta.get("generation", 1), "replicas": len(current),
                      "readyReplicas": ready, "currentReplicas": len(current), "updatedReplicas": len(current),
                      "availableReplicas": ready, "currentRevision": revision, "updateRevision": revision,
                      "collisionCount": 0}
            self._set_status(STATEFUL_SETS, sts, status)

    def _stateful_pod(self, sts, name, index, revision) -> dict:
        meta, spec = sts["metadata"], sts.get("spec") or {}
        volumes = []
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_name = f"{claim['metadata']['name']}-{name}"
            if self.objects.find(PVCS, meta["namespace"], claim_name) is None:
                self._create(PVCS, meta["namespace"], {
                    "metadata": {"name": claim_name, "labels": (spec.get("selector") or {}).get("matchLabels") or {}},
                    "spec": claim.get("spec") or {}})
            volumes.append({"name": claim["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name}})
        pod = self._new_pod(sts, spec.get("template"), name, {
            "controller-revision-hash": revision, "statefulset.kubernetes.io/pod-name": name,
            "apps.kubernetes.io/pod-index": str(index)}, volumes=volumes)
        pod["spec"]["hostname"] = name
        pod["spec"]["subdomain"] = spec.get("serviceName", "")
        return pod

    def _ready_nodes(self) -> list[str]:
        return sorted(n["metadata"]["name"] for n in _live(self._list(NODES))
                      if not (n.get("spec") or {}).get("unschedulable"))

    def _daemon_sets(self) -> None:
        all_pods = self._list(PODS)
        nodes = self._ready_nodes()
        for ds in _live(self._list(DAEMON_SETS)):
            meta, spec = ds["metadata"], ds.get("spec") or {}
            revision = short_hash(spec.get("template") or {})
            by_node = {}
            for pod in self._pods_of(ds, all_pods):
                node = (pod.get("spec") or {}).get("nodeName")
                current = (pod["metadata"].get("labels") or {}).get("controller-revision-hash") == revision
                if node not in nodes or node in by_node or not current:
                    self._delete(PODS, pod)
                else:
                    by_node[node] = pod
            for node in nodes:
                if node not in by_node:
                    self._create(PODS, meta["namespace"], self._new_pod(
                        ds, spec.get("template"), f"{meta['name']}-{random_suffix()}",
                        {"controller-revision-hash": revision}, node=node))
            ready = sum(1 for p in by_node.values() if _is_ready(p))
            status = {"observedGeneration": meta.get("generation", 1), "desiredNumberScheduled": len(nodes),
                      "currentNumberScheduled": len(by_node), "updatedNumberScheduled": len(by_node),
                      "numberReady": ready, "numberAvailable": ready, "numberMisscheduled": 0}
            if len(nodes) > ready:
                status["numberUnavailable"] = len(nodes) - ready
            self._set_status(DAEMON_SETS, ds, status)

    def _jobs(self) -> None:
        all_pods = self._list(PODS)
        for job in _live(self._list(JOBS)):
            meta, spec = job["metadata"], job.get("spec") or {}
            status = dict(job.get("status") or {})
            if any(c.get("type") == "Complete" for c in status.get("conditions") or []) or spec.get("suspend"):
                continue
            pods = self._pods_of(job, all_pods)
            completions = spec.get("completions", 1)
            succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
            running = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
            missing = min(spec.get("parallelism", 1), completions - succeeded) - len(running)
            for _ in range(max(0, missing)):
                self._create(PODS, meta["namespace"], self._new_pod(job, spec.get("template"),
                                                                    f"{meta['name']}-{random_suffix()}"))
            status.setdefault("startTime", timestamp())
            status["active"] = len(running) + max(0, missing)
            status["ready"] = sum(1 for p in running if _is_ready(p))
            status["terminating"] = 0
            status["uncountedTerminatedPods"] = {}
            if succeeded:
                status["succeeded"] = succeeded
            if succeeded >= completions:
                status["active"] = 0
                status["completionTime"] = timestamp()
                status["conditions"] = [
                    _condition("SuccessCriteriaMet", True, "CompletionsReached", "Reached expected number of "
                                                                                "succeeded pods", None),
                    _condition("Complete", True, "CompletionsReached", "Reached expected number of succeeded pods",
                               None)]
            self._set_status(JOBS, job, {k: v for k, v in status.items() if v != 0 or k == "ready"})

    # --- pods, services, volumes -----------------------------------------------------------------------

    def _pods(self) -> None:
        nodes = self._ready_nodes()
        for index, pod in enumerate(_live(self._list(PODS))):
            spec, status = pod.get("spec") or {}, pod.get("status") or {}
            phase = status.get("phase", "Pending")
            if not spec.get("nodeName"):
                if nodes:
                    pod["spec"]["nodeName"] = nodes[index % len(nodes)]
                    self._update(PODS, pod)
                elif not status.get("conditions"):
                    self._set_status(PODS, pod, {**status, "phase": "Pending", "conditions": [
                        _condition("PodScheduled", False, "Unschedulable", "0/0 nodes are available", None)]})
                continue
            if phase == "Pending" and self._volumes_bound(pod):
                self._set_status(PODS, pod, self._running_status(pod), KUBELET)
            elif phase == "Running" and self._runs_to_completion(pod):
                self._set_status(PODS, pod, self._succeeded_status(pod), KUBELET)

    def _volumes_bound(self, pod) -> bool:
        namespace = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                pvc = self.objects.find(PVCS, namespace, claim)
                if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
                    return False
        return True

    def _runs_to_completion(self, pod) -> bool:
        return any(r.get("kind") == "Job" for r in pod["metadata"].get("ownerReferences") or []) or \
            (pod.get("spec") or {}).get("restartPolicy") == "Never"

    def _running_status(self, pod) -> dict:
        now = timestamp()
        node = pod["spec"]["nodeName"]
        conditions = [_condition(t, True, "", "", None) for t in
                      ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
        for c in conditions:
            c.pop("lastUpdateTime")
            c.pop("reason")
            c.pop("message")
        address = int(hashlib.sha256(pod["metadata"]["uid"].encode()).hexdigest(), 16)
        return {
            "phase": "Running", "conditions": conditions, "startTime": now, "qosClass": "BestEffort",
            "hostIP": self._node_ip(node), "podIP": f"10.0.{address % 250}.{address // 250 % 250 + 2}",
            "containerStatuses": [{
                "name": c.get("name"), "image": c.get("image"), "imageID": f"{c.get('image')}@sha256:{'0' * 64}",
                "containerID": f"containerd://{short_hash(pod['metadata']['uid'] + str(c.get('name')), 32)}",
                "ready": True, "started": True, "restartCount": 0, "state": {"running": {"startedAt": now}},
            } for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)],
        }

    @staticmethod
    def _node_ip(node_name: str) -> str:
        # ip-10-0-10-11.<region>.compute.internal -> 10.0.10.11
        return node_name.split(".")[0].removeprefix("ip-").replace("-", ".")

    def _succeeded_status(self, pod) -> dict:
        status = dict(pod.get("status") or {})
        now = timestamp()
        status["phase"] = "Succeeded"
        status["conditions"] = [dict(c, status="False", reason="PodCompleted") if c["type"] in ("Ready", "ContainersReady")
                                else c for c in status.get("conditions") or []]
        status["containerStatuses"] = [dict(cs, ready=False, started=False, state={"terminated": {
            "exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}})
            for cs in status.get("containerStatuses") or []]
        return status

    def _services(self) -> None:
        for svc in _live(self._list(SERVICES)):
            spec, meta = svc.get("spec") or {}, svc["metadata"]
            if spec.get("type") != "LoadBalancer":
                continue
            if ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
                continue
            hostname = f"{meta['name']}-{short_hash(meta['uid'], 16)}.elb.{self.info.region}.amazonaws.com"
            self._set_status(SERVICES, svc, {"loadBalancer": {"ingress": [{"hostname": hostname}]}})

    def _volumes(self) -> None:
        pods = _live(self._list(PODS))
        claimed_by_pods = {(p["metadata"]["namespace"], (v.get("persistentVolumeClaim") or {}).get("claimName"))
                           for p in pods for v in (p.get("spec") or {}).get("volumes") or []}
        classes = {sc["metadata"]["name"]: sc for sc in self._list(STORAGE_CLASSES)}
        for pvc in _live(self._list(PVCS)):
            meta, spec = pvc["metadata"], pvc.get("spec") or {}
            if (pvc.get("status") or {}).get("phase") == "Bound":
                continue
            sc = classes.get(spec.get("storageClassName") or default_storage_class(self.objects) or "")
            if sc is None:
                continue
            if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and \
                    (meta["namespace"], meta["name"]) not in claimed_by_pods:
                continue
            self._bind(pvc, sc)
        live_claims = {(c["metadata"]["namespace"], c["metadata"]["name"]) for c in self._list(PVCS)}
        for pv in _live(self._list(PVS)):
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            if ref and (ref.get("namespace"), ref.get("name")) not in live_claims and \
                    (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete":
                self._delete(PVS, pv)

    def _bind(self, pvc, sc) -> None:
        meta, spec = pvc["metadata"], pvc["spec"]
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        modes = spec.get("accessModes") or ["ReadWriteOnce"]
        pv_name = f"pvc-{meta['uid']}"
        if self.objects.find(PVS, "", pv_name) is None:
            pv = self._create(PVS, "", {
                "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": sc["provisioner"]}},
                "spec": {"capacity": {"storage": size}, "accessModes": modes,
                         "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                         "storageClassName": sc["metadata"]["name"], "volumeMode": spec.get("volumeMode", "Filesystem"),
                         "claimRef": {"kind": "PersistentVolumeClaim", "namespace": meta["namespace"],
                                      "name": meta["name"], "uid": meta["uid"], "apiVersion": "v1"},
                         "awsElasticBlockStore": {"volumeID": f"vol-{short_hash(meta['uid'], 17)}", "fsType": "ext4"}}})
            if pv is not None:
                self._set_status(PVS, pv, {"phase": "Bound"})
        pvc["spec"]["volumeName"] = pv_name
        meta.setdefault("annotations", {})["pv.kubernetes.io/bind-completed"] = "yes"
        updated = self._update(PVCS, pvc)
        if updated is not None:
            self._set_status(PVCS, updated, {"phase": "Bound", "accessModes": modes, "capacity": {"storage": size}})

    # --- garbage collection --------------------------------------------------------------------------

    def _collect_garbage(self) -> None:
        if self._ownership_changed():
            self._collect_dependents()
        self._drop_resources_of_deleted_crds()

    def _ownership_changed(self) -> bool:
        """Whether a change since the last pass may orphan a dependent or let a foreground deletion finish: a
        deletion, or an object with ownerReferences or the foregroundDeletion finalizer (before or after).
        Most writes are neither, and then the pass over every object of the cluster is skipped."""
        store = self.objects.store
        seen, self.gc_seen = self.gc_seen, store.revision
        if seen is None or seen < store.oldest_watchable:  # first pass, or the event history lost changes
            return True
        return any(event.cluster == self.objects.cluster
                   and (event.type == "DELETED" or _in_ownership(event.object) or _in_ownership(event.previous))
                   for event in store.events_after(seen))

    def _collect_dependents(self) -> None:
        everything = list(self.objects.all_objects())
        uids = {o["metadata"]["uid"] for _, o in everything}
        dependents: dict[str, list] = {}
        for rtype, obj in everything:
            refs = obj["metadata"].get("ownerReferences") or []
            for ref in refs:
                dependents.setdefault(ref.get("uid"), []).append((rtype, obj))
            if refs and not any(r.get("uid") in uids for r in refs) and not obj["metadata"].get("deletionTimestamp"):
                self._delete(rtype, obj)
        for rtype, obj in everything:
            meta = obj["metadata"]
            if meta.get("deletionTimestamp") and "foregroundDeletion" in (meta.get("finalizers") or []):
                children = dependents.get(meta["uid"], [])
                for child_type, child in children:
                    if not child["metadata"].get("deletionTimestamp"):
                        self._write(self.objects.delete, child_type, child["metadata"].get("namespace", ""),
                                    child["metadata"]["name"], {"propagationPolicy": "Foreground"})
                if not children:
                    meta["finalizers"] = [f for f in meta["finalizers"] if f != "foregroundDeletion"]
                    self._update(rtype, obj)

    def _drop_resources_of_deleted_crds(self) -> None:
        served = {(t.group, t.plural) for t in self.objects.resource_types()}
        for cluster, group, plural in self.objects.store.keys():
            if cluster == self.objects.cluster and (group, plural) not in served:
                for obj in self.objects.store.list((cluster, group, plural))[0]:
                    self.objects.store.remove((cluster, group, plural), obj["metadata"].get("namespace", ""),
                                              obj["metadata"]["name"])
                    self.wrote = True


class ControllerLoop:
    """One background thread reconciling every cluster that has been used, `delay` after changes."""

    def __init__(self, store, directory, delay: float = DEFAULT_DELAY):
        self.store = store
        self.directory = directory
        self.delay = delay
        self.clusters: dict[str, ClusterController] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="k8s-controllers", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self.store.changed:
            self.store.changed.notify_all()
        self._thread.join(timeout=5)

    def ensure(self, info) -> None:
        """Bootstrap a cluster before its first request is served, and keep its cluster info fresh."""
        with self._lock:
            controller = self.clusters.get(info.key)
            if controller is not None:
                controller.info = info
                return
            controller = ClusterController(ClusterObjects(self.store, info.key), info)
            controller.bootstrap()
            self.clusters[info.key] = controller

    def forget_all(self) -> None:
        with self._lock:
            self.clusters.clear()

    def _run(self) -> None:
        seen = self.store.revision
        while not self._stop.is_set():
            with self.store.changed:
                if self.store.revision == seen:
                    self.store.changed.wait(1.0)
            if self._stop.wait(self.delay):
                return
            seen = self.store.revision
            with self._lock:
                controllers = list(self.clusters.values())
            for controller in controllers:
                try:
                    self._refresh(controller)
                    controller.reconcile_once()
                except Exception:  # a bug in one simulation must not stop the others
                    log.exception("controller pass failed for %s", controller.info.key)

    def _refresh(self, controller: ClusterController) -> None:
        """Follow nodegroup changes; a cluster gone from EKS takes its objects with it."""
        try:
            info = self.directory.cluster(controller.info.region, controller.info.name)
        except DirectoryUnavailable:  # keep simulating with what we knew; the AWS process may be restarting
            return
        if info is None:
            with self._lock:
                self.clusters.pop(controller.info.key, None)
            self.store.remove_cluster(controller.info.key)
        else:
            controller.info = info
