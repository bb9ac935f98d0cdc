"""HorizontalPodAutoscalers (autoscaling/v2), as kube-controller-manager's HPA controller runs them, on Resource
metrics (cpu, memory; Utilization or AverageValue targets) from the resource metrics API (sandbox/k8s/metrics.py).

Per metric: ratio = current / target over the target's pods that report metrics; within the 0.1 tolerance
nothing changes, else desired = ceil(ratio * pods measured), with pods still starting counted as using nothing
and pods without metrics counted as using nothing when scaling up and their full target when scaling down (the
real controller's caution), the larger proposal over all metrics winning. Then `spec.behavior`: stabilization
windows (scale-down default 300 s: the highest recommendation in the window; scale-up default 0) on the
emulator's clock, and the policies (default up: 4 pods or 100% per period, whichever is more; down: 100%),
applied per pass. Replicas stay within minReplicas..maxReplicas; status.currentMetrics, desiredReplicas,
lastScaleTime and the AbleToScale/ScalingActive/ScalingLimited conditions say what happened.

Without the metrics API (no metrics-server Deployment ready) replicas are only kept within the bounds and
ScalingActive is False, as with a real cluster without metrics-server. Objects with other metric types
(Pods, Object, External, ContainerResource) are measured as unavailable.
"""

from __future__ import annotations

import math

from .. import clock, kinds, metrics
from ..objects import timestamp
from ..scale import scale_of, with_replicas
from ..selectors import parse_label_selector, selector_from_match
from .context import PODS, Context, condition, live
from .placement import RESOURCES, amount
from .pod_templates import is_ready

HPAS = kinds.builtin_by_kind("autoscaling", "HorizontalPodAutoscaler")
NAME = "autoscalers"
TOLERANCE = 0.1
DEFAULT_DOWN_WINDOW = 300.0
_UNAVAILABLE = "unavailable"


def reconcile(ctx: Context) -> None:
    hpas = live(ctx.list(HPAS))
    memory = ctx.remembered(NAME)  # HPA uid -> [(time, recommendation)]
    if not hpas:
        memory.clear()
        return
    scalable = {(t.api_version, t.kind): t for t in ctx.objects.resource_types() if "scale" in t.subresources}
    measured = metrics.api_service_state(ctx.objects) == "available"
    for hpa in hpas:
        ctx.set_status(HPAS, hpa, _reconciled(ctx, hpa, scalable, measured, memory))
    for uid in set(memory) - {h["metadata"]["uid"] for h in hpas}:
        del memory[uid]


