"""HorizontalPodAutoscalers: the target's replicas kept within minReplicas..maxReplicas (what the real
controller does when the target is outside them) and the status `kubectl get hpa` shows. The sandbox runs no
metrics server, so metrics are never measured: ScalingActive says so, and replicas follow only the bounds."""

from __future__ import annotations

from .. import kinds
from ..objects import timestamp
from ..scale import scale_of, with_replicas
from .context import Context, condition, live

HPAS = kinds.builtin_by_kind("autoscaling", "HorizontalPodAutoscaler")


def reconcile(ctx: Context) -> None:
    hpas = live(ctx.list(HPAS))
    if not hpas:
        return
    scalable = {(t.api_version, t.kind): t for t in ctx.objects.resource_types() if "scale" in t.subresources}
    for hpa in hpas:
        ctx.set_status(HPAS, hpa, _reconciled(ctx, hpa, scalable))


def _reconciled(ctx: Context, hpa: dict, scalable: dict) -> dict:
    spec, status = hpa.get("spec") or {}, dict(hpa.get("status") or {})
    previous = status.get("conditions")
    ref = spec.get("scaleTargetRef") or {}
    rtype = scalable.get((ref.get("apiVersion"), ref.get("kind")))
    target = ctx.find(rtype, hpa["metadata"]["namespace"], ref.get("name", "")) if rtype else None
    status["observedGeneration"] = hpa["metadata"].get("generation", 1)
    if target is None:
        status.update(currentReplicas=0, desiredReplicas=0, conditions=_conditions([
            ("AbleToScale", False, "FailedGetScale",
             f'the HPA controller was unable to get the target\'s current scale: {ref.get("kind")} '
             f'"{ref.get("name")}" not found')], previous))
        return status
    current = scale_of(target, rtype)["spec"]["replicas"]
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", current)
    if current == 0 and low > 0:  # scaled to zero by hand: autoscaling is off until it is scaled up again
        status.update(currentReplicas=0, desiredReplicas=0, conditions=_conditions([
            ("AbleToScale", True, "SucceededGetScale", "the HPA controller was able to get the target's current "
                                                       "scale"),
            ("ScalingActive", False, "ScalingDisabled", "scaling is disabled since the replica count of the "
                                                        "target is zero")], previous))
        return status
    desired = min(max(current, low), high)
    if desired != current and ctx.update(rtype, with_replicas(target, {"spec": {"replicas": desired}}, rtype)):
        status["lastScaleTime"] = timestamp()
    limited = "TooFewReplicas" if current < low else "TooManyReplicas" if current > high else None
    status.update(currentReplicas=current, desiredReplicas=desired, conditions=_conditions([
        ("AbleToScale", True, "SucceededRescale" if desired != current else "ReadyForNewScale",
         f"the HPA controller was able to update the target scale to {desired}" if desired != current
         else "recommended size matches current size"),
        ("ScalingActive", False, "FailedGetResourceMetric",
         "the sandbox runs no metrics server: replicas are only kept within minReplicas and maxReplicas"),
        ("ScalingLimited", limited is not None, limited or "DesiredWithinRange",
         "the desired replica count is less than the minimum replica count" if limited == "TooFewReplicas"
         else "the desired replica count is more than the maximum replica count" if limited
         else "the desired count is within the acceptable range")], previous))
    return status


def _conditions(wanted: list[tuple], previous) -> list[dict]:
    found = []
    for type_, state, reason, message in wanted:
        made = condition(type_, state, reason, message, previous)
        made.pop("lastUpdateTime")
        found.append(made)
    return found
