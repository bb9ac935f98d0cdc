"""What the real apiserver's defaulting, allocation and validation add to specific kinds on write.

Kept to what clients observe: defaults that tools diff against, allocated IPs and ports, CRD status,
and the 422s for the most common mistakes.
"""

from __future__ import annotations

import base64
import ipaddress

from . import kinds

_DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
_SERVICE_CIDR = ipaddress.ip_network("10.100.0.0/16")  # EKS's default service range
_SERVICES = kinds.builtin_by_kind("", "Service")
_STORAGE_CLASSES = kinds.builtin_by_kind("storage.k8s.io", "StorageClass")


def apply_defaults(objects, rtype, obj: dict, old: dict | None) -> None:
    handler = _DEFAULTERS.get((rtype.group, rtype.kind))
    if handler:
        handler(objects, obj, old)


def problems(rtype, obj: dict) -> list[tuple[str, str, str]]:
    check = _VALIDATORS.get((rtype.group, rtype.kind))
    return check(obj) if check else []


# --- defaults ------------------------------------------------------------------------------------------

def _namespace(objects, obj, old):
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    status = obj.setdefault("status", {})
    status["phase"] = "Terminating" if obj["metadata"].get("deletionTimestamp") else "Active"


def _service(objects, obj, old):
    spec = obj.setdefault("spec", {})
    old_spec = (old or {}).get("spec") or {}
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        if not spec.get("clusterIP"):
            spec["clusterIP"] = old_spec.get("clusterIP") or _allocate_cluster_ip(objects)
        spec["clusterIPs"] = [spec["clusterIP"]]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    old_ports = {(p.get("port"), p.get("protocol", "TCP")): p for p in old_spec.get("ports") or []}
    for port in spec.get("ports") or []:
        if not isinstance(port, dict):
            continue
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
        if spec["type"] in ("NodePort", "LoadBalancer") and not port.get("nodePort"):
            previous = old_ports.get((port.get("port"), port["protocol"]), {}).get("nodePort")
            port["nodePort"] = previous or _allocate_node_port(objects)
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if old is None:
        obj["status"] = {"loadBalancer": {}}


def _used_services(objects):
    return [s.get("spec") or {} for s in objects.list(_SERVICES)["items"]]


def _allocate_cluster_ip(objects) -> str:
    used = {s.get("clusterIP") for s in _used_services(objects)}
    for offset in range(10, _SERVICE_CIDR.num_addresses - 1):
        candidate = str(_SERVICE_CIDR.network_address + offset)
        if candidate not in used:
            return candidate
    raise RuntimeError("service IP range exhausted")


def _allocate_node_port(objects) -> int:
    used = {p.get("nodePort") for s in _used_services(objects) for p in s.get("ports") or [] if isinstance(p, dict)}
    return next(port for port in range(30000, 32768) if port not in used)


def default_storage_class(objects) -> str | None:
    for sc in objects.list(_STORAGE_CLASSES)["items"]:
        if (sc["metadata"].get("annotations") or {}).get(_DEFAULT_CLASS_ANNOTATION) == "true":
            return sc["metadata"]["name"]
    return None


def _pvc(objects, obj, old):
    spec = obj.setdefault("spec", {})
    old_spec = (old or {}).get("spec") or {}
    for kept in ("volumeName", "storageClassName"):
        if old_spec.get(kept) and not spec.get(kept):
            spec[kept] = old_spec[kept]
    if "storageClassName" not in spec:
        default = default_storage_class(objects)
        if default:
            spec["storageClassName"] = default
    spec.setdefault("volumeMode", "Filesystem")
    if old is None:
        obj["status"] = {"phase": "Pending"}


def _secret(objects, obj, old):
    """stringData is write-only: the apiserver folds it into data (base64) and never stores it."""
    obj.setdefault("type", "Opaque")
    plain = obj.pop("stringData", None)
    if isinstance(plain, dict):
        data = obj.setdefault("data", {})
        if isinstance(data, dict):
            data.update({k: base64.b64encode(str(v).encode()).decode() for k, v in plain.items()})


def _storage_class(objects, obj, old):
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


