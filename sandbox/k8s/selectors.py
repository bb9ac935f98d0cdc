"""Label selectors (=, ==, !=, in, notin, exists, !key, <, >) and field selectors (=, ==, !=) on list and watch, and
the checks of those query parameters the apiserver answers with 400."""

from __future__ import annotations

import re
from typing import Callable

from .errors import bad_request
from .validation import label_value_problem, qualified_name_problem

Predicate = Callable[[dict], bool]

# The label selector grammar's tokens: operators and punctuation, or an identifier (anything else but blanks).
_TOKEN = re.compile(r"\s*(==|!=|=|!|\(|\)|,|<|>|[^\s!=,()<>]+)")


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            break  # trailing blanks
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _invalid_selector(text: str, why: str):
    return bad_request(f"unable to parse requirement: {why}: invalid label selector \"{text}\"")


def parse_label_selector(text: str | None) -> Predicate:
    """A label selector as in ?labelSelector= (k8s.io/apimachinery labels.Parse); 400 when it does not parse or
    names an invalid key or value."""
    if not text or not text.strip():
        return lambda labels: True
    tokens, requirements = _tokens(text), []
    position = 0

    def take() -> str | None:
        nonlocal position
        position += 1
        return tokens[position - 1] if position <= len(tokens) else None

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def key_of(token: str | None) -> str:
        if token is None or token in _PUNCTUATION:
            raise _invalid_selector(text, f"found '{token or ''}', expected: identifier")
        why = qualified_name_problem(token)
        if why:
            raise _invalid_selector(text, f'key: Invalid value: "{token}": {why}')
        return token

    def value_of(token: str) -> str:
        why = label_value_problem(token)
        if why:
            raise _invalid_selector(text, f'values[0][{key}]: Invalid value: "{token}": {why}')
        return token

    while True:
        token = take()
        if token == "!":
            requirements.append((lambda k: lambda labels: k not in labels)(key_of(take())))
        else:
            key = key_of(token)
            operator = peek()
            if operator in (None, ","):
                requirements.append((lambda k: lambda labels: k in labels)(key))
            elif operator in ("=", "==", "!="):
                take()
                value = "" if peek() in (None, ",") else take()
                if value in _PUNCTUATION:
                    raise _invalid_selector(text, f"found '{value}', expected: identifier")
                requirements.append(_compare_requirement(key, operator, value_of(value)))
            elif operator in ("in", "notin"):
                take()
                if take() != "(":
                    raise _invalid_selector(text, "found '', expected: '('")
                values = set()
                while peek() not in (")", None):
                    value = take()
                    if value == ",":
                        continue
                    if value in _PUNCTUATION:
                        raise _invalid_selector(text, f"found '{value}', expected: ',', ')' or identifier")
                    values.add(value_of(value))
                if take() != ")":
                    raise _invalid_selector(text, "found '', expected: ')'")
                if not values:
                    raise _invalid_selector(text, "for 'in', 'notin' operators, values set can't be empty")
                requirements.append(_set_requirement(key, operator, values))
            elif operator in ("<", ">"):
                take()
                bound = take() or ""
                if not re.fullmatch(r"-?[0-9]+", bound):
                    raise _invalid_selector(text, f"for 'Gt', 'Lt' operators, the value must be an integer: {bound}")
                requirements.append(_numeric_requirement(key, operator, int(bound)))
            else:
                raise _invalid_selector(text, f"found '{operator}', expected: in, notin, =, ==, !=, gt, lt")
        separator = take()
        if separator is None:
            break
        if separator != ",":
            raise _invalid_selector(text, f"found '{separator}', expected: ',' or 'end of string'")
    return lambda labels: all(req(labels) for req in requirements)


_PUNCTUATION = {"==", "!=", "=", "!", "(", ")", ",", "<", ">"}


def _numeric_requirement(key: str, op: str, bound: int) -> Predicate:
    def matches(labels: dict) -> bool:
        value = labels.get(key)
        if value is None or not re.fullmatch(r"-?[0-9]+", value):
            return False
        return int(value) > bound if op == ">" else int(value) < bound
    return matches


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


# Fields each kind can be selected by besides metadata.name and metadata.namespace (the apiserver's field label
# conversion functions); any other is refused with 400.
_EVENT_FIELDS = {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                 "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                 "reportingComponent", "source", "type"}
_SELECTABLE_FIELDS = {
    ("", "Pod"): {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                  "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"},
    ("", "Event"): _EVENT_FIELDS,
    ("events.k8s.io", "Event"): _EVENT_FIELDS,
    ("", "Secret"): {"type"},
    ("", "Namespace"): {"status.phase"},
    ("", "Node"): {"spec.unschedulable"},
    ("", "Service"): {"spec.clusterIP", "spec.type"},
    ("", "ReplicationController"): {"status.replicas"},
    ("apps", "ReplicaSet"): {"status.replicas"},
    ("batch", "Job"): {"status.successful"},
    ("certificates.k8s.io", "CertificateSigningRequest"): {"spec.signerName"},
}
_FIELD_TERM = re.compile(r"^\s*([^=!\s]+)\s*(==|=|!=)")
_INTEGER = re.compile(r"^-?[0-9]+$")


def check_query(args, rtype) -> None:
    """Refuse, like the apiserver, list and watch parameters that do not parse: a malformed label selector, a field
    selector on a field the kind cannot be selected by, limit or timeoutSeconds that are no integers (400)."""
    parse_label_selector(args.get("labelSelector"))
    text = args.get("fieldSelector") or ""
    parse_field_selector(text)
    allowed = {"metadata.name", "metadata.namespace"} | _SELECTABLE_FIELDS.get((rtype.group, rtype.kind), set())
    for term in filter(str.strip, text.split(",")):
        field = _FIELD_TERM.match(term).group(1)
        if field in allowed:
            continue
        if rtype.is_custom:
            raise bad_request(f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"')
        raise bad_request(f"field label not supported: {field}")
    for name in ("limit", "timeoutSeconds"):
        value = args.get(name)
        if value is not None and not _INTEGER.match(value):
            raise bad_request(f'{name}: Invalid value: "{value}": strconv.ParseInt: parsing "{value}": invalid syntax')
