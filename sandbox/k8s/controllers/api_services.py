"""APIServices: kube-aggregator's local APIService for every served group-version (built-in ones made on start,
CRD groups' kept in step with their CRDs, both `kube-aggregator.kubernetes.io/automanaged`). An APIService backed
by a Service is available only for the one aggregated API the sandbox simulates, metrics.k8s.io (sandbox/k8s/
metrics.py), while its Service exists and the metrics-server Deployment is ready; any other is reported
unavailable: the sandbox proxies no aggregated API."""

from __future__ import annotations

from .. import discovery, kinds
from .context import DEPLOYMENTS, SERVICES, Context, condition, live
from .custom_resources import gate_open
from .stages import Gate

API_SERVICES = kinds.builtin_by_kind("apiregistration.k8s.io", "APIService")
NAME = "api-services"
AUTOMANAGED = "kube-aggregator.kubernetes.io/automanaged"
CRD_GROUP_PRIORITY, CRD_VERSION_PRIORITY = 1000, 100  # what the apiextensions-apiserver registers CRD groups with
METRICS_GROUP = "metrics.k8s.io"
METRICS_SERVER = {"app.kubernetes.io/name": "metrics-server"}  # what the metrics-server chart labels its Deployment


def reconcile(ctx: Context) -> None:
    if not ctx.changed(NAME, kinds.CRD_TYPE, API_SERVICES, DEPLOYMENTS, SERVICES):
        return
    wanted = _local_api_services(ctx.objects.resource_types())
    existing = {a["metadata"]["name"]: a for a in live(ctx.list(API_SERVICES))}
    for name, api_service in wanted.items():
        if name not in existing:
            existing[name] = ctx.create(API_SERVICES, "", api_service)
    for name, api_service in existing.items():
        if api_service is None:
            continue
        managed = (api_service["metadata"].get("labels") or {}).get(AUTOMANAGED)
        if managed == "true" and name not in wanted:
            ctx.delete(API_SERVICES, api_service)
            continue
        ctx.set_status(API_SERVICES, api_service, {"conditions": [_available(ctx, api_service)]})


def _local_api_services(types) -> dict[str, dict]:
    result = {}
    groups = discovery.served_groups(types)
    for group_index, (group, versions) in enumerate(groups.items()):
        for version_index, (version, group_types) in enumerate(versions.items()):
            custom = all(t.is_custom for t in group_types)
            name = f"{version}.{group}"
            result[name] = {
                "metadata": {"name": name, "labels": {AUTOMANAGED: "true" if custom else "onstart"}},
                "spec": {"group": group, "version": version,
                         "groupPriorityMinimum": CRD_GROUP_PRIORITY if custom else 18000 - 100 * group_index,
                         "versionPriority": CRD_VERSION_PRIORITY if custom else 15 - version_index}}
    return result


def _available(ctx: Context, api_service: dict) -> dict:
    previous = (api_service.get("status") or {}).get("conditions")
    spec = api_service.get("spec") or {}
    service = spec.get("service")
    if not service:
        return _plain(condition("Available", True, "Local", "Local APIServices are always available", previous))
    if spec.get("group") != METRICS_GROUP:
        return _plain(condition("Available", False, "FailedDiscoveryCheck",
                                "the sandbox runs no extension API servers, so no aggregated API is reachable",
                                previous))
    name, namespace = service.get("name", ""), service.get("namespace", "")
    if ctx.find(SERVICES, namespace, name) is None:
        return _plain(condition("Available", False, "ServiceNotFound", f'service/{name} in "{namespace}" is not '
                                                                       "present", previous))
    if not gate_open(ctx, Gate("Deployment", METRICS_SERVER, namespace)):
        return _plain(condition("Available", False, "MissingEndpoints", f'endpoints for service/{name} in '
                                f'"{namespace}" have no addresses with port name "https"', previous))
    return _plain(condition("Available", True, "Passed", "all checks passed", previous))


def _plain(found: dict) -> dict:
    found.pop("lastUpdateTime")  # APIServiceCondition has no lastUpdateTime
    return found
