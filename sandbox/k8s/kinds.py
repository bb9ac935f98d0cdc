"""The resource types a cluster serves: one data table of built-in kinds, plus CRD-defined kinds."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
CREATE_ONLY = ("create",)


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    # For CRD-defined kinds: the served version's openAPIV3Schema (None for built-ins, whose
    # schema comes from the bundled OpenAPI definitions).
    crd_schema: dict | None = field(default=None, compare=False, hash=False)
    # What the apiextensions-apiserver derives from the served version: the structural schema pruning and
    # server-side apply walk, additionalPrinterColumns, and the scale subresource's paths.
    structural_schema: dict | None = field(default=None, compare=False, hash=False)
    printer_columns: tuple = field(default=(), compare=False, hash=False)
    scale_paths: dict | None = field(default=None, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def is_custom(self) -> bool:
        return self.crd_schema is not None


# (apiVersion, kind, plural, namespaced, short names, categories, subresources, verbs)
_N, _C = True, False
_BUILTIN_ROWS = [
    ("v1", "Namespace", "namespaces", _C, ("ns",), (), ("status", "finalize"), ALL_VERBS),
    ("v1", "Pod", "pods", _N, ("po",), ("all",), ("status",), ALL_VERBS),
    ("v1", "Service", "services", _N, ("svc",), ("all",), ("status",), ALL_VERBS),
    ("v1", "Endpoints", "endpoints", _N, ("ep",), (), (), ALL_VERBS),
    ("v1", "ConfigMap", "configmaps", _N, ("cm",), (), (), ALL_VERBS),
    ("v1", "Secret", "secrets", _N, (), (), (), ALL_VERBS),
    ("v1", "ServiceAccount", "serviceaccounts", _N, ("sa",), (), ("token",), ALL_VERBS),
    ("v1", "Node", "nodes", _C, ("no",), (), ("status",), ALL_VERBS),
    ("v1", "PersistentVolume", "persistentvolumes", _C, ("pv",), (), ("status",), ALL_VERBS),
    ("v1", "PersistentVolumeClaim", "persistentvolumeclaims", _N, ("pvc",), (), ("status",), ALL_VERBS),
    ("v1", "Event", "events", _N, ("ev",), (), (), ALL_VERBS),
    ("v1", "LimitRange", "limitranges", _N, ("limits",), (), (), ALL_VERBS),
    ("v1", "ResourceQuota", "resourcequotas", _N, ("quota",), (), ("status",), ALL_VERBS),
    ("v1", "ReplicationController", "replicationcontrollers", _N, ("rc",), ("all",), ("status", "scale"), ALL_VERBS),
    ("apps/v1", "Deployment", "deployments", _N, ("deploy",), ("all",), ("status", "scale"), ALL_VERBS),
    ("apps/v1", "ReplicaSet", "replicasets", _N, ("rs",), ("all",), ("status", "scale"), ALL_VERBS),
    ("apps/v1", "StatefulSet", "statefulsets", _N, ("sts",), ("all",), ("status", "scale"), ALL_VERBS),
    ("apps/v1", "DaemonSet", "daemonsets", _N, ("ds",), ("all",), ("status",), ALL_VERBS),
    ("apps/v1", "ControllerRevision", "controllerrevisions", _N, (), (), (), ALL_VERBS),
    ("batch/v1", "Job", "jobs", _N, (), ("all",), ("status",), ALL_VERBS),
    ("batch/v1", "CronJob", "cronjobs", _N, ("cj",), ("all",), ("status",), ALL_VERBS),
    ("networking.k8s.io/v1", "Ingress", "ingresses", _N, ("ing",), (), ("status",), ALL_VERBS),
    ("networking.k8s.io/v1", "IngressClass", "ingressclasses", _C, (), (), (), ALL_VERBS),
    ("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", _N, ("netpol",), (), (), ALL_VERBS),
    ("rbac.authorization.k8s.io/v1", "Role", "roles", _N, (), (), (), ALL_VERBS),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", _N, (), (), (), ALL_VERBS),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", _C, (), (), (), ALL_VERBS),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", _C, (), (), (), ALL_VERBS),
    ("storage.k8s.io/v1", "StorageClass", "storageclasses", _C, ("sc",), (), (), ALL_VERBS),
    ("storage.k8s.io/v1", "CSIDriver", "csidrivers", _C, (), (), (), ALL_VERBS),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", _C, ("crd", "crds"),
     ("api-extensions",), ("status",), ALL_VERBS),
    ("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", _N, ("pdb",), (), ("status",), ALL_VERBS),
    ("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", _N, ("hpa",), ("all",),
     ("status",), ALL_VERBS),
    ("autoscaling/v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", _N, ("hpa",), ("all",),
     ("status",), ALL_VERBS),
    ("events.k8s.io/v1", "Event", "events", _N, (), (), (), ALL_VERBS),
    ("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", _N, (), (), (), ALL_VERBS),
    ("apiregistration.k8s.io/v1", "APIService", "apiservices", _C, (), ("api-extensions",), ("status",), ALL_VERBS),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", _C,
     (), ("api-extensions",), (), ALL_VERBS),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", _C,
     (), ("api-extensions",), (), ALL_VERBS),
    ("coordination.k8s.io/v1", "Lease", "leases", _N, (), (), (), ALL_VERBS),
    ("scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", _C, ("pc",), (), (), ALL_VERBS),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", _C, (), (), (), CREATE_ONLY),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", _C, (), (), (), CREATE_ONLY),
    ("authentication.k8s.io/v1", "SelfSubjectReview", "selfsubjectreviews", _C, (), (), (), CREATE_ONLY),
]


def _split_api_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


BUILTIN_TYPES: tuple[ResourceType, ...] = tuple(
    ResourceType(*_split_api_version(av), kind, plural, namespaced, shorts, cats, subs, verbs)
    for av, kind, plural, namespaced, shorts, cats, subs, verbs in _BUILTIN_ROWS
)
_BUILTIN_BY_PATH = {(t.group, t.version, t.plural): t for t in BUILTIN_TYPES}
# By kind, the first row of a kind wins: the version objects are stored in (see STORED_AS).
_BUILTIN_BY_KIND: dict[tuple[str, str], ResourceType] = {}
for _type in BUILTIN_TYPES:
    _BUILTIN_BY_KIND.setdefault((_type.group, _type.kind), _type)

# The Scale subresource always speaks autoscaling/v1 Scale, whatever the parent's group; a service account's
# token subresource takes and answers a TokenRequest.
SCALE_KIND = ("autoscaling", "v1", "Scale")
TOKEN_REQUEST_KIND = ("authentication.k8s.io", "v1", "TokenRequest")


def builtin(group: str, version: str, plural: str) -> ResourceType | None:
    return _BUILTIN_BY_PATH.get((group, version, plural))


def builtin_by_kind(group: str, kind: str) -> ResourceType | None:
    return _BUILTIN_BY_KIND.get((group, kind))


# Types served in another form than they are stored in (conversion.py converts): events.k8s.io/v1 Events are
# core v1 Events, autoscaling/v1 HPAs are autoscaling/v2 ones.
def _storage_form(rtype: ResourceType) -> ResourceType:
    return _BUILTIN_BY_KIND[("", "Event") if rtype.group == "events.k8s.io" else (rtype.group, rtype.kind)]


STORED_AS = {(t.group, t.version, t.plural): _storage_form(t) for t in BUILTIN_TYPES if _storage_form(t) is not t}


# Deprecations the apiserver announces with a Warning header on every request, from the Kubernetes version on.
DEPRECATIONS = {("", "endpoints"): ((1, 33), "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 "
                                             "EndpointSlice")}


def deprecation(rtype: ResourceType, kubernetes_version: str) -> str | None:
    since, message = DEPRECATIONS.get((rtype.group, rtype.plural), ((99, 0), ""))
    major, _, minor = kubernetes_version.partition(".")
    try:
        return message if (int(major), int(minor)) >= since else None
    except ValueError:
        return None


def stored_type(rtype: ResourceType) -> ResourceType:
    return STORED_AS.get((rtype.group, rtype.version, rtype.plural), rtype)


CRD_TYPE = _BUILTIN_BY_KIND[("apiextensions.k8s.io", "CustomResourceDefinition")]
NAMESPACE_TYPE = _BUILTIN_BY_KIND[("", "Namespace")]


_CRD_TYPES: dict[tuple[str, str], list[ResourceType]] = {}


def crd_types(crd: dict) -> list[ResourceType]:
    """The served versions a CustomResourceDefinition object defines (remembered per uid and resourceVersion:
    every request resolves its type through them)."""
    meta = crd.get("metadata") or {}
    key = (meta.get("uid", ""), meta.get("resourceVersion", ""))
    if not all(key):
        return _crd_types(crd)
    if key not in _CRD_TYPES:
        if len(_CRD_TYPES) > 1024:
            _CRD_TYPES.clear()
        _CRD_TYPES[key] = _crd_types(crd)
    return _CRD_TYPES[key]


def _crd_types(crd: dict) -> list[ResourceType]:
    from .customresources import structural  # not at import time: start-up stays light

    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    result = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = tuple(sorted((version.get("subresources") or {}).keys()))
        schema = ((version.get("schema") or {}).get("openAPIV3Schema")) or {"type": "object",
                                                                           "x-kubernetes-preserve-unknown-fields": True}
        result.append(ResourceType(
            group=spec.get("group", ""),
            version=version.get("name", ""),
            kind=names.get("kind", ""),
            plural=names.get("plural", ""),
            namespaced=spec.get("scope") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            subresources=subresources,
            crd_schema=schema,
            structural_schema=structural(schema),
            printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
            scale_paths=(version.get("subresources") or {}).get("scale"),
        ))
    return result

