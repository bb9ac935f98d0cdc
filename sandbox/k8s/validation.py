"""Checks the API server makes before storing: object names and labels (422 with the offending field)."""

from __future__ import annotations

import re

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

# Kinds whose names are single DNS labels, or (RBAC) any path segment, rather than DNS subdomains.
_LABEL_NAMED = {("", "Namespace")}
_DNS1035_NAMED = {("", "Service")}
_PATH_SEGMENT_NAMED = {("rbac.authorization.k8s.io", k) for k in ("Role", "ClusterRole", "RoleBinding",
                                                                  "ClusterRoleBinding")}

Cause = tuple[str, str, str]  # (reason, field, message)


def name_problems(group: str, kind: str, name: str) -> list[Cause]:
    field = "metadata.name"
    if (group, kind) in _PATH_SEGMENT_NAMED:
        if name in (".", "..") or "/" in name or "%" in name:
            return [("FieldValueInvalid", field, f'Invalid value: "{name}": may not contain "/" or "%"')]
        return []
    if (group, kind) in _DNS1035_NAMED:
        if len(name) > 63 or not _DNS1035_LABEL.match(name):
            return [("FieldValueInvalid", field,
                     f'Invalid value: "{name}": a DNS-1035 label must consist of lower case alphanumeric characters '
                     "or '-', start with an alphabetic character, and end with an alphanumeric character")]
        return []
    if (group, kind) in _LABEL_NAMED:
        if len(name) > 63 or not _DNS1123_LABEL.match(name):
            return [("FieldValueInvalid", field,
                     f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of lower case alphanumeric '
                     "characters or '-', and must start and end with an alphanumeric character")]
        return []
    if len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        return [("FieldValueInvalid", field,
                 f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
                 "characters, '-' or '.', and must start and end with an alphanumeric character")]
    return []


def label_problems(labels) -> list[Cause]:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [("FieldValueInvalid", "metadata.labels", "Invalid value: must be a map of strings")]
    problems = []
    for key, value in labels.items():
        _, _, short = key.rpartition("/")
        if not isinstance(key, str) or len(short) > 63 or not _QUALIFIED_NAME.match(short):
            problems.append(("FieldValueInvalid", "metadata.labels", f'Invalid value: "{key}": name part must '
                             "consist of alphanumeric characters, '-', '_' or '.'"))
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            problems.append(("FieldValueInvalid", "metadata.labels", f'Invalid value: "{value}": a valid label '
                             "must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"))
    return problems
