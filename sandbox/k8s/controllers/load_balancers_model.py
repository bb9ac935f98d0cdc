"""What the AWS Load Balancer Controller (chart eks/aws-load-balancer-controller) builds for Ingresses and
Services, as a model of AWS resources: pure mapping, no AWS calls (load_balancers_aws.py deploys a model,
load_balancers.py decides when).

Names, tags and finalizers follow the controller's own (kubernetes-sigs/aws-load-balancer-controller,
pkg/deploy/tracking/provider.go and the model builders): every resource is tagged
`elbv2.k8s.aws/cluster: <cluster>`, `<prefix>/stack: <stack>` and `<prefix>/resource: <resource id>`, with
prefix `ingress.k8s.aws` (stack `namespace/name`, or the group's name for an explicit IngressGroup) or
`service.k8s.aws` (stack `namespace/name`); resource ids `LoadBalancer`, `ManagedLBSecurityGroup` and, for target
groups, `namespace/ingress-service:port` or `namespace/service:port`. Load balancer, security group and target
group names are `k8s-<namespace:8>-<name:8>-<sha256:10>` (`k8s-<group:17>-<sha256:10>` for a group).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

INGRESS_CONTROLLER = "ingress.k8s.aws/alb"
INGRESS_FINALIZER = "ingress.k8s.aws/resources"  # an Ingress alone (implicit group)
GROUP_FINALIZER_PREFIX = "group.ingress.k8s.aws/"  # + the group's name (explicit group)
SERVICE_FINALIZER = "service.k8s.aws/resources"
NLB_CLASS = "service.k8s.aws/nlb"
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
LOAD_BALANCER, MANAGED_SG = "LoadBalancer", "ManagedLBSecurityGroup"
SG_DESCRIPTION = "[k8s] Managed SecurityGroup for LoadBalancer"
ALB, SVC = "alb.ingress.kubernetes.io/", "service.beta.kubernetes.io/"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


class ModelError(Exception):
    """What the controller reports as a FailedBuildModel event: the object's configuration cannot be built."""


@dataclass(frozen=True)
class Flags:
    """The controller's command line (the chart's Deployment args) that matter here."""

    cluster_name: str
    ingress_class: str = "alb"
    vpc_id: str = ""