def _crd(objects, obj, old):
    spec = obj.get("spec") or {}
    names = dict(spec.get("names") or {})
    names.setdefault("singular", (names.get("kind") or "").lower())
    names.setdefault("listKind", f'{names.get("kind", "")}List')
    spec["names"] = names
    status = obj.setdefault("status", {})
    status["acceptedNames"] = names
    status["storedVersions"] = sorted({v["name"] for v in spec.get("versions") or [] if v.get("storage")}
                                      | set(((old or {}).get("status") or {}).get("storedVersions") or []))
    status["conditions"] = [
        {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
         "message": "no conflicts found", "lastTransitionTime": obj["metadata"]["creationTimestamp"]},
        {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
         "message": "the initial names have been accepted", "lastTransitionTime": obj["metadata"]["creationTimestamp"]},
    ]


def _pod_spec_defaults(spec) -> None:
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if not isinstance(container, dict):
            continue
        image = str(container.get("image") or "")
        untagged = ":" not in image.rsplit("/", 1)[-1] and "@" not in image
        container.setdefault("imagePullPolicy", "Always" if untagged or image.endswith(":latest") else "IfNotPresent")
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        container.setdefault("resources", {})
        for port in container.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            _probe_defaults(container.get(probe))


_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def _probe_defaults(probe) -> None:
    if not isinstance(probe, dict):
        return
    for key, value in _PROBE_DEFAULTS.items():
        probe.setdefault(key, value)
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


def _template_defaults(spec: dict) -> None:
    template = spec.get("template")
    if isinstance(template, dict):
        _pod_spec_defaults(template.get("spec"))


def _workload(replicas_default: bool):
    def defaults(objects, obj, old):
        spec = obj.setdefault("spec", {})
        if replicas_default:
            spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        _template_defaults(spec)
    return defaults


def _deployment(objects, obj, old):
    _workload(True)(objects, obj, old)
    spec = obj["spec"]
    spec.setdefault("progressDeadlineSeconds", 600)
    _rolling_update(spec, "strategy", {"maxSurge": "25%", "maxUnavailable": "25%"})


