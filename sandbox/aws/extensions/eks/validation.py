"""What EKS refuses in a request before it looks at any resource, where the API model alone would accept it.

Called for every EKS request before its handler (`refuse_invalid`); raises the EksError EKS answers with.
- CreateNodegroup, UpdateNodegroupConfig: labels and taints must be valid Kubernetes labels and taints (keys are
  qualified names with an optional DNS subdomain prefix, values are label values; EKS passes on Kubernetes'
  own message), taint effects are EKS's names, at most 50 taints; CreateNodegroup also needs instance types
  that exist in the region and run the AMI type's architecture ("[t4g.medium] is not a valid instance type for
  requested amiType AL2023_x86_64_STANDARD"), and a disk size only without a launch template and within EBS's
  1-16384 GiB.
- Every call that sets tags at creation: the shared rules of tag_limits.py (TagResource: tagging.py).
Checks that need state stay with the handlers: scaling bounds (nodegroups._scaling), Kubernetes versions
(clusters, nodegroups).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS, INSTANCE_TYPES

from sandbox.aws.extensions.eks.nodegroups import DEFAULT_AMI_TYPE
from sandbox.aws.extensions.eks.wire import InvalidParameterException
from sandbox.aws.extensions.tag_limits import MAX_KEY_LENGTH, MAX_TAGS, MAX_VALUE_LENGTH, Rule, tag_problem

TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")
MAX_TAINTS = 50
DISK_SIZES = range(1, 16384 + 1)  # GiB, EBS's bounds for the root volume

# Kubernetes' validation (k8s.io/apimachinery/pkg/util/validation), with its own messages.
NAME_PART = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
LABEL_VALUE = f"({NAME_PART})?"
NAME_PART_MESSAGE = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                     "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                     f"validation is '{NAME_PART}')")
PREFIX_MESSAGE = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                  "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                  f"validation is '{DNS_SUBDOMAIN}')")
LABEL_VALUE_MESSAGE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                       "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                       f"'my_value',  or '12345', regex used for validation is '{LABEL_VALUE}')")

EKS_TAG_MESSAGES = {
    Rule.RESERVED_KEY: "Tag keys starting with aws: are reserved for AWS use",
    Rule.KEY_LENGTH: f"Tag keys must be between 1 and {MAX_KEY_LENGTH} characters long",
    Rule.VALUE_LENGTH: f"Tag values must be at most {MAX_VALUE_LENGTH} characters long",
    Rule.TOO_MANY: f"A resource can have at most {MAX_TAGS} tags",
}


def qualified_name_problem(key: str) -> str | None:
    """Kubernetes' complaint about a label or taint key, or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or "/" in prefix):
        return (f"a qualified name {NAME_PART_MESSAGE} with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')")
    if slash and len(prefix) > 253:
        return "prefix part must be no more than 253 characters"
    if slash and not re.fullmatch(DNS_SUBDOMAIN, prefix):
        return f"prefix part {PREFIX_MESSAGE}"
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not re.fullmatch(NAME_PART, name):
        return f"name part {NAME_PART_MESSAGE}"
    return None


def label_value_problem(value: str) -> str | None:
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not re.fullmatch(LABEL_VALUE, value):
        return LABEL_VALUE_MESSAGE
    return None


def check_labels(labels: Mapping[str, str]) -> None:
    for key, value in labels.items():
        for checked, problem in ((key, qualified_name_problem(key)), (value, label_value_problem(value))):
            if problem:
                raise InvalidParameterException(f"Invalid value: {checked} : {problem}")


def check_taints(taints: list[dict]) -> None:
    if len(taints) > MAX_TAINTS:
        raise InvalidParameterException(f"A node group can have at most {MAX_TAINTS} taints, got {len(taints)}")
    for taint in taints:
        check_labels({taint.get("key", ""): taint.get("value", "")})
        if taint.get("effect") not in TAINT_EFFECTS:
            raise InvalidParameterException(f"Invalid taint effect: {taint.get('effect')}, must be one of these "
                                            f"[{', '.join(TAINT_EFFECTS)}]")


def runs_ami_type(instance_type: str, ami_type: str) -> bool:
    """Whether the AMI type's architecture is one the instance type supports (a custom AMI: any)."""
    architecture = "arm64" if "ARM_64" in ami_type else "x86_64"
    processor = INSTANCE_TYPES.get(instance_type, {}).get("ProcessorInfo", {})
    return ami_type == "CUSTOM" or architecture in processor.get("SupportedArchitectures", [])


def check_instance_types(instance_types: list[str], ami_type: str, region: str) -> None:
    """Types offered in the region (moto's catalogue of EC2 offerings) whose architecture the AMI type runs."""
    offered = {offering["InstanceType"] for offering in INSTANCE_TYPE_OFFERINGS["region"].get(region, [])}
    refused = [name for name in instance_types if name not in offered or not runs_ami_type(name, ami_type)]
    if refused:
        raise InvalidParameterException(f"[{', '.join(refused)}] is not a valid instance type for requested "
                                        f"amiType {ami_type}")


def check_tags(tags: Mapping[str, str]) -> None:
    message = tag_refusal(tags, {})
    if message:
        raise InvalidParameterException(message)


def tag_refusal(requested: Mapping[str, str], existing: Mapping[str, str]) -> str | None:
    """EKS's words for the tag rule `requested` breaks on a resource tagged `existing`, or None."""
    problem = tag_problem(requested, existing)
    return EKS_TAG_MESSAGES[problem.rule] if problem else None


def create_nodegroup(p: dict, region: str) -> None:
    check_labels(p.get("labels") or {})
    check_taints(p.get("taints") or [])
    if p.get("launchTemplate") and "diskSize" in p:
        raise InvalidParameterException("Disk size must be specified within the launch template.")
    if "diskSize" in p and p["diskSize"] not in DISK_SIZES:
        raise InvalidParameterException(f"Disk size {p['diskSize']} GiB is not valid: it must be between "
                                        f"{DISK_SIZES.start} and {DISK_SIZES.stop - 1} GiB")
    if p.get("instanceTypes"):
        check_instance_types(p["instanceTypes"], p.get("amiType", DEFAULT_AMI_TYPE), region)


def update_nodegroup_config(p: dict, _region: str) -> None:
    check_labels((p.get("labels") or {}).get("addOrUpdateLabels") or {})
    check_taints((p.get("taints") or {}).get("addOrUpdateTaints") or [])


CHECKS: dict[str, Callable[[dict, str], None]] = {
    "CreateNodegroup": create_nodegroup,
    "UpdateNodegroupConfig": update_nodegroup_config,
}


def refuse_invalid(operation: str, params: dict, region: str) -> None:
    """Raise what EKS answers to `params` of `operation` in `region`, if it refuses them outright."""
    if operation.startswith("Create") and params.get("tags"):
        check_tags(params["tags"])
    check = CHECKS.get(operation)
    if check:
        check(params, region)