def _reconciled(ctx: Context, hpa: dict, scalable: dict, measured: bool, memory: dict) -> dict:
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
    able = ("AbleToScale", True, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
    if current == 0 and low > 0:  # scaled to zero by hand: autoscaling is off until it is scaled up again
        status.update(currentReplicas=0, desiredReplicas=0, conditions=_conditions([
            able, ("ScalingActive", False, "ScalingDisabled", "scaling is disabled since the replica count of the "
                                                              "target is zero")], previous))
        return status
    proposal, current_metrics, active = _proposal(ctx, hpa, target, current, measured)
    now = clock.now()
    history = memory.setdefault(hpa["metadata"]["uid"], [])
    stabilized, reason = current, None
    if proposal is not None:
        history.append((now, proposal))
        stabilized, reason = _stabilized(spec.get("behavior") or {}, history, proposal, current, now)
    desired = min(max(_limited(spec.get("behavior") or {}, current, stabilized), low), high)
    if desired != current and ctx.update(rtype, with_replicas(target, {"spec": {"replicas": desired}}, rtype)):
        status["lastScaleTime"] = timestamp()
    status.update(currentReplicas=current, desiredReplicas=desired)
    if current_metrics:
        status["currentMetrics"] = current_metrics
    else:
        status.pop("currentMetrics", None)
    limited = "TooFewReplicas" if stabilized < low else "TooManyReplicas" if stabilized > high else None
    if desired != current:
        able = ("AbleToScale", True, "SucceededRescale", f"the HPA controller was able to update the target scale "
                                                         f"to {desired}")
    elif reason:
        able = ("AbleToScale", True, "ScaleDownStabilized", reason)
    else:
        able = ("AbleToScale", True, "ReadyForNewScale", "recommended size matches current size")
    status["conditions"] = _conditions([
        able, active,
        ("ScalingLimited", limited is not None, limited or "DesiredWithinRange",
         "the desired replica count is less than the minimum replica count" if limited == "TooFewReplicas"
         else "the desired replica count is more than the maximum replica count" if limited
         else "the desired count is within the acceptable range")], previous)
    return status


def _proposal(ctx: Context, hpa: dict, target: dict, current: int, measured: bool):
    """(replicas the metrics ask for or None, status.currentMetrics, the ScalingActive condition)."""
    specs = (hpa.get("spec") or {}).get("metrics") or [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    if not measured:
        return None, [], ("ScalingActive", False, "FailedGetResourceMetric",
                          "the HPA was unable to compute the replica count: unable to get metrics for resource: "
                          "no metrics server is available (the metrics.k8s.io APIService is not available)")
    pods = _pods_of(ctx, target)
    proposals, found = [], []
    for metric in specs:
        answer = _resource_proposal(metric, pods, current)
        if isinstance(answer, str):
            return None, found, ("ScalingActive", False, "FailedGetResourceMetric",
                                 f"the HPA was unable to compute the replica count: {answer}")
        proposals.append(answer[0])
        found.append(answer[1])
    names = " and ".join(f"{m['resource']['name']} resource" + (
        " utilization (percentage of request)" if m["resource"]["target"].get("type") == "Utilization" else "")
        for m in specs)
    return max(proposals), found, ("ScalingActive", True, "ValidMetricFound",
                                   f"the HPA was able to successfully calculate a replica count from {names}")


def _resource_proposal(metric: dict, pods: list[dict], current: int):
    """(proposal, current metric status) for one Resource metric, or why it cannot be computed."""
    source = metric.get("resource") or {}
    resource, goal = source.get("name"), source.get("target") or {}
    if metric.get("type") != "Resource" or resource not in RESOURCES:
        return f"the sandbox measures only Resource metrics of cpu and memory, not {metric.get('type')}"
    usage = {p["metadata"]["name"]: metrics.pod_usage(p)[resource] for p in pods
             if metrics.is_measured(p) and is_ready(p)}
    if not usage:
        return f"did not receive metrics for targeted pods (pods might be unready): no metrics returned for {resource}"
    requested = {p["metadata"]["name"]: _requested(p, resource) for p in pods}
    if goal.get("type") == "Utilization":
        if any(value == 0 for value in requested.values()):
            return f"failed to get {resource} utilization: missing request for {resource}"
        wanted = float(goal.get("averageUtilization", 80))
        utilization = 100.0 * sum(usage.values()) / (sum(requested[n] for n in usage) or 1)
        ratio = utilization / wanted
        current_status = {"averageUtilization": int(round(utilization)),
                          "averageValue": _quantity(sum(usage.values()) // max(1, len(usage)), resource)}
        full = {n: requested[n] * wanted / 100 for n in requested}
    else:
        wanted = float(amount(goal.get("averageValue"), resource))
        if not wanted:
            return f"the target of the {resource} metric needs averageUtilization or averageValue"
        average = sum(usage.values()) / (len(usage) or 1)
        ratio = average / wanted
        current_status = {"averageValue": _quantity(int(average), resource)}
        full = dict.fromkeys(requested, wanted)
    unready = [p["metadata"]["name"] for p in pods if p["metadata"]["name"] not in usage]
    proposal = _replicas(ratio, usage, unready, full, current)
    return proposal, {"type": "Resource", "resource": {"name": resource, "current": current_status}}


def _replicas(ratio: float, usage: dict, unready: list[str], full: dict, current: int) -> int:
    """The HPA's replica calculation. Pods not running yet have no metrics: when the measured ones ask for more,
    those count as using nothing, and a proposal that then no longer asks for more keeps the current count."""
    if not (unready and ratio > 1):
        return current if abs(ratio - 1) <= TOLERANCE else math.ceil(ratio * len(usage))
    counted = [*usage, *unready]
    new_ratio = sum(usage.values()) / (sum(full[n] for n in counted) or 1)
    if abs(new_ratio - 1) <= TOLERANCE or new_ratio < 1:
        return current
    return max(current, math.ceil(new_ratio * len(counted)))


def _stabilized(behavior: dict, history: list, proposal: int, current: int, now: float):
    """The recommendation after the stabilization windows, and why it is held back (or None)."""
    down = _window(behavior.get("scaleDown"), DEFAULT_DOWN_WINDOW)
    up = _window(behavior.get("scaleUp"), 0.0)
    # Recommendations from a clock since set back are dropped: a window never reaches into the future.
    history[:] = [(at, value) for at, value in history if 0 <= now - at <= max(up, down)]
    down_floor = max([value for at, value in history if now - at <= down] or [proposal])
    up_ceiling = min([value for at, value in history if now - at <= up] or [proposal])
    if proposal < current and down_floor > proposal:
        held = min(down_floor, current)
        why = "recent recommendations were higher than current one, applying the highest recent recommendation"
        return held, why if held == current else None
    if proposal > current and up_ceiling < proposal:
        return max(up_ceiling, current), None
    return proposal, None


def _window(rules: dict | None, default: float) -> float:
    value = (rules or {}).get("stabilizationWindowSeconds")
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else default


def _limited(behavior: dict, current: int, desired: int) -> int:
    """The scaling policies' limit on one step (per pass; the real controller counts over periodSeconds)."""
    if desired > current:
        rules = behavior.get("scaleUp") or {}
        policies = rules.get("policies") or [{"type": "Pods", "value": 4}, {"type": "Percent", "value": 100}]
        bounds = [current + p.get("value", 0) if p.get("type") == "Pods"
                  else math.ceil(current * (1 + p.get("value", 0) / 100)) for p in policies]
        select = rules.get("selectPolicy", "Max")
        limit = current if select == "Disabled" else min(bounds) if select == "Min" else max(bounds)
        return min(desired, limit)
    if desired < current:
        rules = behavior.get("scaleDown") or {}
        policies = rules.get("policies") or [{"type": "Percent", "value": 100}]
        bounds = [current - p.get("value", 0) if p.get("type") == "Pods"
                  else math.floor(current * (1 - p.get("value", 0) / 100)) for p in policies]
        select = rules.get("selectPolicy", "Max")
        limit = current if select == "Disabled" else max(bounds) if select == "Min" else min(bounds)
        return max(desired, limit)
    return desired


def _pods_of(ctx: Context, target: dict) -> list[dict]:
    selector = (target.get("spec") or {}).get("selector")
    if isinstance(selector, dict):
        matches = selector_from_match(selector)
    else:
        matches = parse_label_selector(selector if isinstance(selector, str) else None)
    return [p for p in live(ctx.list(PODS, target["metadata"]["namespace"]))
            if matches(p["metadata"].get("labels") or {})
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]


def _requested(pod: dict, resource: str) -> int:
    return sum(amount(((c.get("resources") or {}).get("requests") or {}).get(resource), resource)
               for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict))


def _quantity(value: int, resource: str) -> str:
    return f"{value}m" if resource == "cpu" else str(value)


def _conditions(wanted: list[tuple], previous) -> list[dict]:
    found = []
    for type_, state, reason, message in wanted:
        made = condition(type_, state, reason, message, previous)
        made.pop("lastUpdateTime")
        found.append(made)
    return found