def flags(deployment: dict) -> Flags:
    containers = (((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    args = {}
    for arg in (containers[0].get("args") or []) if containers else []:
        key, _, value = arg.lstrip("-").partition("=")
        args[key] = value
    return Flags(args.get("cluster-name", ""), args.get("ingress-class", "alb"), args.get("aws-vpc-id", ""))


@dataclass(frozen=True)
class TargetGroup:
    resource_id: str
    name: str
    protocol: str  # HTTP, TCP, UDP
    port: int
    target_type: str  # instance or ip
    targets: tuple[tuple[str, int], ...] = ()  # (instance id or pod IP, port)


@dataclass(frozen=True)
class Rule:
    priority: int
    conditions: tuple[tuple[str, tuple[str, ...]], ...]  # (host-header | path-pattern, values)
    target_group: str  # resource id


@dataclass(frozen=True)
class Listener:
    port: int
    protocol: str  # HTTP, HTTPS, TCP, UDP, TLS
    certificates: tuple[str, ...] = ()
    default_target_group: str | None = None  # None: a fixed 404 response (ALB without a default backend)
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Stack:
    """Everything the controller keeps for one Ingress group or one Service."""

    prefix: str  # ingress.k8s.aws or service.k8s.aws
    stack_id: str
    cluster: str
    lb_name: str
    lb_type: str  # application or network
    scheme: str  # internal or internet-facing
    sg_name: str
    sg_ingress: tuple[tuple[str, int, str], ...]  # (protocol, port, cidr)
    listeners: tuple[Listener, ...]
    target_groups: tuple[TargetGroup, ...]
    extra_tags: tuple[tuple[str, str], ...] = ()
    members: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # (namespace, name) carrying the finalizer

    def tags(self, resource_id: str) -> dict[str, str]:
        return {**dict(self.extra_tags), CLUSTER_TAG: self.cluster, f"{self.prefix}/stack": self.stack_id,
                f"{self.prefix}/resource": resource_id}

    def fingerprint(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()


def _name(namespace: str, name: str, *hashed: str) -> str:
    return f"k8s-{_NOT_ALNUM.sub('', namespace)[:8]}-{_NOT_ALNUM.sub('', name)[:8]}-{_hash(*hashed)[:10]}"


def csv_items(value: str | None) -> list[str]:
    """The items of a comma-separated annotation."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _group_name(group: str, *hashed: str) -> str:
    return f"k8s-{_NOT_ALNUM.sub('', group)[:17]}-{_hash(*hashed)[:10]}"


# --- Ingresses -------------------------------------------------------------------------------------------

def ingress_class_matches(ingress: dict, classes: dict[str, dict], flags_: Flags) -> bool:
    """Whether the controller handles this Ingress: its class (spec.ingressClassName, or the default IngressClass
    when it names none) has controller ingress.k8s.aws/alb, or the legacy annotation names --ingress-class."""
    meta, spec = ingress["metadata"], ingress.get("spec") or {}
    annotation = (meta.get("annotations") or {}).get(LEGACY_CLASS_ANNOTATION)
    if annotation is not None:
        return annotation == flags_.ingress_class
    name = spec.get("ingressClassName")
    if name is None:
        defaults = [c for c in classes.values()
                    if (c["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"]
        return len(defaults) == 1 and (defaults[0].get("spec") or {}).get("controller") == INGRESS_CONTROLLER
    return ((classes.get(name) or {}).get("spec") or {}).get("controller") == INGRESS_CONTROLLER


def group_of(ingress: dict) -> tuple[str, bool]:
    """(stack id, explicit): the IngressGroup an Ingress belongs to."""
    meta = ingress["metadata"]
    group = (meta.get("annotations") or {}).get(ALB + "group.name")
    return (group, True) if group else (f"{meta['namespace']}/{meta['name']}", False)


def group_finalizer(stack_id: str, explicit: bool) -> str:
    return GROUP_FINALIZER_PREFIX + stack_id if explicit else INGRESS_FINALIZER


def stacks_of_finalizers(ingress: dict) -> list[str]:
    """The stacks an Ingress still holds resources of, by its finalizers."""
    meta = ingress["metadata"]
    found = []
    for finalizer in meta.get("finalizers") or []:
        if finalizer == INGRESS_FINALIZER:
            found.append(f"{meta['namespace']}/{meta['name']}")
        elif finalizer.startswith(GROUP_FINALIZER_PREFIX):
            found.append(finalizer[len(GROUP_FINALIZER_PREFIX):])
    return found


def _annotation(members: list[dict], key: str, default: str | None = None) -> str | None:
    """An annotation of the group: the first member that sets it (members in group order)."""
    for member in members:
        value = (member["metadata"].get("annotations") or {}).get(key)
        if value:
            return value
    return default


def _listen_ports(ingress: dict) -> list[tuple[str, int]]:
    annotations = ingress["metadata"].get("annotations") or {}
    raw = annotations.get(ALB + "listen-ports")
    if not raw:
        return [("HTTPS", 443)] if annotations.get(ALB + "certificate-arn") else [("HTTP", 80)]
    try:
        entries = json.loads(raw)
        ports = [(protocol.upper(), int(port)) for entry in entries for protocol, port in entry.items()]
    except (ValueError, AttributeError, TypeError):
        raise ModelError(f"failed to parse annotation {ALB}listen-ports: {raw!r} (want e.g. "
                         '[{"HTTP": 80}, {"HTTPS": 443}])') from None
    for protocol, _ in ports:
        if protocol not in ("HTTP", "HTTPS"):
            raise ModelError(f"listen-ports protocol {protocol!r} is not HTTP or HTTPS")
    return ports


def _order(ingress: dict) -> tuple[int, str, str]:
    meta = ingress["metadata"]
    raw = (meta.get("annotations") or {}).get(ALB + "group.order", "0")
    try:
        order = int(raw)
    except ValueError:
        raise ModelError(f"failed to parse annotation {ALB}group.order: {raw!r} is not an integer") from None
    return order, meta["namespace"], meta["name"]


def _path_patterns(path: dict) -> tuple[str, ...]:
    value, kind = path.get("path") or "/", path.get("pathType", "ImplementationSpecific")
    if kind == "Exact":
        return (value,)
    if kind == "Prefix":
        if value == "/":
            return ("/*",)
        trimmed = value.rstrip("/")
        return (trimmed, trimmed + "/*")
    return (value,)


def _tags_annotation(raw: str | None, key: str) -> tuple[tuple[str, str], ...]:
    if not raw:
        return ()
    pairs = []
    for item in raw.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep or not name:
            raise ModelError(f"failed to parse annotation {key}: {raw!r} (want k1=v1,k2=v2)")
        pairs.append((name, value))
    return tuple(pairs)


@dataclass
class Cluster:
    """What the model builders read besides the objects being built: Services, Endpoints and node instance ids."""

    services: dict[tuple[str, str], dict]
    endpoints: dict[tuple[str, str], dict]
    instance_ids: tuple[str, ...]


def _service_port(cluster: Cluster, namespace: str, name: str, port) -> tuple[dict, dict]:
    service = cluster.services.get((namespace, name))
    if service is None:
        raise ModelError(f"service {namespace}/{name} not found")
    for candidate in (service.get("spec") or {}).get("ports") or []:
        if candidate.get("port") == port or (candidate.get("name") and candidate.get("name") == port):
            return service, candidate
    raise ModelError(f"unable to find port {port} on service {namespace}/{name}")


def _targets(cluster: Cluster, service: dict, port: dict, target_type: str) -> tuple[int, tuple]:
    """(target group port, targets) for a service port: node ports on every node's instance (instance), or the
    ready pod addresses of its Endpoints (ip)."""
    meta = service["metadata"]
    if target_type == "instance":
        if (service.get("spec") or {}).get("type") not in ("NodePort", "LoadBalancer"):
            raise ModelError(f"service {meta['namespace']}/{meta['name']} must be of type NodePort or LoadBalancer "
                             "for target-type instance")
        if not port.get("nodePort"):
            raise ModelError(f"service {meta['namespace']}/{meta['name']} port {port.get('port')} has no nodePort")
        node_port = int(port["nodePort"])
        return node_port, tuple((instance, node_port) for instance in cluster.instance_ids)
    target_port = port.get("targetPort", port.get("port"))
    found = []
    for subset in (cluster.endpoints.get((meta["namespace"], meta["name"])) or {}).get("subsets") or []:
        ports = [p for p in subset.get("ports") or [] if p.get("name", "") == port.get("name", "")]
        for address in subset.get("addresses") or []:
            for subset_port in ports:
                found.append((address["ip"], int(subset_port["port"])))
    tg_port = target_port if isinstance(target_port, int) else (found[0][1] if found else 1)
    return tg_port, tuple(sorted(found))


def ingress_stack(stack_id: str, explicit: bool, members: list[dict], cluster: Cluster, flags_: Flags) -> Stack:
    """The ALB for an IngressGroup (members: its active Ingresses)."""
    members = sorted(members, key=_order)
    scheme = _annotation(members, ALB + "scheme", "internal")
    if scheme not in ("internal", "internet-facing"):
        raise ModelError(f"unknown scheme {scheme!r}: use internal or internet-facing")
    if explicit:
        lb_name = _group_name(stack_id, flags_.cluster_name, stack_id, scheme)
        sg_name = _group_name(stack_id, flags_.cluster_name, stack_id)
    else:
        namespace, name = stack_id.split("/", 1)
        lb_name = _name(namespace, name, flags_.cluster_name, stack_id, scheme)
        sg_name = _name(namespace, name, flags_.cluster_name, stack_id)
    listeners: dict[int, dict] = {}
    target_groups: dict[str, TargetGroup] = {}

    def target_group(ingress: dict, backend: dict) -> str:
        meta = ingress["metadata"]
        ref = backend.get("service")
        if not ref:
            raise ModelError(f"ingress {meta['namespace']}/{meta['name']}: only service backends are supported")
        port_ref = (ref.get("port") or {}).get("number", (ref.get("port") or {}).get("name"))
        service, port = _service_port(cluster, meta["namespace"], ref["name"], port_ref)
        annotations = {**(service["metadata"].get("annotations") or {}), **(meta.get("annotations") or {})}
        target_type = annotations.get(ALB + "target-type", "instance")
        if target_type not in ("instance", "ip"):
            raise ModelError(f"unknown target-type {target_type!r}: use instance or ip")
        tg_port, targets = _targets(cluster, service, port, target_type)
        resource_id = f"{meta['namespace']}/{meta['name']}-{ref['name']}:{port_ref}"
        name = _name(meta["namespace"], ref["name"], flags_.cluster_name, meta["namespace"], meta["name"],
                     service["metadata"]["uid"], str(port_ref), str(tg_port), target_type, "HTTP", "HTTP1")
        target_groups[resource_id] = TargetGroup(resource_id, name, "HTTP", tg_port, target_type, targets)
        return resource_id

    default_backend = None
    for ingress in members:
        annotations = ingress["metadata"].get("annotations") or {}
        spec = ingress.get("spec") or {}
        certificates = tuple(csv_items(annotations.get(ALB + "certificate-arn")))
        if spec.get("defaultBackend"):
            if default_backend is not None:
                raise ModelError("conflicting default backends in the ingress group")
            default_backend = target_group(ingress, spec["defaultBackend"])
        rules = []
        for rule in spec.get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                conditions = ((("host-header", (rule["host"],)),) if rule.get("host") else ()) + \
                    (("path-pattern", _path_patterns(path)),)
                rules.append((conditions, target_group(ingress, path["backend"])))
        for protocol, port in _listen_ports(ingress):
            listener = listeners.setdefault(port, {"protocol": protocol, "certificates": [], "rules": []})
            if listener["protocol"] != protocol:
                raise ModelError(f"conflicting protocols for listen port {port}: {listener['protocol']} and {protocol}")
            if protocol == "HTTPS":
                if not certificates:
                    raise ModelError(f"listen port {port} is HTTPS but no {ALB}certificate-arn is set")
                listener["certificates"] += [c for c in certificates if c not in listener["certificates"]]
            listener["rules"] += rules
    if not listeners:
        raise ModelError("the ingress group has no listen ports")
    cidrs = csv_items(_annotation(members, ALB + "inbound-cidrs", "0.0.0.0/0"))
    return Stack(
        prefix="ingress.k8s.aws", stack_id=stack_id, cluster=flags_.cluster_name, lb_name=lb_name,
        lb_type="application", scheme=scheme, sg_name=sg_name,
        sg_ingress=tuple(("tcp", port, cidr) for port in sorted(listeners) for cidr in cidrs),
        listeners=tuple(Listener(port, spec["protocol"], tuple(spec["certificates"]), default_backend,
                                 tuple(Rule(priority, conditions, tg)
                                       for priority, (conditions, tg) in enumerate(spec["rules"], start=1)))
                        for port, spec in sorted(listeners.items())),
        target_groups=tuple(target_groups[k] for k in sorted(target_groups)),
        extra_tags=_tags_annotation(_annotation(members, ALB + "tags"), ALB + "tags"),
        members=tuple((m["metadata"]["namespace"], m["metadata"]["name"]) for m in members))


# --- Services ------------------------------------------------------------------------------------------

def service_handled(service: dict) -> bool:
    """Whether a Service is the AWS Load Balancer Controller's (not the in-tree cloud provider's): type
    LoadBalancer with loadBalancerClass service.k8s.aws/nlb, or the aws-load-balancer-type annotation
    `external` / `nlb-ip` (which the in-tree provider leaves alone)."""
    spec = service.get("spec") or {}
    if spec.get("type") != "LoadBalancer":
        return False
    if spec.get("loadBalancerClass"):
        return spec["loadBalancerClass"] == NLB_CLASS
    kind = (service["metadata"].get("annotations") or {}).get(SVC + "aws-load-balancer-type")
    return kind in ("external", "nlb-ip")


def service_stack(service: dict, cluster: Cluster, flags_: Flags) -> Stack:
    """The NLB for a Service of type LoadBalancer the controller handles."""
    meta, spec = service["metadata"], service.get("spec") or {}
    annotations = meta.get("annotations") or {}
    namespace, name = meta["namespace"], meta["name"]
    scheme = annotations.get(SVC + "aws-load-balancer-scheme", "internal")
    if scheme not in ("internal", "internet-facing"):
        raise ModelError(f"unknown scheme {scheme!r}: use internal or internet-facing")
    default_type = "ip" if annotations.get(SVC + "aws-load-balancer-type") == "nlb-ip" else "instance"
    target_type = annotations.get(SVC + "aws-load-balancer-nlb-target-type", default_type)
    if target_type not in ("instance", "ip"):
        raise ModelError(f"unknown target type {target_type!r}: use instance or ip")
    certificates = tuple(csv_items(annotations.get(SVC + "aws-load-balancer-ssl-cert")))
    ssl_ports = set(csv_items(annotations.get(SVC + "aws-load-balancer-ssl-ports")))
    listeners, target_groups, sg_ingress = [], [], []
    cidrs = spec.get("loadBalancerSourceRanges") or ["0.0.0.0/0"]
    for port in spec.get("ports") or []:
        protocol = port.get("protocol", "TCP")
        tg_port, targets = _targets(cluster, service, port, target_type)
        resource_id = f"{namespace}/{name}:{port['port']}"
        tg_name = _name(namespace, name, flags_.cluster_name, meta["uid"], str(port["port"]), str(tg_port),
                        target_type, protocol)
        target_groups.append(TargetGroup(resource_id, tg_name, protocol, tg_port, target_type, targets))
        tls = certificates and protocol == "TCP" and (not ssl_ports or str(port["port"]) in ssl_ports
                                                      or port.get("name") in ssl_ports)
        listeners.append(Listener(int(port["port"]), "TLS" if tls else protocol, certificates if tls else (),
                                  resource_id))
        sg_ingress += [(protocol.lower(), int(port["port"]), cidr) for cidr in cidrs]
    if not listeners:
        raise ModelError(f"service {namespace}/{name} has no ports")
    return Stack(
        prefix="service.k8s.aws", stack_id=f"{namespace}/{name}", cluster=flags_.cluster_name,
        lb_name=_name(namespace, name, flags_.cluster_name, meta["uid"], scheme), lb_type="network", scheme=scheme,
        sg_name=_name(namespace, name, flags_.cluster_name, f"{namespace}/{name}"), sg_ingress=tuple(sg_ingress),
        listeners=tuple(listeners), target_groups=tuple(target_groups),
        extra_tags=_tags_annotation(annotations.get(SVC + "aws-load-balancer-additional-resource-tags"),
                                    SVC + "aws-load-balancer-additional-resource-tags"),
        members=((namespace, name),))
