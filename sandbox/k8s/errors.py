"""API errors rendered as `kind: Status` objects, the way the real API server reports failures."""

from __future__ import annotations

from typing import Any

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
    503: "ServiceUnavailable",
}


class ApiError(Exception):
    def __init__(self, code: int, message: str, reason: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def _details(rtype, name: str) -> dict:
    return {"name": name, "group": rtype.group, "kind": rtype.plural}


def not_found(rtype, name: str) -> ApiError:
    return ApiError(404, f'{rtype.group_resource} "{name}" not found', details=_details(rtype, name))


def already_exists(rtype, name: str) -> ApiError:
    return ApiError(409, f'{rtype.group_resource} "{name}" already exists', "AlreadyExists", _details(rtype, name))


def conflict(rtype, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {rtype.group_resource} "{name}": {why}',
        details=_details(rtype, name),
    )


def invalid(rtype, name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """causes: (reason like FieldValueInvalid, field path, message)."""
    text = "; ".join(f"{field}: {msg}" for _, field, msg in causes)
    details = _details(rtype, name)
    details["kind"] = rtype.kind
    details["causes"] = [{"reason": r, "message": m, "field": f} for r, f, m in causes]
    return ApiError(422, f'{rtype.kind} "{name}" is invalid: {text}', details=details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def forbidden(user: str, verb: str, rtype, namespace: str | None, name: str = "") -> ApiError:
    scope = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    quoted_name = f'"{name}" ' if name else ""
    return ApiError(
        403,
        f'{rtype.group_resource} {quoted_name}is forbidden: User "{user}" cannot {verb} '
        f'resource "{rtype.plural}" in API group "{rtype.group}"{scope}',
        details={"name": name, "group": rtype.group, "kind": rtype.plural},
    )
