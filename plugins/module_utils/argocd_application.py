# -*- coding: utf-8 -*-

# Copyright: (c) 2026, eksforge maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argo CD Applications as a release needs them (used by eksforge.platform.argocd_application_info).

``summary(app)`` (pure) turns an Application into sync/health/revision/images and the resources that are not
healthy or not synced; ``run_argocd_application_info`` reads Applications with the kubernetes client
(kubernetes.core's connection options) and optionally waits until they are Synced and Healthy at a revision.
"""

import time

from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

try:
    from kubernetes.dynamic.exceptions import DynamicApiError
    from kubernetes.dynamic.exceptions import NotFoundError
    from kubernetes.dynamic.exceptions import ResourceNotFoundError
except ImportError:
    pass  # AnsibleK8SModule reports the missing kubernetes library

API_VERSION = "argoproj.io/v1alpha1"
HEALTHY = "Healthy"
SYNCED = "Synced"


def summary(app):
    """What a release reads from an Application (its name, sync, health, revision, images, operation, history and
    the resources that are not Healthy or not Synced)."""
    meta, status = app.get("metadata") or {}, app.get("status") or {}
    sync, health = status.get("sync") or {}, status.get("health") or {}
    operation = status.get("operationState") or {}
    resources = status.get("resources") or []
    return dict(
        name=meta.get("name"),
        namespace=meta.get("namespace"),
        project=(app.get("spec") or {}).get("project"),
        sync_status=sync.get("status", "Unknown"),
        revision=sync.get("revision"),
        health_status=health.get("status", "Unknown"),
        images=list((status.get("summary") or {}).get("images") or []),
        operation_phase=operation.get("phase"),
        operation_message=operation.get("message"),
        history_revisions=[entry.get("revision") for entry in status.get("history") or []],
        conditions=[dict(type=c.get("type"), message=c.get("message")) for c in status.get("conditions") or []],
        unhealthy_resources=[_resource(r, (r.get("health") or {}))
                             for r in resources if (r.get("health") or {}).get("status", HEALTHY) != HEALTHY],
        out_of_sync_resources=[_resource(r, {}) for r in resources if r.get("status") != SYNCED],
        resource_health_persisted=status.get("resourceHealthSource") != "appTree",
    )


def _resource(resource, health):
    entry = dict(kind=resource.get("kind"), namespace=resource.get("namespace", ""), name=resource.get("name"),
                 sync_status=resource.get("status"))
    if health:
        entry.update(health_status=health.get("status"), health_message=health.get("message", ""))
    if resource.get("requiresPruning"):
        entry["requires_pruning"] = True
    return entry


def settled(app_summary, revision=None):
    """Whether an Application is Synced and Healthy (at `revision`, a full or abbreviated commit, when given)."""
    at_revision = revision is None or (app_summary["revision"] or "").startswith(revision)
    return app_summary["sync_status"] == SYNCED and app_summary["health_status"] == HEALTHY and at_revision


def describe(app_summary):
    """One line saying why an Application is not settled: sync, health, revision and the resources to blame."""
    parts = [f"{app_summary['name']} is {app_summary['sync_status']}/{app_summary['health_status']} at revision "
             f"{app_summary['revision'] or 'none'}"]
    blamed = [f"{r['kind']} {r['namespace'] + '/' if r['namespace'] else ''}{r['name']} is {r['health_status']}"
              + (f" ({r['health_message']})" if r.get("health_message") else "")
              for r in app_summary["unhealthy_resources"]]
    if blamed:
        parts.append("not healthy: " + "; ".join(blamed))
    unsynced = [f"{r['kind']} {r['name']}" for r in app_summary["out_of_sync_resources"]]
    if unsynced:
        parts.append("out of sync: " + ", ".join(unsynced))
    parts += [f"{c['type']}: {c['message']}" for c in app_summary["conditions"]]
    if app_summary["operation_phase"] in ("Failed", "Error"):
        parts.append(f"last sync {app_summary['operation_phase']}: {app_summary['operation_message']}")
    return "; ".join(parts)


def run_argocd_application_info(module):
    params = module.params
    try:
        client = get_api_client(module)
        resource = client.resource("Application", API_VERSION)
    except (CoreException, ResourceNotFoundError) as error:
        module.fail_json(msg=f"cannot reach Argo CD Applications ({API_VERSION}): {error}; is Argo CD installed?")
    if params["wait"] and not params["name"]:
        module.fail_json(msg="wait needs the name of the Application to wait for")
    deadline = time.monotonic() + params["wait_timeout"]
    while True:
        apps = _read(module, client, resource)
        if not params["wait"] or settled(apps[0], params["revision"]):
            break
        degraded = apps[0]["health_status"] == "Degraded" and settled(
            dict(apps[0], health_status=HEALTHY, sync_status=SYNCED), params["revision"])
        if (params["fail_on_degraded"] and degraded) or time.monotonic() >= deadline:
            why = "is Degraded" if degraded and params["fail_on_degraded"] else \
                f"did not become Synced and Healthy within {params['wait_timeout']} s"
            wanted = f" at revision {params['revision']}" if params["revision"] else ""
            module.fail_json(msg=f"Application {params['name']}{wanted} {why}: {describe(apps[0])}",
                             applications=apps)
        time.sleep(params["wait_sleep"])
    module.exit_json(changed=False, applications=apps)


def _read(module, client, resource):
    params = module.params
    try:
        if params["name"]:
            found = [client.get(resource, name=params["name"], namespace=params["namespace"]).to_dict()]
        else:
            found = client.get(resource, namespace=params["namespace"]).to_dict().get("items") or []
    except NotFoundError:
        if params["wait"]:
            module.fail_json(msg=f"Application {params['name']} does not exist in namespace {params['namespace']}")
        return []
    except DynamicApiError as error:
        module.fail_json(msg=f"cannot read Applications in namespace {params['namespace']}: {error.reason}")
    return [summary(app) for app in found]
