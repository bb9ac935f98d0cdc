"""Deploying a load balancer model (load_balancers_model.Stack) to the AWS sandbox, as the AWS Load Balancer
Controller's deployer does: resources are found by their tracking tags (so a restarted emulator adopts what it made
before), created when missing, changed where they differ, and the stack's resources no longer wanted are deleted
once nothing references them."""

from __future__ import annotations

from .load_balancers_model import CLUSTER_TAG, LOAD_BALANCER, MANAGED_SG, SG_DESCRIPTION, Listener, Stack

_TAG_BATCH = 20  # DescribeTags takes at most 20 ARNs


def _tag_list(tags: dict[str, str]) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


class Deployer:
    """One cluster's view of ELBv2 and EC2 in its VPC."""

    def __init__(self, elbv2, ec2, cluster: str, vpc_id: str):
        self.elbv2, self.ec2, self.cluster, self.vpc_id = elbv2, ec2, cluster, vpc_id

    # --- discovery ---------------------------------------------------------------------------------------

    def _tagged(self, resources: list[dict], arn_key: str, prefix: str, stack_id: str) -> list[tuple[dict, dict]]:
        """(resource, its tags) for the resources tagged as this stack's."""
        found = []
        arns = [r[arn_key] for r in resources]
        tags_by_arn = {}
        for start in range(0, len(arns), _TAG_BATCH):
            for description in self.elbv2.describe_tags(ResourceArns=arns[start:start + _TAG_BATCH])["TagDescriptions"]:
                tags_by_arn[description["ResourceArn"]] = {t["Key"]: t["Value"] for t in description.get("Tags") or []}
        for resource in resources:
            tags = tags_by_arn.get(resource[arn_key], {})
            if tags.get(CLUSTER_TAG) == self.cluster and tags.get(f"{prefix}/stack") == stack_id:
                found.append((resource, tags))
        return found

    def _load_balancers(self, prefix: str, stack_id: str) -> list[dict]:
        everything = [lb for page in self.elbv2.get_paginator("describe_load_balancers").paginate()
                      for lb in page["LoadBalancers"] if lb.get("VpcId") == self.vpc_id]
        return [lb for lb, _ in self._tagged(everything, "LoadBalancerArn", prefix, stack_id)]

    def _target_groups(self, prefix: str, stack_id: str) -> list[tuple[dict, dict]]:
        everything = [tg for page in self.elbv2.get_paginator("describe_target_groups").paginate()
                      for tg in page["TargetGroups"] if tg.get("VpcId") == self.vpc_id]
        return self._tagged(everything, "TargetGroupArn", prefix, stack_id)

    def _security_groups(self, prefix: str, stack_id: str) -> list[dict]:
        return self.ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [self.vpc_id]}, {"Name": f"tag:{CLUSTER_TAG}", "Values": [self.cluster]},
            {"Name": f"tag:{prefix}/stack", "Values": [stack_id]}])["SecurityGroups"]

    def subnets(self, scheme: str, lb_type: str) -> list[str]:
        """Subnet auto-discovery: the VPC's subnets with the scheme's role tag (kubernetes.io/role/elb or
        internal-elb), or, when none has it, those whose reachability matches the scheme; minus subnets tagged
        for other clusters only; one per zone, the lowest id."""
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}])["Subnets"]
        role = "kubernetes.io/role/elb" if scheme == "internet-facing" else "kubernetes.io/role/internal-elb"
        candidates = [s for s in subnets if role in {t["Key"] for t in s.get("Tags") or []}]
        if not candidates:
            public = public_subnet_ids(self.ec2, self.vpc_id, subnets)
            candidates = [s for s in subnets if (s["SubnetId"] in public) == (scheme == "internet-facing")]
        mine = f"kubernetes.io/cluster/{self.cluster}"
        eligible = [s for s in candidates
                    if not (any(t["Key"].startswith("kubernetes.io/cluster/") for t in s.get("Tags") or [])
                            and mine not in {t["Key"] for t in s.get("Tags") or []})]
        by_zone: dict[str, str] = {}
        for subnet in sorted(eligible, key=lambda s: s["SubnetId"]):
            by_zone.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
        needed = 2 if lb_type == "application" else 1
        if len(by_zone) < needed:
            raise DeployError(f"couldn't auto-discover subnets: unable to resolve at least {needed} subnet(s) "
                              f"(tag them {role}=1)")
        return sorted(by_zone.values())

    # --- deploy ------------------------------------------------------------------------------------------

    def deploy(self, stack: Stack) -> str:
        """Make AWS match the stack; the load balancer's DNS name."""
        subnets = self.subnets(stack.scheme, stack.lb_type)
        sg_id = self._ensure_security_group(stack)
        lb = self._ensure_load_balancer(stack, subnets, sg_id)
        tg_arns, stale = self._ensure_target_groups(stack)
        self._ensure_listeners(stack, lb["LoadBalancerArn"], tg_arns)
        for arn in stale:
            self.elbv2.delete_target_group(TargetGroupArn=arn)
        return lb["DNSName"]

    def _ensure_security_group(self, stack: Stack) -> str:
        found = [g for g in self._security_groups(stack.prefix, stack.stack_id)
                 if {t["Key"]: t["Value"] for t in g.get("Tags") or []}.get(f"{stack.prefix}/resource") == MANAGED_SG]
        if found:
            group = found[0]
        else:
            group_id = self.ec2.create_security_group(
                GroupName=stack.sg_name, Description=SG_DESCRIPTION, VpcId=self.vpc_id,
                TagSpecifications=[{"ResourceType": "security-group",
                                    "Tags": _tag_list(stack.tags(MANAGED_SG))}])["GroupId"]
            group = {"GroupId": group_id, "IpPermissions": []}
        have = {(p["IpProtocol"], p.get("FromPort"), r["CidrIp"])
                for p in group.get("IpPermissions") or [] for r in p.get("IpRanges") or []}
        want = set(stack.sg_ingress)
        if have - want:
            self.ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=_permissions(have - want))
        if want - have:
            self.ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=_permissions(want - have))
        return group["GroupId"]

    def _ensure_load_balancer(self, stack: Stack, subnets: list[str], sg_id: str) -> dict:
        current = None
        for lb in self._load_balancers(stack.prefix, stack.stack_id):
            if lb["LoadBalancerName"] == stack.lb_name:
                current = lb
            else:  # the scheme changed: the controller replaces the load balancer
                self.elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        if current is None:
            return self.elbv2.create_load_balancer(
                Name=stack.lb_name, Subnets=subnets, SecurityGroups=[sg_id], Scheme=stack.scheme, Type=stack.lb_type,
                IpAddressType="ipv4", Tags=_tag_list(stack.tags(LOAD_BALANCER)))["LoadBalancers"][0]
        if sorted(current.get("SecurityGroups") or []) != [sg_id]:
            self.elbv2.set_security_groups(LoadBalancerArn=current["LoadBalancerArn"], SecurityGroups=[sg_id])
        if sorted(z["SubnetId"] for z in current.get("AvailabilityZones") or []) != subnets:
            self.elbv2.set_subnets(LoadBalancerArn=current["LoadBalancerArn"], Subnets=subnets)
        return current

    def _ensure_target_groups(self, stack: Stack) -> tuple[dict[str, str], list[str]]:
        """(resource id -> ARN of the wanted target groups, ARNs of the stack's others)."""
        wanted_names = {(w.resource_id, w.name) for w in stack.target_groups}
        existing, stale = {}, []
        for tg, tags in self._target_groups(stack.prefix, stack.stack_id):
            resource_id = tags.get(f"{stack.prefix}/resource")
            if (resource_id, tg["TargetGroupName"]) in wanted_names:
                existing[resource_id] = tg
            else:
                stale.append(tg["TargetGroupArn"])
        arns = {}
        for wanted in stack.target_groups:
            tg = existing.get(wanted.resource_id)
            if tg is None:
                tg = self.elbv2.create_target_group(
                    Name=wanted.name, Protocol=wanted.protocol, Port=wanted.port, VpcId=self.vpc_id,
                    TargetType=wanted.target_type, Tags=_tag_list(stack.tags(wanted.resource_id)))["TargetGroups"][0]
            arns[wanted.resource_id] = tg["TargetGroupArn"]
            self._sync_targets(tg["TargetGroupArn"], set(wanted.targets))
        return arns, stale

    def _sync_targets(self, arn: str, wanted: set[tuple[str, int]]) -> None:
        have = {(d["Target"]["Id"], d["Target"].get("Port"))
                for d in self.elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]}
        if have - wanted:
            self.elbv2.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": i, "Port": p} for i, p in have - wanted])
        if wanted - have:
            self.elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": i, "Port": p} for i, p in wanted - have])

    def _ensure_listeners(self, stack: Stack, lb_arn: str, tg_arns: dict[str, str]) -> None:
        existing = {l["Port"]: l for l in self.elbv2.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]}
        for port, listener in existing.items():
            if port not in {w.port for w in stack.listeners}:
                self.elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
        for wanted in stack.listeners:
            settings = {"Protocol": wanted.protocol, "Port": wanted.port,
                        "DefaultActions": [_default_action(wanted, tg_arns)]}
            if wanted.certificates:
                settings["Certificates"] = [{"CertificateArn": wanted.certificates[0]}]
            current = existing.get(wanted.port)
            if current is None:
                arn = self.elbv2.create_listener(LoadBalancerArn=lb_arn, **settings)["Listeners"][0]["ListenerArn"]
            else:
                arn = current["ListenerArn"]
                if _listener_differs(current, settings):
                    self.elbv2.modify_listener(ListenerArn=arn, **settings)
            if stack.lb_type == "application":
                self._ensure_rules(arn, wanted, tg_arns)

    def _ensure_rules(self, listener_arn: str, wanted: Listener, tg_arns: dict[str, str]) -> None:
        existing = {int(r["Priority"]): r for r in self.elbv2.describe_rules(ListenerArn=listener_arn)["Rules"]
                    if not r.get("IsDefault")}
        wanted_priorities = {rule.priority for rule in wanted.rules}
        for priority, rule in existing.items():
            if priority not in wanted_priorities:
                self.elbv2.delete_rule(RuleArn=rule["RuleArn"])
        for rule in wanted.rules:
            conditions = [_condition(field, values) for field, values in rule.conditions]
            actions = [_forward(tg_arns[rule.target_group])]
            current = existing.get(rule.priority)
            if current is None:
                self.elbv2.create_rule(ListenerArn=listener_arn, Priority=rule.priority, Conditions=conditions,
                                       Actions=actions)
            elif _conditions_of(current) != rule.conditions or _forwarded_to(current) != tg_arns[rule.target_group]:
                self.elbv2.modify_rule(RuleArn=current["RuleArn"], Conditions=conditions, Actions=actions)

    # --- delete ------------------------------------------------------------------------------------------

    def delete(self, prefix: str, stack_id: str) -> None:
        """Delete everything tagged as the stack's: load balancers (with their listeners and rules), target groups,
        then security groups."""
        for lb in self._load_balancers(prefix, stack_id):
            self.elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        for tg, _ in self._target_groups(prefix, stack_id):
            self.elbv2.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
        for group in self._security_groups(prefix, stack_id):
            self.ec2.delete_security_group(GroupId=group["GroupId"])


