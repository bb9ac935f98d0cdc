"""Where moto 5.2.5's EC2 differs from real AWS in ways the collection's vpc role and the Terraform stack meet.

Each fix answers like AWS does, by rewriting the request before moto and/or editing moto's answer;
each has a test in sandbox/tests/test_aws_ec2_fixes.py named after the real behaviour.
To add one: write `def fix(extension, call, request) -> Response | None` and list it in FIXES. Tags every
mutating call sets are checked first (`refuse_invalid_tags`); ClientToken requests are idempotent.
"""

from __future__ import annotations

import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from sandbox.aws import latency
from sandbox.aws.errors import error_response
from sandbox.aws.extensions import Call, Extension
from sandbox.aws.extensions.client_tokens import ClientTokens
from sandbox.aws.extensions.query import edit_xml, filters, value_matches, with_filters, with_form
from sandbox.aws.extensions.tag_limits import MAX_KEY_LENGTH, MAX_VALUE_LENGTH, Rule, numbered_tags, tag_problem

# DescribeTags resource types that moto names differently from the EC2 API reference.
MOTO_TAG_RESOURCE_TYPES = {
    "nat-gateway": "natgateway",
    "vpc-elastic-ip": "elastic-ip",
    "dedicated_host": "dedicated-host",
    "spot-instance-request": "spot-instances-request",
    "reserved-instance": "reserved-instances",
    "flow-logs": "vpc-flow-log",
}
AWS_TAG_RESOURCE_TYPES = {aws: moto for moto, aws in MOTO_TAG_RESOURCE_TYPES.items()}

Fix = Callable[["Ec2Fixes", Call, Request], "Response | None"]


def describe_tags(extension: Ec2Fixes, call: Call, request: Request) -> Response:
    """AWS's resource types ("natgateway", "elastic-ip") work as filter values and come back as such."""
    translated = [(name, [AWS_TAG_RESOURCE_TYPES.get(value, value) for value in values])
                  if name == "resource-type" else (name, values)
                  for name, values in filters(call.params)]
    response = extension.ask_moto(with_form(request, with_filters(call.params, translated)))

    def rename(root: ElementTree.Element, namespace: str) -> None:
        for element in root.iter(f"{namespace}resourceType"):
            element.text = MOTO_TAG_RESOURCE_TYPES.get(element.text, element.text)

    return edit_xml(response, rename)


@dataclass(frozen=True)
class FilterInAnswer:
    """Describe filters moto ignores or fails on: dropped from the request, applied to moto's answer."""

    item_sets: tuple[str, ...]                                     # children of the root holding <item>s
    handles: Callable[[str], bool]                                 # the filter names applied here
    values: Callable[[ElementTree.Element, str, str], list[str]]   # (item, namespace, filter name) -> values

    def __call__(self, extension: Ec2Fixes, call: Call, request: Request) -> Response | None:
        ours = [(name, values) for name, values in filters(call.params) if self.handles(name)]
        if not ours:
            return None
        theirs = [(name, values) for name, values in filters(call.params) if not self.handles(name)]
        response = extension.ask_moto(with_form(request, with_filters(call.params, theirs)))

        def keep_matching(root: ElementTree.Element, namespace: str) -> None:
            for set_name in self.item_sets:
                for item_set in root.findall(f"{namespace}{set_name}"):
                    for item in item_set.findall(f"{namespace}item"):
                        if not all(any(value_matches(value, patterns) for value in self.values(item, namespace, name))
                                   for name, patterns in ours):
                            item_set.remove(item)

        return edit_xml(response, keep_matching)


def is_tag_filter(name: str) -> bool:
    return name.startswith("tag:") or name in ("tag-key", "tag-value")


def tag_values(item: ElementTree.Element, namespace: str, name: str) -> list[str]:
    """What a tag filter compares for one item: keys for tag-key, values for tag-value and tag:<key>."""
    tags = [(tag.findtext(f"{namespace}key") or "", tag.findtext(f"{namespace}value") or "")
            for tag in item.findall(f"{namespace}tagSet/{namespace}item")]
    if name == "tag-key":
        return [key for key, _ in tags]
    if name == "tag-value":
        return [value for _, value in tags]
    return [value for key, value in tags if key == name[len("tag:"):]]


def service_name(item: ElementTree.Element, namespace: str, _name: str) -> list[str]:
    # serviceNameSet items are bare names; serviceDetailSet items carry <serviceName>.
    return [item.findtext(f"{namespace}serviceName") or (item.text or "")]


