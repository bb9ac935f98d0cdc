"""The AWS Load Balancer Controller: an ALB in the AWS sandbox for each IngressGroup of class alb, an NLB for each
Service of type LoadBalancer it handles; the `ingress.k8s.aws/resources` (or `group.ingress.k8s.aws/<group>`) and
`service.k8s.aws/resources` finalizers; the load balancer's DNS name in the object's status.

Acts only while the chart's controller Deployment (label app.kubernetes.io/name=aws-load-balancer-controller) is
installed and ready, reading --cluster-name, --ingress-class and --aws-vpc-id from its args. While it is not, nothing
happens: an Ingress being deleted keeps its finalizer and stays Terminating, as on EKS. The model
(load_balancers_model.py) is rebuilt when Ingresses, Services, Endpoints or nodes change; AWS is called only for a
stack whose model changed since it was last deployed (or failed: retried every RETRY_SECONDS).
"""

from __future__ import annotations

import time

from .. import kinds
from . import events
from . import load_balancers_model as model
from .context import DEPLOYMENTS, NODES, SERVICES, Context
from .custom_resources import ready_workload
from .endpoints import ENDPOINTS
from .load_balancers_aws import Deployer, DeployError
from .stages import Gate

INGRESSES = kinds.builtin_by_kind("networking.k8s.io", "Ingress")
INGRESS_CLASSES = kinds.builtin_by_kind("networking.k8s.io", "IngressClass")
GATE = Gate("Deployment", {"app.kubernetes.io/name": "aws-load-balancer-controller"})
NAME = "load-balancers"
RETRY_SECONDS = 2.0