class DeployError(Exception):
    """What the controller reports as a FailedDeployModel event."""


def public_subnet_ids(ec2, vpc_id: str, subnets: list[dict]) -> set[str]:
    """The subnets whose route table (their own, else the VPC's main one) routes to an internet gateway."""
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    public_main = any(a.get("Main") for t in tables if _has_igw(t) for a in t.get("Associations") or [])
    explicit = {a["SubnetId"]: _has_igw(t) for t in tables for a in t.get("Associations") or [] if a.get("SubnetId")}
    return {s["SubnetId"] for s in subnets if explicit.get(s["SubnetId"], public_main)}


def _has_igw(table: dict) -> bool:
    return any((r.get("GatewayId") or "").startswith("igw-") for r in table.get("Routes") or [])


def _permissions(rules: set[tuple[str, int, str]]) -> list[dict]:
    return [{"IpProtocol": protocol, "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}
            for protocol, port, cidr in sorted(rules)]


def _forward(tg_arn: str) -> dict:
    return {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg_arn, "Weight": 1}]}}


def _default_action(listener: Listener, tg_arns: dict[str, str]) -> dict:
    if listener.default_target_group:
        return _forward(tg_arns[listener.default_target_group])
    return {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}


def _condition(field: str, values: tuple[str, ...]) -> dict:
    key = "HostHeaderConfig" if field == "host-header" else "PathPatternConfig"
    return {"Field": field, key: {"Values": list(values)}}


def _conditions_of(rule: dict) -> tuple:
    found = []
    for condition in rule.get("Conditions") or []:
        config = condition.get("HostHeaderConfig") or condition.get("PathPatternConfig") or {}
        found.append((condition["Field"], tuple(config.get("Values") or condition.get("Values") or ())))
    return tuple(found)


def _forwarded_to(rule: dict) -> str | None:
    for action in rule.get("Actions") or []:
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if groups:
            return groups[0]["TargetGroupArn"]
        if action.get("TargetGroupArn"):
            return action["TargetGroupArn"]
    return None


def _listener_differs(current: dict, settings: dict) -> bool:
    certificates = [c["CertificateArn"] for c in current.get("Certificates") or []]
    wanted_certificates = [c["CertificateArn"] for c in settings.get("Certificates") or []]
    action = (current.get("DefaultActions") or [{}])[0]
    wanted_action = settings["DefaultActions"][0]
    same_action = action.get("Type") == wanted_action["Type"] and (
        _forwarded_to({"Actions": [action]}) == _forwarded_to({"Actions": [wanted_action]}))
    return current["Protocol"] != settings["Protocol"] or certificates != wanted_certificates or not same_action
