"""LoadBalancer Services the AWS Load Balancer Controller does not handle: a Classic Load Balancer in the AWS sandbox,
made by EKS's built-in AWS cloud provider (part of the control plane: no chart, no gate) through the service
controller, as the legacy in-tree provider does it:

- name `a` + the Service's uid without dashes (32 characters), tags `kubernetes.io/service-name: <ns>/<name>` and
  `kubernetes.io/cluster/<cluster>: owned`; the finalizer `service.kubernetes.io/load-balancer-cleanup` first;
- a TCP listener per port to the node port on every node's instance, internet-facing unless annotated
  `service.beta.kubernetes.io/aws-load-balancer-internal`; a security group `k8s-elb-<name>` opening the ports to
  `spec.loadBalancerSourceRanges` (default 0.0.0.0/0);
- subnets: the VPC's subnets tagged for the cluster (`kubernetes.io/cluster/<cluster>`), else the cluster's own;
  public ones only (routed to an internet gateway, or tagged `kubernetes.io/role/elb`) for an internet-facing
  one; one per zone. None: a SyncLoadBalancerFailed event, retried;
- `status.loadBalancer.ingress[0].hostname` = its DNS name; deleting the Service (or changing its type) deletes the
  load balancer and security group, then the finalizer.
"""

from __future__ import annotations

import time

from . import events
from .context import NODES, SERVICES, Context
from .load_balancers import cluster_vpc
from .load_balancers_aws import public_subnet_ids
from .load_balancers_model import SVC, service_handled

NAME = "services"
FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
COMPONENT = "service-controller"
RETRY_SECONDS = 2.0


class SyncError(Exception):
    pass


def reconcile(ctx: Context) -> None:
    memory = ctx.remembered(NAME)
    if not ctx.changed(NAME, SERVICES, NODES) and time.monotonic() < memory.get("retry_at", float("inf")):
        return
    memory.pop("retry_at", None)
    ensured = memory.setdefault("ensured", {})  # uid -> (what was ensured, DNS name)
    instances = sorted((n.get("spec") or {}).get("providerID", "").rsplit("/", 1)[-1] for n in ctx.list(NODES)
                       if (n.get("spec") or {}).get("providerID"))
    for service in ctx.list(SERVICES):
        meta, spec = service["metadata"], service.get("spec") or {}
        wanted = spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass") and \
            not service_handled(service) and not meta.get("deletionTimestamp")
        if not wanted and FINALIZER not in (meta.get("finalizers") or []):
            continue
        from botocore.exceptions import BotoCoreError, ClientError  # only once a load balancer is concerned

        try:
            if wanted:
                _ensure(ctx, service, instances, ensured)
            else:
                _delete(ctx, service, ensured)
        except (SyncError, ClientError, BotoCoreError) as error:
            message = f"Error syncing load balancer: failed to ensure load balancer: {error}"
            reported = memory.setdefault("reported", {})
            if reported.get(meta["uid"]) != message:
                reported[meta["uid"]] = message
                events.record(ctx, service, "SyncLoadBalancerFailed", message, COMPONENT, type_="Warning")
            memory["retry_at"] = time.monotonic() + RETRY_SECONDS
            ctx.wake_in(RETRY_SECONDS)


def load_balancer_name(uid: str) -> str:
    return ("a" + uid.replace("-", ""))[:32]


def _ensure(ctx: Context, service: dict, instances: list[str], ensured: dict) -> None:
    meta, spec = service["metadata"], service["spec"]
    if FINALIZER not in (meta.get("finalizers") or []):
        meta["finalizers"] = [*(meta.get("finalizers") or []), FINALIZER]
        service = ctx.update(SERVICES, service)
        if service is None:
            return
    internal = bool((meta.get("annotations") or {}).get(SVC + "aws-load-balancer-internal"))
    ports = tuple((int(p["port"]), int(p["nodePort"])) for p in spec.get("ports") or [] if p.get("nodePort"))
    cidrs = tuple(spec.get("loadBalancerSourceRanges") or ["0.0.0.0/0"])
    wanted = (internal, ports, cidrs, tuple(instances))
    done = ensured.get(meta["uid"])
    if done is None or done[0] != wanted:
        events.record(ctx, service, "EnsuringLoadBalancer", "Ensuring load balancer", COMPONENT)
        hostname = _ensure_in_aws(ctx, service, internal, ports, cidrs, instances)
        ensured[meta["uid"]] = (wanted, hostname)
        events.record(ctx, service, "EnsuredLoadBalancer", "Ensured load balancer", COMPONENT)
    status = dict(service.get("status") or {})
    status["loadBalancer"] = {"ingress": [{"hostname": ensured[meta["uid"]][1]}]}
    ctx.set_status(SERVICES, service, status)


