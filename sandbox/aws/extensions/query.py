"""Helpers for fixes on query/ec2-protocol calls: rewrite the form before moto, edit moto's XML after.

Not an extension itself (not listed in EXTENSION_MODULES).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

FILTER_KEY = re.compile(r"^Filter\.(\d+)\.(Name|Value\.\d+)$")


def with_form(request: Request, params: dict[str, str]) -> Request:
    """A copy of `request` whose form body is `params` (the query string is dropped)."""
    body = urlencode(params).encode()
    environ = {**request.environ, "REQUEST_METHOD": "POST", "QUERY_STRING": "",
               "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    return Request(environ)


def filters(params: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The `Filter.N.Name` / `Filter.N.Value.M` pairs of an EC2 request, in N order."""
    found: dict[int, dict[str, str]] = {}
    for key, value in params.items():
        match = FILTER_KEY.match(key)
        if match:
            found.setdefault(int(match[1]), {})[match[2]] = value
    result = []
    for _, parts in sorted(found.items()):
        values = [parts[key] for key in sorted((k for k in parts if k != "Name"), key=lambda k: int(k[6:]))]
        result.append((parts.get("Name", ""), values))
    return result


def with_filters(params: dict[str, str], new_filters: list[tuple[str, list[str]]]) -> dict[str, str]:
    """`params` with its Filter.* entries replaced by `new_filters`, numbered from 1."""
    kept = {key: value for key, value in params.items() if not FILTER_KEY.match(key)}
    for number, (name, values) in enumerate(new_filters, start=1):
        kept[f"Filter.{number}.Name"] = name
        for value_number, value in enumerate(values, start=1):
            kept[f"Filter.{number}.Value.{value_number}"] = value
    return kept


def value_matches(actual: str, patterns: list[str]) -> bool:
    """EC2 filter semantics: any pattern matches; `*` and `?` are wildcards."""
    return any(re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), actual)
               for pattern in patterns)


def edit_xml(response: Response, edit: Callable[[ElementTree.Element, str], None]) -> Response:
    """Apply `edit(root, namespace_prefix)` to a successful XML response; errors pass through untouched."""
    if response.status_code != 200:
        return response
    root = ElementTree.fromstring(response.get_data())
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if namespace:
        # Serialise back with the default namespace instead of "ns0:" prefixes.
        ElementTree.register_namespace("", namespace[1:-1])
    edit(root, namespace)
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    response.set_data(body)
    return response
