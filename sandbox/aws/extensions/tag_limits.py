"""The tag rules every AWS service the collection tags enforces, which moto checks only in part.

A resource carries at most 50 tags (those it already has included; AWS's own `aws:` tags do not count), a key
has 1 to 128 characters and may not start with `aws:` in any case (that prefix is reserved for AWS's own tags),
and a value has at most 256 characters. Each service words its refusal its own way: `tag_problem` names the
rule a request breaks and each extension turns that into its service's error. Not an extension itself (not
listed in EXTENSION_MODULES).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

MAX_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
RESERVED_PREFIX = "aws:"


class Rule(Enum):
    RESERVED_KEY = "reserved key"
    KEY_LENGTH = "key length"
    VALUE_LENGTH = "value length"
    TOO_MANY = "too many tags"


@dataclass(frozen=True)
class TagProblem:
    rule: Rule
    key: str = ""
    value: str = ""


def tag_problem(requested: Mapping[str, str], existing: Mapping[str, str] | None = None) -> TagProblem | None:
    """The first rule that setting `requested` on a resource already tagged `existing` breaks, or None."""
    for key, value in requested.items():
        if key.lower().startswith(RESERVED_PREFIX):
            return TagProblem(Rule.RESERVED_KEY, key, value)
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            return TagProblem(Rule.KEY_LENGTH, key, value)
        if len(value or "") > MAX_VALUE_LENGTH:
            return TagProblem(Rule.VALUE_LENGTH, key, value)
    keys = {key for key in {**(existing or {}), **requested} if not key.lower().startswith(RESERVED_PREFIX)}
    if len(keys) > MAX_TAGS:
        return TagProblem(Rule.TOO_MANY)
    return None


def numbered_tags(params: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Tags of a query/ec2 request sent as `<prefix>N.Key` / `<prefix>N.Value` (e.g. "Tag.", "Tags.member.")."""
    keys = {name[len(prefix):-len(".Key")]: value for name, value in params.items()
            if name.startswith(prefix) and name.endswith(".Key")}
    return {key: params.get(f"{prefix}{number}.Value", "") for number, key in keys.items()}