def reconcile(ctx: Context) -> None:
    memory = ctx.remembered(NAME)
    changed = ctx.changed(NAME, INGRESSES, INGRESS_CLASSES, SERVICES, ENDPOINTS, NODES, DEPLOYMENTS)
    if not changed and time.monotonic() < memory.get("retry_at", float("inf")):
        return
    workload = ready_workload(ctx, GATE)
    if workload is None:
        return
    memory.pop("retry_at", None)
    flags = model.flags(workload)
    deployer = _deployer(ctx, flags)
    cluster = model.Cluster(
        services={(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in ctx.list(SERVICES)},
        endpoints={(e["metadata"]["namespace"], e["metadata"]["name"]): e for e in ctx.list(ENDPOINTS)},
        instance_ids=tuple(sorted((n.get("spec") or {}).get("providerID", "").rsplit("/", 1)[-1]
                                  for n in ctx.list(NODES) if (n.get("spec") or {}).get("providerID"))))
    deployed = memory.setdefault("deployed", {})  # (prefix, stack id) -> fingerprint last deployed
    _ingresses(ctx, memory, deployer, cluster, flags, deployed)
    _services(ctx, memory, deployer, cluster, flags, deployed)


def _deployer(ctx: Context, flags: model.Flags) -> Deployer:
    # Without --aws-vpc-id the controller asks the instance metadata: its node is in the cluster's VPC.
    vpc_id = flags.vpc_id or cluster_vpc(ctx)["vpcId"]
    return Deployer(ctx.aws("elbv2"), ctx.aws("ec2"), flags.cluster_name or ctx.info.name, vpc_id)


def cluster_vpc(ctx: Context) -> dict:
    """The cluster's resourcesVpcConfig as EKS describes it (asked once per cluster)."""
    memory = ctx.remembered("cluster-vpc")
    if "config" not in memory:
        memory["config"] = ctx.aws("eks").describe_cluster(name=ctx.info.name)["cluster"]["resourcesVpcConfig"]
    return memory["config"]


# --- Ingresses -------------------------------------------------------------------------------------------

def _ingresses(ctx: Context, memory: dict, deployer: Deployer, cluster: model.Cluster, flags: model.Flags,
               deployed: dict) -> None:
    classes = {c["metadata"]["name"]: c for c in ctx.list(INGRESS_CLASSES)}
    active: dict[str, list[dict]] = {}
    explicit: dict[str, bool] = {}
    leaving: dict[str, list[dict]] = {}  # stack -> Ingresses holding its finalizer that are no longer members
    for ingress in ctx.list(INGRESSES):
        member_of = None
        if not ingress["metadata"].get("deletionTimestamp") and model.ingress_class_matches(ingress, classes, flags):
            member_of, is_explicit = model.group_of(ingress)
            explicit[member_of] = is_explicit
            active.setdefault(member_of, []).append(ingress)
        for stack_id in model.stacks_of_finalizers(ingress):
            if stack_id != member_of:
                leaving.setdefault(stack_id, []).append(ingress)
    for stack_id in sorted(set(active) | set(leaving)):
        key = ("ingress.k8s.aws", stack_id)
        members = active.get(stack_id, [])
        try:
            if members:
                finalizer = model.group_finalizer(stack_id, explicit[stack_id])
                members = [_with_finalizer(ctx, INGRESSES, m, finalizer) for m in members]
                if None in members:  # a write lost a race: build the group once all its members are seen again
                    _retry(ctx, memory)
                    continue
                stack = model.ingress_stack(stack_id, explicit[stack_id], members, cluster, flags)
                hostname = _deploy(ctx, deployer, stack, deployed, key, members, "ingress")
                for member in members:
                    _publish(ctx, INGRESSES, member, hostname)
            else:
                deployer.delete(*key)
                deployed.pop(key, None)
        except _failures() as error:
            _failed(ctx, memory, members or leaving.get(stack_id, []), error, "ingress")
            continue
        for ingress in leaving.get(stack_id, []):
            _without_finalizer(ctx, INGRESSES, ingress, stack_id)


# --- Services ------------------------------------------------------------------------------------------

def _services(ctx: Context, memory: dict, deployer: Deployer, cluster: model.Cluster, flags: model.Flags,
              deployed: dict) -> None:
    for service in cluster.services.values():
        meta = service["metadata"]
        key = ("service.k8s.aws", f"{meta['namespace']}/{meta['name']}")
        handled = model.service_handled(service) and not meta.get("deletionTimestamp")
        if not handled and model.SERVICE_FINALIZER not in (meta.get("finalizers") or []):
            continue
        try:
            if handled:
                service = _with_finalizer(ctx, SERVICES, service, model.SERVICE_FINALIZER)
                if service is None:
                    continue
                hostname = _deploy(ctx, deployer, model.service_stack(service, cluster, flags), deployed, key,
                                   [service], "service")
                _publish(ctx, SERVICES, service, hostname)
            else:
                deployer.delete(*key)
                deployed.pop(key, None)
                _without_finalizer(ctx, SERVICES, service, key[1])
        except _failures() as error:
            _failed(ctx, memory, [service], error, "service")


# --- shared --------------------------------------------------------------------------------------------

def _deploy(ctx: Context, deployer: Deployer, stack: model.Stack, deployed: dict, key: tuple, objs: list[dict],
            component: str) -> str:
    """The stack's DNS name, deploying it first (and saying so in a SuccessfullyReconciled event on its objects)
    unless this exact model is already deployed."""
    fingerprint = stack.fingerprint()
    done = deployed.get(key)
    if done and done[0] == fingerprint:
        return done[1]
    deployed.pop(key, None)
    hostname = deployer.deploy(stack)
    deployed[key] = (fingerprint, hostname)
    for obj in objs:
        events.record(ctx, obj, "SuccessfullyReconciled", "Successfully reconciled", component)
    return hostname


def _with_finalizer(ctx: Context, rtype, obj: dict, finalizer: str) -> dict | None:
    """The object with the finalizer added (before any AWS resource is made for it), or None if that write lost a
    race (the next pass sees the newer object)."""
    finalizers = obj["metadata"].get("finalizers") or []
    if finalizer in finalizers:
        return obj
    obj["metadata"]["finalizers"] = [*finalizers, finalizer]
    return ctx.update(rtype, obj)


def _without_finalizer(ctx: Context, rtype, obj: dict, stack_id: str) -> None:
    meta = obj["metadata"]
    own = f"{meta['namespace']}/{meta['name']}"
    kept = [f for f in meta.get("finalizers") or []
            if not (f in (model.INGRESS_FINALIZER, model.SERVICE_FINALIZER) and stack_id == own)
            and f != model.GROUP_FINALIZER_PREFIX + stack_id]
    if kept != (meta.get("finalizers") or []):
        meta["finalizers"] = kept
        ctx.update(rtype, obj)


def _publish(ctx: Context, rtype, obj: dict, hostname: str) -> None:
    status = dict(obj.get("status") or {})
    status["loadBalancer"] = {"ingress": [{"hostname": hostname}]}
    ctx.set_status(rtype, obj, status)


def _failures() -> tuple:
    """What a reconcile of one stack may fail with (botocore is imported only once AWS is used)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return model.ModelError, DeployError, ClientError, BotoCoreError


def _failed(ctx: Context, memory: dict, objs: list[dict], error: Exception, component: str) -> None:
    """A Warning event on each object (once per distinct message), and a retry soon."""
    reason = "FailedBuildModel" if isinstance(error, model.ModelError) else "FailedDeployModel"
    message = f"Failed {'build model' if reason == 'FailedBuildModel' else 'deploy model'} due to {error}"
    reported = memory.setdefault("reported", {})
    for obj in objs:
        uid = obj["metadata"]["uid"]
        if reported.get(uid) != message:
            reported[uid] = message
            events.record(ctx, obj, reason, message, component, type_="Warning")
    _retry(ctx, memory)


def _retry(ctx: Context, memory: dict) -> None:
    memory["retry_at"] = time.monotonic() + RETRY_SECONDS
    ctx.wake_in(RETRY_SECONDS)
