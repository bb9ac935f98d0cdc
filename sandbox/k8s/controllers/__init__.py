"""Simulated controllers: what kube-controller-manager, the scheduler, kubelets, the AWS cloud controllers
and the charts' operators would make of the stored objects, a short configurable delay after each change.

Each controller is a module with `reconcile(ctx)` (ctx: context.Context, the only way it touches objects),
listed in CONTROLLERS in the order a pass runs them. Every pass is level-triggered and idempotent.
"""

from __future__ import annotations

from . import (api_services, autoscalers, cron_jobs, custom_resources, daemon_sets, deployments, disruption_budgets,
               endpoints, events, external_dns, garbage, jobs, load_balancers, namespaces, nodes, pods, replica_sets,
               service_account_tokens, services, stateful_sets, volumes)
from .loop import DEFAULT_DELAY, ControllerLoop

CONTROLLERS = {
    "nodes": nodes.reconcile,
    "namespaces": namespaces.reconcile,
    "autoscalers": autoscalers.reconcile,
    "deployments": deployments.reconcile,
    "replica-sets": replica_sets.reconcile,
    "stateful-sets": stateful_sets.reconcile,
    "daemon-sets": daemon_sets.reconcile,
    "cron-jobs": cron_jobs.reconcile,
    "jobs": jobs.reconcile,
    "volumes": volumes.reconcile,
    "pods": pods.reconcile,
    "services": services.reconcile,
    "endpoints": endpoints.reconcile,
    "load-balancers": load_balancers.reconcile,
    "external-dns": external_dns.reconcile,
    "service-account-tokens": service_account_tokens.reconcile,
    "disruption-budgets": disruption_budgets.reconcile,
    "custom-resources": custom_resources.reconcile,
    "api-services": api_services.reconcile,
    "events": events.reconcile,
    "garbage": garbage.reconcile,
}

__all__ = ["CONTROLLERS", "DEFAULT_DELAY", "ControllerLoop"]