def _ensure_in_aws(ctx: Context, service: dict, internal: bool, ports: tuple, cidrs: tuple,
                   instances: list[str]) -> str:
    meta = service["metadata"]
    name, cluster_tag = load_balancer_name(meta["uid"]), f"kubernetes.io/cluster/{ctx.info.name}"
    elb, ec2, vpc = ctx.aws("elb"), ctx.aws("ec2"), cluster_vpc(ctx)
    group_id = _ensure_security_group(ec2, vpc["vpcId"], name, f"{meta['namespace']}/{meta['name']}", cluster_tag,
                                      {(port, cidr) for port, _ in ports for cidr in cidrs})
    listeners = [{"Protocol": "TCP", "LoadBalancerPort": port, "InstanceProtocol": "TCP", "InstancePort": node_port}
                 for port, node_port in ports]
    found = elb.describe_load_balancers()["LoadBalancerDescriptions"]
    current = next((d for d in found if d["LoadBalancerName"] == name), None)
    if current is None:
        subnets = _subnets(ec2, vpc, cluster_tag, internal)
        elb.create_load_balancer(
            LoadBalancerName=name, Listeners=listeners, Subnets=subnets, SecurityGroups=[group_id],
            **({"Scheme": "internal"} if internal else {}),
            Tags=[{"Key": "kubernetes.io/service-name", "Value": f"{meta['namespace']}/{meta['name']}"},
                  {"Key": cluster_tag, "Value": "owned"}])
    else:
        have = {(d["Listener"]["LoadBalancerPort"], d["Listener"]["InstancePort"])
                for d in current.get("ListenerDescriptions") or []}
        stale = sorted({port for port, node_port in have if (port, node_port) not in set(ports)})
        if stale:
            elb.delete_load_balancer_listeners(LoadBalancerName=name, LoadBalancerPorts=stale)
        missing = [listener for listener in listeners
                   if (listener["LoadBalancerPort"], listener["InstancePort"]) not in have]
        if missing:
            elb.create_load_balancer_listeners(LoadBalancerName=name, Listeners=missing)
    if instances:
        elb.register_instances_with_load_balancer(LoadBalancerName=name,
                                                  Instances=[{"InstanceId": i} for i in instances])
    return elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]["DNSName"]


def _ensure_security_group(ec2, vpc_id: str, name: str, service: str, cluster_tag: str, rules: set) -> str:
    group_name = f"k8s-elb-{name}"
    found = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                  {"Name": "group-name", "Values": [group_name]}])["SecurityGroups"]
    if found:
        group = found[0]
    else:
        group = {"GroupId": ec2.create_security_group(
            GroupName=group_name, Description=f"Security group for Kubernetes ELB {name} ({service})", VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": cluster_tag, "Value": "owned"}]}],
        )["GroupId"]}
    have = {(p.get("FromPort"), r["CidrIp"]) for p in group.get("IpPermissions") or [] if p.get("IpProtocol") == "tcp"
            for r in p.get("IpRanges") or []}

    def permissions(pairs):
        return [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}
                for port, cidr in sorted(pairs)]

    if have - rules:
        ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=permissions(have - rules))
    if rules - have:
        ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=permissions(rules - have))
    return group["GroupId"]


def _subnets(ec2, vpc: dict, cluster_tag: str, internal: bool) -> list[str]:
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["vpcId"]]}])["Subnets"]
    tagged = [s for s in subnets if cluster_tag in {t["Key"] for t in s.get("Tags") or []}]
    candidates = tagged or [s for s in subnets if s["SubnetId"] in set(vpc.get("subnetIds") or [])]
    if not internal:
        public = public_subnet_ids(ec2, vpc["vpcId"], candidates)
        candidates = [s for s in candidates if s["SubnetId"] in public
                      or "kubernetes.io/role/elb" in {t["Key"] for t in s.get("Tags") or []}]
    by_zone: dict[str, str] = {}
    for subnet in sorted(candidates, key=lambda s: s["SubnetId"]):
        by_zone.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
    if not by_zone:
        raise SyncError("could not find any suitable subnets for creating the ELB")
    return sorted(by_zone.values())


def _delete(ctx: Context, service: dict, ensured: dict) -> None:
    meta = service["metadata"]
    name = load_balancer_name(meta["uid"])
    events.record(ctx, service, "DeletingLoadBalancer", "Deleting load balancer", COMPONENT)
    elb, ec2, vpc = ctx.aws("elb"), ctx.aws("ec2"), cluster_vpc(ctx)
    if any(d["LoadBalancerName"] == name for d in elb.describe_load_balancers()["LoadBalancerDescriptions"]):
        elb.delete_load_balancer(LoadBalancerName=name)
    for group in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["vpcId"]]}, {
            "Name": "group-name", "Values": [f"k8s-elb-{name}"]}])["SecurityGroups"]:
        ec2.delete_security_group(GroupId=group["GroupId"])
    ensured.pop(meta["uid"], None)
    meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != FINALIZER]
    if ctx.update(SERVICES, service) is not None:
        events.record(ctx, service, "DeletedLoadBalancer", "Deleted load balancer", COMPONENT)
