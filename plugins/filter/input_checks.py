# Copyright: eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks the roles' validate.yml share: ``tag_problems``, ``name_problems`` and ``nodegroup_problems``
(documentation in <name>.yml). Each returns a list of messages, one per field that breaks a rule, each naming the
variable (and key or item) at fault; an empty list means the input passes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

# AWS's tag rules (the same for EC2, IAM, ECR, EKS, CloudWatch Logs).
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
RESERVED_TAG_PREFIX = "aws:"
# Besides letters, digits and spaces (Unicode categories L, N, Z), AWS allows these in keys and values.
TAG_PUNCTUATION = set("_.:/=+-@")

# Kubernetes' label rules (k8s.io/apimachinery validation): a key is an optional DNS subdomain prefix and '/',
# then a name; a value is empty or like a name.
LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
MAX_PREFIX = 253
MAX_TAINTS = 50
# EBS's bounds for a root volume, in GiB.
DISK_SIZE_RANGE = (1, 16384)
SUBNET_ID = re.compile(r"subnet-[0-9a-f]{8,17}")
INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9-]+")


def _tag_text_ok(text):
    return all(char.isalnum() or char.isspace() or char in TAG_PUNCTUATION for char in text)


def _kind(value):
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "null" if value is None else type(value).__name__


def tag_problems(tags, variable, added=0):
    """What is wrong with `tags` (named `variable` in messages) as the tags of one AWS resource that also gets
    `added` tags from the collection."""
    if not isinstance(tags, Mapping):
        return [f"{variable} must be a dict of tags (key: value), got {_kind(tags)}"]
    problems = []
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY:
            length = len(key) if isinstance(key, str) else 0
            problems.append(f"{variable}: the tag key '{str(key)[:40]}...' is {length} characters, "
                            f"{length - MAX_TAG_KEY} over AWS's limit of {MAX_TAG_KEY}" if length else
                            f"{variable}: a tag key must be a non-empty string, got {key!r}")
        elif key.lower().startswith(RESERVED_TAG_PREFIX):
            problems.append(f"{variable}: the tag key '{key}' starts with '{RESERVED_TAG_PREFIX}', which AWS "
                            "reserves for its own tags")
        elif not _tag_text_ok(key):
            problems.append(f"{variable}: the tag key '{key}' may only hold letters, digits, spaces and "
                            "_ . : / = + - @")
        if not isinstance(value, str):
            problems.append(f"{variable}: the value of tag '{key}' must be a string (quote it), got {_kind(value)}")
        elif len(value) > MAX_TAG_VALUE:
            problems.append(f"{variable}: the value of tag '{key}' is {len(value)} characters, "
                            f"{len(value) - MAX_TAG_VALUE} over AWS's limit of {MAX_TAG_VALUE}")
        elif not _tag_text_ok(value):
            problems.append(f"{variable}: the value of tag '{key}' may only hold letters, digits, spaces and "
                            "_ . : / = + - @")
    total = len(tags) + int(added)
    if total > MAX_TAGS:
        problems.append(f"{variable}: a resource would carry {total} tags ({len(tags)} of these + {int(added)} the "
                        f"collection adds), {total - MAX_TAGS} over AWS's limit of {MAX_TAGS}")
    return problems


def name_problems(names, what, limit, source):
    """Messages for the `names` (derived from the variables `source`) longer than `limit` characters, the limit of
    `what` (e.g. "IAM role name"): which name is too long and by how much."""
    if not isinstance(names, (list, tuple)):
        raise AnsibleFilterError(f"name_problems needs a list of names, got {names!r}")
    limit = int(limit)
    return [f"{what} '{name}' (made from {source}) is {len(str(name))} characters, {len(str(name)) - limit} over "
            f"the limit of {limit}" for name in names if len(str(name)) > limit]


def _label_key_problem(key):
    if not isinstance(key, str):
        return f"must be a string, got {_kind(key)}"
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > MAX_PREFIX or not DNS_SUBDOMAIN.fullmatch(prefix)):
        return (f"has the prefix '{prefix}', which must be a lowercase DNS subdomain of at most {MAX_PREFIX} "
                "characters")
    if not LABEL_NAME.fullmatch(name):
        return ("must end in a name of 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a "
                "letter or digit")
    return None


def _label_value_problem(value):
    if not isinstance(value, str):
        return f"must be a string (quote it), got {_kind(value)}"
    if value and not LABEL_NAME.fullmatch(value):
        return ("must be empty or 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter "
                "or digit")
    return None


def _integer(value):
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _scaling_problems(nodegroup, where):
    sizes = {key: _integer(nodegroup.get(key)) for key in ("min_size", "desired_size", "max_size")}
    bad = [key for key, size in sizes.items() if size is None or size < 0]
    if bad:
        return [f"{where}.{key} must be a whole number >= 0, got {nodegroup.get(key)!r}" for key in bad]
    if sizes["max_size"] < 1:
        return [f"{where}.max_size must be at least 1, got {sizes['max_size']}"]
    if sizes["min_size"] > sizes["max_size"]:
        return [f"{where}.min_size ({sizes['min_size']}) is above max_size ({sizes['max_size']})"]
    if not sizes["min_size"] <= sizes["desired_size"] <= sizes["max_size"]:
        return [f"{where}.desired_size ({sizes['desired_size']}) must be between min_size ({sizes['min_size']}) "
                f"and max_size ({sizes['max_size']})"]
    return []