def _rolling_update(spec: dict, key: str, rolling_defaults: dict) -> None:
    """`spec.<key>`: RollingUpdate unless said otherwise, with the apiserver's rollingUpdate defaults."""
    strategy = spec.setdefault(key, {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate" and isinstance(strategy.setdefault("rollingUpdate", {}), dict):
            for name, value in rolling_defaults.items():
                strategy["rollingUpdate"].setdefault(name, value)


def _stateful_set(objects, obj, old):
    _workload(True)(objects, obj, old)
    spec = obj["spec"]
    spec.setdefault("podManagementPolicy", "OrderedReady")
    _rolling_update(spec, "updateStrategy", {"partition": 0})
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    if isinstance(retention, dict):
        retention.setdefault("whenDeleted", "Retain")
        retention.setdefault("whenScaled", "Retain")
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            if isinstance(claim.setdefault("spec", {}), dict):
                claim["spec"].setdefault("volumeMode", "Filesystem")
            claim.setdefault("status", {"phase": "Pending"})


def _daemon_set(objects, obj, old):
    _workload(False)(objects, obj, old)
    _rolling_update(obj["spec"], "updateStrategy", {"maxUnavailable": 1, "maxSurge": 0})


def _job(objects, obj, old):
    spec = obj.setdefault("spec", {})
    spec.setdefault("completions", 1)
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if not spec.get("podFailurePolicy"):
        spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    _template_defaults(spec)
    if old is not None:  # the generated selector and template labels are immutable
        spec["selector"] = (old.get("spec") or {}).get("selector")
        spec["template"] = (old.get("spec") or {}).get("template")
        return
    uid, name = obj["metadata"]["uid"], obj["metadata"]["name"]
    if not spec.get("manualSelector"):
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
    labels.update({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
                   "controller-uid": uid, "job-name": name})


def _pod_disruption_budget(objects, obj, old):
    """A new budget's status is the apiserver's empty one, whose counts JSON always carries (the disruption
    controller fills them in on its next pass, a moment later)."""
    if old is None:
        obj["status"] = {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}


def _horizontal_pod_autoscaler(objects, obj, old):
    """A new autoscaler's status is the apiserver's empty one: in autoscaling/v2 JSON desiredReplicas and a null
    currentMetrics (neither is omitempty; autoscaling/v1 shows currentReplicas and desiredReplicas at 0). The HPA
    controller fills it in on its next pass."""
    if old is None:
        obj["status"] = {"desiredReplicas": 0, "currentMetrics": None}


def _cron_job(objects, obj, old):
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_spec = (spec.get("jobTemplate") or {}).get("spec") if isinstance(spec.get("jobTemplate"), dict) else None
    if isinstance(job_spec, dict):
        _template_defaults(job_spec)


def _pod(objects, obj, old):
    spec = obj.setdefault("spec", {})
    _pod_spec_defaults(spec)
    spec.setdefault("serviceAccountName", "default")
    if old is None:
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}


_DEFAULTERS = {
    ("", "Namespace"): _namespace,
    ("", "Service"): _service,
    ("", "PersistentVolumeClaim"): _pvc,
    ("", "Pod"): _pod,
    ("", "Secret"): _secret,
    ("storage.k8s.io", "StorageClass"): _storage_class,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _workload(True),
    ("apps", "StatefulSet"): _stateful_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("policy", "PodDisruptionBudget"): _pod_disruption_budget,
    ("autoscaling", "HorizontalPodAutoscaler"): _horizontal_pod_autoscaler,
}


# --- validation ----------------------------------------------------------------------------------------

def _required(field: str) -> tuple[str, str, str]:
    return ("FieldValueRequired", field, "Required value")


def _containers(pod_spec, prefix: str) -> list:
    containers = (pod_spec or {}).get("containers") if isinstance(pod_spec, dict) else None
    if not containers or not isinstance(containers, list):
        return [_required(f"{prefix}.containers")]
    found = []
    for index, container in enumerate(containers):
        if not isinstance(container, dict):
            continue
        for key in ("name", "image"):
            if not container.get(key):
                found.append(_required(f"{prefix}.containers[{index}].{key}"))
    return found


def _templated(selector_required: bool):
    def check(obj):
        spec = obj.get("spec") or {}
        template = spec.get("template") or {}
        found = _containers(template.get("spec"), "spec.template.spec")
        if selector_required:
            selector = spec.get("selector")
            if not selector:
                found.append(_required("spec.selector"))
            else:
                labels = (template.get("metadata") or {}).get("labels") or {}
                wanted = (selector.get("matchLabels") or {}) if isinstance(selector, dict) else {}
                if any(labels.get(k) != v for k, v in wanted.items()):
                    found.append(("FieldValueInvalid", "spec.template.metadata.labels",
                                  f"Invalid value: {labels}: `selector` does not match template `labels`"))
        return found
    return check


def _pod_problems(obj):
    return _containers(obj.get("spec"), "spec")


def _service_problems(obj):
    spec = obj.get("spec") or {}
    if spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None" and not spec.get("ports"):
        return [_required("spec.ports")]
    return []


def _crd_problems(obj):
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    found = [_required(f"spec.names.{k}") for k in ("plural", "kind") if not names.get(k)]
    if not spec.get("group"):
        found.append(_required("spec.group"))
    if names.get("plural") and spec.get("group") and obj["metadata"].get("name") != f'{names["plural"]}.{spec["group"]}':
        found.append(("FieldValueInvalid", "metadata.name",
                      f'Invalid value: "{obj["metadata"].get("name")}": must be spec.names.plural+"."+spec.group'))
    versions = spec.get("versions") or []
    if sum(1 for v in versions if isinstance(v, dict) and v.get("storage")) != 1:
        found.append(("FieldValueInvalid", "spec.versions", "Invalid value: must have exactly one version marked as "
                                                             "storage version"))
    return found


_VALIDATORS = {
    ("", "Pod"): _pod_problems,
    ("", "Service"): _service_problems,
    ("apps", "Deployment"): _templated(True),
    ("apps", "ReplicaSet"): _templated(True),
    ("apps", "StatefulSet"): _templated(True),
    ("apps", "DaemonSet"): _templated(True),
    ("batch", "Job"): _templated(False),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd_problems,
}
