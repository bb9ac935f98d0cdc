"""EKS's rest-json wire format: reading a request into botocore member names, writing answers and errors."""

from __future__ import annotations

import functools
import json

import botocore.session
from botocore.model import OperationModel, ServiceModel
from werkzeug.wrappers import Request, Response

from sandbox.aws.identify import raw_path, rest_matcher


class EksError(Exception):
    """An EKS error as AWS sends it: the type in `x-amzn-ErrorType`, `message` plus context in the body."""

    status = 400

    def __init__(self, message: str, **context: str):
        super().__init__(message)
        self.message = message
        self.context = context

    @property
    def code(self) -> str:
        return type(self).__name__


class InvalidParameterException(EksError):
    status = 400


class InvalidRequestException(EksError):
    status = 400


class ResourceInUseException(EksError):
    status = 409


class ResourceNotFoundException(EksError):
    status = 404


class NotFoundException(EksError):
    """What the tagging operations raise for an unknown ARN (not ResourceNotFoundException)."""

    status = 404


class BadRequestException(EksError):
    status = 400


@functools.cache
def eks_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("eks")


def read_request(request: Request) -> tuple[OperationModel, dict] | None:
    """The operation and its input keyed by botocore member names, or None if no EKS route matches."""
    matched = rest_matcher(eks_model()).match(request.method, raw_path(request), request.args, request.headers)
    if matched is None:
        return None
    operation, labels = matched
    uri_members = {name for name, shape in operation.input_shape.members.items()
                   if shape.serialization.get("location") == "uri"}
    params = {name: value for name, value in labels.items() if name in uri_members}
    for name, shape in operation.input_shape.members.items():
        if shape.serialization.get("location") != "querystring":
            continue
        values = request.args.getlist(shape.serialization.get("name", name))
        if values:
            params[name] = values if shape.type_name == "list" else _scalar(shape.type_name, values[0])
    body = request.get_json(silent=True, force=True) if request.get_data(cache=True) else None
    if isinstance(body, dict):
        params.update({key: value for key, value in body.items() if key in operation.input_shape.members})
    return operation, params


def _scalar(type_name: str, value: str):
    if type_name == "integer":
        try:
            return int(value)
        except ValueError:
            raise InvalidParameterException(f"Invalid integer value: {value}") from None
    if type_name == "boolean":
        return value.lower() == "true"
    return value


def answer(body: dict) -> Response:
    return Response(json.dumps(body), status=200, content_type="application/json")


def error(err: EksError) -> Response:
    # botocore takes the code from x-amzn-ErrorType and the message from the body's "message".
    return Response(json.dumps({"message": err.message, **err.context}), status=err.status,
                    content_type="application/json", headers={"x-amzn-ErrorType": err.code})