def _labels_problems(labels, where):
    if not isinstance(labels, Mapping):
        return [f"{where}.labels must be a dict of Kubernetes labels, got {_kind(labels)}"]
    problems = []
    for key, value in labels.items():
        for field, problem in (("key", _label_key_problem(key)), ("value", _label_value_problem(value))):
            if problem:
                problems.append(f"{where}.labels {field} '{key if field == 'key' else value}' {problem}")
    return problems


def _taints_problems(taints, where, effects):
    if not isinstance(taints, list):
        return [f"{where}.taints must be a list of {{key, value, effect}}, got {_kind(taints)}"]
    if len(taints) > MAX_TAINTS:
        return [f"{where}.taints lists {len(taints)} taints, {len(taints) - MAX_TAINTS} over EKS's limit of "
                f"{MAX_TAINTS}"]
    problems = []
    for index, taint in enumerate(taints):
        at = f"{where}.taints[{index}]"
        if not isinstance(taint, Mapping):
            problems.append(f"{at} must be a dict with key, value and effect, got {_kind(taint)}")
            continue
        problem = _label_key_problem(taint.get("key", ""))
        if problem:
            problems.append(f"{at}.key '{taint.get('key', '')}' {problem}")
        problem = _label_value_problem(taint.get("value", ""))
        if problem:
            problems.append(f"{at}.value '{taint.get('value')}' {problem}")
        if taint.get("effect") not in effects:
            problems.append(f"{at}.effect must be one of {', '.join(effects)}, got {taint.get('effect')!r}")
    return problems


def _disk_problems(nodegroup, where):
    if nodegroup.get("disk_size") is None:
        return []
    size = _integer(nodegroup["disk_size"])
    low, high = DISK_SIZE_RANGE
    if size is None or not low <= size <= high:
        return [f"{where}.disk_size must be {low} to {high} GiB, got {nodegroup['disk_size']!r}"]
    return []


def nodegroup_problems(nodegroup, variable, ami_types, capacity_types, taint_effects):
    """What is wrong with one nodegroup (eks_nodegroup_defaults filled in), named `variable` in messages
    (e.g. "eks_nodegroups[0] (general)"); one message per field at fault, no API call."""
    if not isinstance(nodegroup, Mapping):
        return [f"{variable} must be a dict, got {_kind(nodegroup)}"]
    problems = _scaling_problems(nodegroup, variable)
    if nodegroup.get("capacity_type") not in capacity_types:
        problems.append(f"{variable}.capacity_type must be one of {', '.join(capacity_types)}, got "
                        f"{nodegroup.get('capacity_type')!r}")
    if nodegroup.get("ami_type") not in ami_types:
        problems.append(f"{variable}.ami_type {nodegroup.get('ami_type')!r} is not an EKS AMI type (such as "
                        "AL2023_x86_64_STANDARD or AL2023_ARM_64_STANDARD)")
    instance_types = nodegroup.get("instance_types")
    if not isinstance(instance_types, list) or not instance_types:
        problems.append(f"{variable}.instance_types must list at least one EC2 instance type, got {instance_types!r}")
    else:
        bad = [name for name in instance_types if not isinstance(name, str) or not INSTANCE_TYPE.fullmatch(name)]
        if bad:
            problems.append(f"{variable}.instance_types must be EC2 instance type names such as m6i.large, "
                            f"these are not: {bad}")
    problems += _disk_problems(nodegroup, variable)
    problems += _labels_problems(nodegroup.get("labels", {}), variable)
    problems += _taints_problems(nodegroup.get("taints", []), variable, list(taint_effects))
    subnets = nodegroup.get("subnet_ids") or []
    bad = [subnet for subnet in subnets if not isinstance(subnet, str) or not SUBNET_ID.fullmatch(subnet)]
    if bad:
        problems.append(f"{variable}.subnet_ids must list subnet ids (subnet-...), these are not: {bad}")
    return problems


def architecture_problems(nodegroup, variable, instance_types):
    """Whether every instance type of `nodegroup` runs its AMI type's architecture; `instance_types` is
    the described types of ec2_instance_type_offerings_info (describe) or amazon.aws.ec2_instance_type_info (snake_case,
    with processor_info.supported_architectures)."""
    ami_type = nodegroup.get("ami_type", "")
    if ami_type == "CUSTOM":
        return []
    architecture = "arm64" if "ARM_64" in ami_type else "x86_64"
    supported = {item["instance_type"]: item.get("processor_info", {}).get("supported_architectures", [])
                 for item in instance_types}
    wrong = [name for name in nodegroup.get("instance_types", []) if architecture not in supported.get(name, [])]
    if not wrong:
        return []
    hint = ("an ARM_64 AMI type such as AL2023_ARM_64_STANDARD" if architecture == "x86_64"
            else "an x86_64 AMI type such as AL2023_x86_64_STANDARD")
    return [f"{variable}.instance_types {wrong} do not run {architecture}, the architecture of ami_type "
            f"{ami_type}: pick {hint}, or other instance types"]


class FilterModule:
    """Checks of the roles' input that name the variable at fault."""

    def filters(self):
        return {"tag_problems": tag_problems, "name_problems": name_problems,
                "nodegroup_problems": nodegroup_problems, "architecture_problems": architecture_problems}