def create_nat_gateway(extension: Ec2Fixes, call: Call, request: Request) -> Response | None:
    """With a latency profile a new NAT gateway is `pending` for the profile's time, as on AWS (CreateNatGateway
    answers "pending"); moto makes it `available` at once."""
    pending = latency.seconds("nat-gateway", "create")
    if pending is None:
        return None
    response = extension.ask_moto(request)

    def hold(root: ElementTree.Element, namespace: str) -> None:
        gateway = root.find(f"{namespace}natGateway")
        extension.nat_states.hold(call, gateway.findtext(f"{namespace}natGatewayId"), "pending", "available",
                                  time.time() + pending)
        gateway.find(f"{namespace}state").text = "pending"

    return edit_xml(response, hold)


def delete_nat_gateway(extension: Ec2Fixes, call: Call, request: Request) -> Response:
    """Deleting a NAT gateway deletes its network interface and disassociates (not releases) its Elastic IP;
    moto only marks the gateway deleted, so the subnet and the address would stay in use.
    An unknown id is NatGatewayNotFound (moto fails with HTTP 500)."""
    backend = _backend(call)
    gateway_id = call.params.get("NatGatewayId")
    if gateway_id not in backend.nat_gateways:
        return error_response("ec2", 400, "NatGatewayNotFound", f"The Nat Gateway {gateway_id} was not found")
    response = extension.ask_moto(request)
    if response.status_code == 200:
        interface = backend.nat_gateways[gateway_id]._eni  # moto keeps it private
        for address in list(backend.addresses):
            if address.eni is interface:
                backend.disassociate_address(address=address.public_ip)
        backend.enis.pop(interface.id, None)
        deleting = latency.seconds("nat-gateway", "delete")
        if deleting is not None:  # moto marks it deleted at once; AWS shows `deleting` first
            extension.nat_states.hold(call, gateway_id, "deleting", "deleted", time.time() + deleting)
    return response


