"""What a simulated controller may do to a cluster: read, create, update, set status, delete and remove.

Every write goes through ClusterObjects (admission, validation, managedFields, resourceVersion checks) like
any client's; a write that loses a race is skipped, and the next pass sees the newer object.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time

from .. import kinds
from ..errors import ApiError
from ..objects import ClusterObjects, WriteOptions, timestamp

log = logging.getLogger(__name__)

CONTROLLER = WriteOptions(manager="kube-controller-manager", field_validation="Ignore")
KUBELET = WriteOptions(manager="kubelet", field_validation="Ignore")
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


NAMESPACES, PODS, NODES, SERVICES, SERVICE_ACCOUNTS, PVCS, PVS = (
    kinds.builtin_by_kind("", kind) for kind in
    ("Namespace", "Pod", "Node", "Service", "ServiceAccount", "PersistentVolumeClaim", "PersistentVolume"))
DEPLOYMENTS, REPLICA_SETS, STATEFUL_SETS, DAEMON_SETS = (
    kinds.builtin_by_kind("apps", kind) for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"))
STORAGE_CLASSES = kinds.builtin_by_kind("storage.k8s.io", "StorageClass")
JOBS = kinds.builtin_by_kind("batch", "Job")


class Context:
    """One cluster as its controllers see it. Lives as long as the emulator serves the cluster, so `memory`
    keeps what a controller must remember between passes (keyed by the controller's own name)."""

    def __init__(self, objects: ClusterObjects, info, stages: tuple = (), aws_client=None):
        self.objects = objects
        self.info = info
        self.stages = stages  # of the simulated operators (stages.Stage)
        self._aws_client = aws_client  # (service, region) -> boto3 client of the AWS sandbox (internal calls)
        self.memory: dict[str, dict] = {}
        self.wake_at: float | None = None  # monotonic time a controller asked for its next pass by

    # --- reads ---------------------------------------------------------------------------------------

    def list(self, rtype, namespace: str | None = None, *, shared: bool = False) -> list[dict]:
        """Copies a controller may change; with `shared`, the stored objects themselves for a pass that only reads
        them (pods and nodes are listed by many controllers on every pass: copying them all is the costly part)."""
        return self.objects.list(rtype, namespace, shared=shared)["items"]

    def find(self, rtype, namespace: str, name: str) -> dict | None:
        return self.objects.find(rtype, namespace, name)

    def all_objects(self, read_only: bool = False):
        """(type, object) for every object of the cluster; `read_only`: the stored objects, not to be changed."""
        return self.objects.all_objects(read_only)

    def aws(self, service: str, region: str | None = None):
        """A boto3 client for the cluster's region (or `region`) of the AWS sandbox, for the simulated cloud
        controllers (the AWS Load Balancer Controller, external-dns, the cluster autoscaler, the kubelet's ECR pulls). Its calls are
        internal: the sandbox does not count or fault them, so a playbook's call counts stay its own."""
        return self._aws_client(service, region or self.info.region)

    def remembered(self, controller: str) -> dict:
        return self.memory.setdefault(controller, {})

    def changed(self, controller: str, *rtypes) -> bool:
        """Whether objects of these types changed since the controller last asked (always so on its first pass or
        when the event history lost changes), so that a controller can skip the passes that cannot concern it."""
        memory = self.remembered(controller)
        memory["seen"], events = self.objects.events_since(memory.get("seen"))
        if events is None:
            return True
        keys = {self.objects.storage_key(t)[1:] for t in rtypes}
        return any((event.group, event.plural) in keys for event in events)

    def wake_in(self, seconds: float) -> None:
        """Ask for a pass `seconds` from now even if nothing changes (a delay running out)."""
        due = time.monotonic() + seconds
        self.wake_at = due if self.wake_at is None else min(self.wake_at, due)

    # --- writes --------------------------------------------------------------------------------------

    def _write(self, action, *args, **kwargs):
        try:
            return action(*args, **kwargs)
        except ApiError as error:  # somebody else changed it first: the next pass sees the new state
            log.debug("controller write skipped: %s", error.message)
            return None

    def create(self, rtype, namespace: str, obj: dict, options: WriteOptions = CONTROLLER) -> dict | None:
        return self._write(self.objects.create, rtype, namespace, obj, options)

    def update(self, rtype, obj: dict, options: WriteOptions = CONTROLLER) -> dict | None:
        meta = obj["metadata"]
        return self._write(self.objects.update, rtype, meta.get("namespace", ""), meta["name"], obj, options)

    def set_status(self, rtype, obj: dict, status: dict, options: WriteOptions = CONTROLLER) -> dict | None:
        """The updated object, or None when the status was already so or the write lost a race."""
        if obj.get("status") == status:
            return None
        obj["status"] = status
        meta = obj["metadata"]
        sub = "status" if "status" in rtype.subresources else ""
        return self._write(self.objects.update, rtype, meta.get("namespace", ""), meta["name"], obj, options, sub)

    def delete(self, rtype, obj: dict, options: dict | None = None) -> dict | None:
        meta = obj["metadata"]
        return self._write(self.objects.delete, rtype, meta.get("namespace", ""), meta["name"], options)

    def remove(self, rtype, obj: dict) -> None:
        """Drop an object whose finalization is done (a namespace once it is empty)."""
        self.objects.remove(rtype, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


# --- helpers several controllers share ----------------------------------------------------------------

def short_hash(value, length: int = 10) -> str:
    """A stable suffix in the apiserver's name alphabet (pod-template-hash, load balancer names)."""
    number = int(hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest(), 16)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(_HASH_ALPHABET))
        chars.append(_HASH_ALPHABET[digit])
    return "".join(chars)


def owner_reference(owner: dict) -> dict:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def owned_by(objs: list[dict], owner: dict) -> list[dict]:
    uid = owner["metadata"]["uid"]
    return [o for o in objs if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]


def live(objs: list[dict]) -> list[dict]:
    return [o for o in objs if not o["metadata"].get("deletionTimestamp")]


def condition(type_: str, status: bool, reason: str, message: str, previous: list | None) -> dict:
    """A condition that keeps its transition time while its status stays the same."""
    status_text = "True" if status else "False"
    old = next((c for c in previous or [] if c.get("type") == type_), None)
    since = old["lastTransitionTime"] if old and old.get("status") == status_text else timestamp()
    return {"type": type_, "status": status_text, "reason": reason, "message": message,
            "lastTransitionTime": since, "lastUpdateTime": since}
