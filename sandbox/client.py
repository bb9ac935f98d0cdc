"""Python access to a running sandbox: its control API and boto3 clients pointed at it."""

from __future__ import annotations

import boto3
import requests
from botocore.config import Config

from sandbox.config import ACCESS_KEY_ID, DEFAULT_REGION, INTERNAL_HEADER, SECRET_ACCESS_KEY, SandboxConfig


class SandboxClient:
    """Talks to the AWS process of one sandbox, given its SandboxConfig or its endpoint URL."""

    def __init__(self, config_or_endpoint: SandboxConfig | str):
        if isinstance(config_or_endpoint, SandboxConfig):
            self.endpoint = config_or_endpoint.aws_endpoint
        else:
            self.endpoint = config_or_endpoint.rstrip("/")
        self._http = requests.Session()

    def _control(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self._http.request(method, f"{self.endpoint}/_sandbox/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict:
        return self._control("GET", "health")

    def calls(self) -> list[dict]:
        """[{"service", "action", "kind", "count"}, ...] since the last reset of the counters."""
        return self._control("GET", "calls")["calls"]

    def call_log(self) -> list[dict]:
        """[{"at", "service", "action", "kind", "target"}, ...] in arrival order since the last reset of the counters;
        `at` is epoch seconds, `target` the call's naming parameters (clusterName, NatGatewayId, ...)."""
        return self._control("GET", "calls/log")["calls"]

    def mutating_calls(self) -> list[dict]:
        return [call for call in self.calls() if call["kind"] == "mutating"]

    def count(self, action: str, service: str | None = None) -> int:
        return sum(call["count"] for call in self.calls()
                   if call["action"] == action and service in (None, call["service"]))

    def reset_calls(self) -> None:
        self._control("DELETE", "calls")

    def faults(self) -> dict:
        return self._control("GET", "faults")

    def set_faults(self, **settings) -> dict:
        """throttle_rate, server_error_rate, fail_from_nth_mutating, lost_answer_rate, seed (sandbox/aws/faults.py)."""
        return self._control("PUT", "faults", settings)

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def reset(self) -> None:
        """Forget every AWS resource, counter and fault (the k8s process is reset by `python -m sandbox reset`)."""
        self._control("POST", "reset")

    def boto3_session(self, region: str = DEFAULT_REGION) -> boto3.Session:
        return boto3.Session(aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
                             region_name=region)

    def client(self, service: str, *, region: str = DEFAULT_REGION, internal: bool = False,
               config: Config | None = None):
        """A boto3 client for the sandbox; `internal=True` marks its calls as uncounted and unfaulted."""
        client = self.boto3_session(region).client(service, endpoint_url=self.endpoint, config=config)
        if internal:
            client.meta.events.register("before-sign", _mark_internal)
        return client


def _mark_internal(request, **_) -> None:
    request.headers[INTERNAL_HEADER] = "1"
