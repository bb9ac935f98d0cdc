"""ECS services' availabilityZoneRebalancing, which moto 5.2.5 neither stores nor returns.

Real ECS returns the service's availabilityZoneRebalancing in CreateService, UpdateService and DescribeServices:
the value the request set, and ENABLED when a CreateService request set none (UpdateService without it keeps it).
Tests: sandbox/tests/test_aws_terraform_fixes.py.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

from sandbox.aws.extensions import Call, Extension

FIELD = "availabilityZoneRebalancing"


class EcsFixes(Extension):
    def __init__(self) -> None:
        self.rebalancing: dict[str, str] = {}  # service ARN -> ENABLED | DISABLED

    def handle(self, call: Call, request: Request) -> Response | None:
        if call.service != "ecs" or call.action not in ("CreateService", "UpdateService", "DescribeServices"):
            return None
        answer = self.ask_moto(request)
        if answer.status_code != 200:
            return answer
        body = json.loads(answer.get_data())
        services = body.get("services") or ([body["service"]] if "service" in body else [])
        for service in services:
            arn = service.get("serviceArn", "")
            if call.action == "CreateService":
                self.rebalancing[arn] = call.params.get(FIELD) or "ENABLED"
            elif call.action == "UpdateService" and call.params.get(FIELD):
                self.rebalancing[arn] = call.params[FIELD]
            service[FIELD] = self.rebalancing.get(arn, "ENABLED")
        answer.set_data(json.dumps(body))
        return answer

    def reset(self) -> None:
        self.rebalancing.clear()


EXTENSION = EcsFixes()