def delete_subnet(extension: Ec2Fixes, call: Call, request: Request) -> Response | None:
    """A subnet that still holds network interfaces (NAT gateway, interface endpoint, instance) cannot be deleted."""
    subnet_id = call.params.get("SubnetId")
    if any(getattr(interface.subnet, "id", None) == subnet_id for interface in _backend(call).enis.values()):
        return error_response("ec2", 400, "DependencyViolation",
                              f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
    return None


def detach_internet_gateway(extension: Ec2Fixes, call: Call, request: Request) -> Response | None:
    """An internet gateway stays attached while its VPC has public addresses mapped (e.g. a NAT gateway's EIP)."""
    backend = _backend(call)
    vpc_id = call.params.get("VpcId")
    gateway = backend.internet_gateways.get(call.params.get("InternetGatewayId"))
    attached = gateway is not None and gateway.vpc is not None and gateway.vpc.id == vpc_id
    mapped = any(address.eni is not None and getattr(address.eni.subnet, "vpc_id", None) == vpc_id
                 for address in backend.addresses)
    if attached and mapped:
        return error_response("ec2", 400, "DependencyViolation",
                              f"Network {vpc_id} has some mapped public address(es). "
                              "Please unmap those public address(es) before detaching the gateway.")
    return None


def delete_security_group(extension: Ec2Fixes, call: Call, request: Request) -> Response | None:
    """A security group that another group's rule references, or a network interface uses, cannot be deleted."""
    backend = _backend(call)
    group = backend.get_security_group_by_name_or_id(call.params.get("GroupId") or call.params.get("GroupName"))
    if group is None:
        return None  # moto's own "not found" answer
    groups = [other for by_vpc in backend.groups.values() for other in by_vpc.values()]
    # A rule of the group itself that names the group does not hold it back.
    referenced = any(rule.source_group.get("GroupId") == group.id
                     for other in groups if other.id != group.id
                     for rule in other.ingress_rules + other.egress_rules)
    # moto gives interface endpoints' network interfaces no groups, so the endpoints are asked directly.
    in_use = (any(group in interface.group_set for interface in backend.enis.values())
              or any(group.id in endpoint.security_group_ids for endpoint in backend.vpc_end_points.values()
                     if endpoint.state != "deleted"))
    if referenced or in_use:
        return error_response("ec2", 400, "DependencyViolation", f"resource {group.id} has a dependent object")
    return None


# CreateFlowLogs calls are answered one at a time: create_flow_logs() briefly hides flow logs from moto.
_FLOW_LOG_LOCK = threading.Lock()


def create_flow_logs(extension: Ec2Fixes, call: Call, request: Request) -> Response:
    """A flow log is a duplicate only when resource, traffic type and destination are all the same: several flow logs
    may publish one VPC's traffic to the same log group or bucket (say ACCEPT and REJECT). moto ignores the traffic
    type there. An S3 destination may name a folder (arn:aws:s3:::bucket/folder/); moto looks for a bucket called
    "bucket/folder/" and reports the destination missing."""
    backend = _backend(call)
    params = call.params
    resources = [value for key, value in params.items() if key.startswith("ResourceId.")]
    destination_type = params.get("LogDestinationType") or "cloud-watch-logs"
    destination = params.get("LogDestination") or ""
    target = params.get("LogGroupName") if destination_type == "cloud-watch-logs" else destination.rstrip("/")
    asked = {(resource, params.get("TrafficType"), destination_type, target) for resource in resources}
    for flow_log in backend.flow_logs.values():
        existing = (flow_log.log_group_name if flow_log.log_destination_type == "cloud-watch-logs"
                    else (flow_log.log_destination or "").rstrip("/"))
        if (flow_log.resource_id, flow_log.traffic_type, flow_log.log_destination_type, existing) in asked:
            return error_response("ec2", 400, "FlowLogAlreadyExists",
                                  "Error. There is an existing Flow Log with the same configuration and log destination.")
    prefix, _, path = destination.partition(":::")
    bucket, _, folder = path.partition("/")
    form = dict(params)
    if destination_type == "s3" and folder:
        form["LogDestination"] = f"{prefix}:::{bucket}"
    with _FLOW_LOG_LOCK:
        before = set(backend.flow_logs)
        hidden = {flow_log_id: flow_log for flow_log_id, flow_log in backend.flow_logs.items()
                  if flow_log.resource_id in resources}
        for flow_log_id in hidden:
            del backend.flow_logs[flow_log_id]
        try:
            response = extension.ask_moto(with_form(request, form))
            created = set(backend.flow_logs) - before
        finally:
            backend.flow_logs.update(hidden)
    if destination_type == "s3":
        for flow_log_id in created:
            backend.flow_logs[flow_log_id].log_destination = destination
    return response


# How EC2 words each tag refusal (CreateTags and the TagSpecifications of any create); moto checks only the count.
TAG_REFUSALS = {
    Rule.RESERVED_KEY: ("InvalidParameterValue", "Value ( {key} ) for parameter key is invalid. "
                                                 "Tag keys starting with 'aws:' are reserved for internal use"),
    Rule.KEY_LENGTH: ("InvalidParameterValue", f"Tag key exceeds the maximum length of {MAX_KEY_LENGTH} characters"),
    Rule.VALUE_LENGTH: ("InvalidParameterValue",
                        f"Tag value exceeds the maximum length of {MAX_VALUE_LENGTH} characters"),
    Rule.TOO_MANY: ("TagLimitExceeded", "The maximum number of Tags for a resource has been reached."),
}


def refuse_invalid_tags(call: Call) -> Response | None:
    """EC2's answer to tags it refuses (tag_limits.py): nothing of the request is applied."""
    params = call.params
    if call.action == "CreateTags":
        tags = _backend(call).tags
        resources = [value for key, value in params.items() if key.startswith("ResourceId.")]
        requested = numbered_tags(params, "Tag.")
        changes = [(requested, tags.get(resource, {})) for resource in resources]
    else:
        specifications = {key.split(".")[1] for key in params if key.startswith("TagSpecification.")}
        changes = [(numbered_tags(params, f"TagSpecification.{number}.Tag."), {}) for number in specifications]
    for requested, existing in changes:
        problem = tag_problem(requested, existing)
        if problem is not None:
            code, message = TAG_REFUSALS[problem.rule]
            return error_response("ec2", 400, code, message.format(key=problem.key))
    return None


def monitor_instances(extension: Ec2Fixes, call: Call, request: Request) -> Response:
    """MonitorInstances / UnmonitorInstances (moto: NotImplementedError) switch detailed monitoring of each instance;
    AWS answers each instance's new state as `pending` / `disabling` and describes it `enabled` / `disabled` once
    the switch is done (here at once). An unknown id refuses the whole call (InvalidInstanceID.NotFound)."""
    backend = _backend(call)
    ids = [value for key, value in sorted(call.params.items()) if key.startswith("InstanceId.")]
    known = {instance.id for instance in backend.all_instances()}
    missing = [instance_id for instance_id in ids if instance_id not in known]
    if missing:
        return error_response("ec2", 400, "InvalidInstanceID.NotFound",
                              f"The instance IDs '{', '.join(missing)}' do not exist")
    enable = call.action == "MonitorInstances"
    items = ""
    for instance_id in ids:
        backend.get_instance(instance_id).monitoring_state = "enabled" if enable else "disabled"
        items += (f"<item><instanceId>{instance_id}</instanceId><monitoring><state>"
                  f"{'pending' if enable else 'disabling'}</state></monitoring></item>")
    tag = call.action
    body = (f'<{tag}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>{uuid.uuid4()}</requestId>'
            f"<instancesSet>{items}</instancesSet></{tag}Response>")
    return Response(body, 200, content_type="text/xml")


def run_instances(extension: Ec2Fixes, call: Call, request: Request) -> Response:
    """A network interface EC2 creates for an instance at launch is deleted when the instance terminates
    (DeleteOnTermination true unless the launch's NetworkInterface.N.DeleteOnTermination says false), so the
    instance's security groups and subnet are free again; moto creates it with DeleteOnTermination false and keeps
    it `in-use` by the terminated instance. Interfaces attached by NetworkInterfaceId keep their own setting."""
    response = extension.ask_moto(request)
    if response.status_code != 200:
        return response
    params = call.params
    launched = {int(params.get(f"NetworkInterface.{number}.DeviceIndex", 0)): number
                for number in {key.split(".")[1] for key in params if key.startswith("NetworkInterface.")}}
    backend = _backend(call)
    root = ElementTree.fromstring(response.get_data())
    instance_ids = [element.text for element in root.iter() if element.tag.endswith("instanceId")]
    for instance in backend.get_multi_instances_by_id(sorted(set(instance_ids))):
        for device_index, interface in instance.nics.items():
            number = launched.get(device_index)
            if number is not None and params.get(f"NetworkInterface.{number}.NetworkInterfaceId"):
                continue
            asked = params.get(f"NetworkInterface.{number}.DeleteOnTermination") if number is not None else None
            interface.delete_on_termination = asked != "false"
    return response


def _backend(call: Call):
    """moto's EC2 state for the call's account and region (the server runs moto in this process)."""
    from moto.ec2.models import ec2_backends

    return ec2_backends[call.account_id][call.region]


FIXES: dict[str, Fix] = {
    "CreateFlowLogs": create_flow_logs,
    "CreateNatGateway": create_nat_gateway,
    "DeleteNatGateway": delete_nat_gateway,
    "DeleteSubnet": delete_subnet,
    "DetachInternetGateway": detach_internet_gateway,
    "DeleteSecurityGroup": delete_security_group,
    "DescribeTags": describe_tags,
    "MonitorInstances": monitor_instances,
    "RunInstances": run_instances,
    "UnmonitorInstances": monitor_instances,
    # moto filters NAT gateways by id, state, subnet and VPC only, and silently ignores tag filters.
    "DescribeNatGateways": FilterInAnswer(("natGatewaySet",), is_tag_filter, tag_values),
    # moto answers a "service-name" filter with HTTP 500 (it reads the filter's values under the wrong key).
    "DescribeVpcEndpointServices": FilterInAnswer(("serviceNameSet", "serviceDetailSet"),
                                                  lambda name: name == "service-name", service_name),
}


def idempotent_parameter_mismatch() -> Response:
    return error_response("ec2", 400, "IdempotentParameterMismatch",
                          "The client token you have provided is associated with a request with different parameters.")


class NatGatewayStates:
    """NAT gateways held in a transient state (pending, deleting) until a time, then moved to their final state.
    The state is set on moto's own object, so every describe and filter sees it; `settle` runs before each call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str, str], tuple[str, float]] = {}  # (account, region, id) -> (final, until)

    def hold(self, call: Call, gateway_id: str, transient: str, final: str, until: float) -> None:
        with self._lock:
            _backend(call).nat_gateways[gateway_id].state = transient
            self._held[(call.account_id, call.region, gateway_id)] = (final, until)

    def settle(self, now: float) -> None:
        from moto.ec2.models import ec2_backends

        with self._lock:
            for key, (final, until) in list(self._held.items()):
                if now >= until:
                    account, region, gateway_id = key
                    gateway = ec2_backends[account][region].nat_gateways.get(gateway_id)
                    if gateway is not None:
                        gateway.state = final
                    del self._held[key]

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


class Ec2Fixes(Extension):
    def __init__(self) -> None:
        self.client_tokens = ClientTokens("ClientToken", idempotent_parameter_mismatch)
        self.nat_states = NatGatewayStates()

    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "ec2":
            return None
        self.nat_states.settle(time.time())
        token = self.client_tokens.carries_token(call)
        if token:
            replayed = self.client_tokens.replay(call)
            if replayed is not None:
                return replayed
        refused = refuse_invalid_tags(call) if call.kind == "mutating" else None
        if refused is not None:
            return refused
        fix = FIXES.get(call.action)
        response = fix(self, call, request) if fix else None
        if token:
            response = response or self.ask_moto(request)
            self.client_tokens.remember(call, response)
        return response

    def reset(self) -> None:
        self.client_tokens.clear()
        self.nat_states.clear()


EXTENSION = Ec2Fixes()
