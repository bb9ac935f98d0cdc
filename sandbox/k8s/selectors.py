"""Label selectors (=, ==, !=, in, notin, exists, !key) and field selectors (=, ==, !=) on list and watch."""

from __future__ import annotations

import re
from typing import Callable

from .errors import bad_request

_SET_RE = re.compile(r"^\s*([^\s!=,()]+)\s+(in|notin)\s+\(([^)]*)\)\s*")
_CMP_RE = re.compile(r"^\s*([^\s!=,()]+)\s*(==|=|!=)\s*([^\s,()]*)\s*")
_EXISTS_RE = re.compile(r"^\s*(!?)\s*([^\s!=,()]+)\s*")

Predicate = Callable[[dict], bool]


def parse_label_selector(text: str | None) -> Predicate:
    if not text or not text.strip():
        return lambda labels: True
    requirements: list[Predicate] = []
    rest = text
    while rest.strip():
        if m := _SET_RE.match(rest):
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            requirements.append(_set_requirement(key, op, values))
        elif m := _CMP_RE.match(rest):
            key, op, value = m.groups()
            requirements.append(_compare_requirement(key, op, value))
        elif m := _EXISTS_RE.match(rest):
            negate, key = m.groups()
            requirements.append((lambda k: lambda labels: k not in labels)(key) if negate
                                else (lambda k: lambda labels: k in labels)(key))
        else:
            raise bad_request(f'unable to parse requirement: invalid label selector "{text}"')
        rest = rest[m.end():]
        if rest.strip():
            if not rest.lstrip().startswith(","):
                raise bad_request(f'unable to parse requirement: invalid label selector "{text}"')
            rest = rest.lstrip()[1:]
    return lambda labels: all(req(labels) for req in requirements)


def _set_requirement(key: str, op: str, values: set[str]) -> Predicate:
    if op == "in":
        return lambda labels: labels.get(key) in values
    return lambda labels: labels.get(key) not in values


def _compare_requirement(key: str, op: str, value: str) -> Predicate:
    if op == "!=":
        return lambda labels: labels.get(key) != value
    return lambda labels: labels.get(key) == value


def selector_from_match(selector: dict | None) -> Predicate:
    """A LabelSelector object (matchLabels + matchExpressions), as in Deployment.spec.selector."""
    selector = selector or {}
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []

    def matches(labels: dict) -> bool:
        if any(labels.get(k) != v for k, v in match_labels.items()):
            return False
        for expr in expressions:
            key, op, values = expr.get("key"), expr.get("operator"), set(expr.get("values") or [])
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and labels.get(key) in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
        return True
    return matches


def _field_value(obj: dict, path: str):
    value = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def parse_field_selector(text: str | None) -> Predicate:
    """Field selectors on any top-level path (metadata.name, metadata.namespace, status.phase, spec.nodeName...)."""
    if not text or not text.strip():
        return lambda obj: True
    requirements = []
    for term in text.split(","):
        m = re.match(r"^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not m:
            raise bad_request(f'invalid field selector: "{text}"')
        path, op, value = m.groups()
        requirements.append((path, op == "!=", value))

    def matches(obj: dict) -> bool:
        for path, negate, value in requirements:
            actual = _field_value(obj, path)
            actual = "" if actual is None else str(actual)
            if (actual == value) == negate:
                return False
        return True
    return matches
