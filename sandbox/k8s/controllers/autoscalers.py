"""HorizontalPodAutoscalers (autoscaling/v2), as kube-controller-manager's HPA controller runs them, on Resource
metrics (cpu, memory; Utilization or AverageValue targets) from the resource metrics API (sandbox/k8s/metrics.py).

A pass reads the target's scale; a target outside minReplicas..maxReplicas is brought within them first (no metrics
read). Otherwise, per metric: ratio = current / target over the target's pods that report metrics; within the 0.1
tolerance nothing changes, else desired = ceil(ratio * pods measured), with pods still starting counted as using
nothing and pods without metrics counted as using nothing when scaling up and their full target when scaling down
(the real controller's caution), the larger proposal over all metrics winning. Then `spec.behavior`: stabilization
windows (scale-down default 300 s: the highest recommendation in the window; scale-up default 0) on the
emulator's clock, and the policies (default up: 4 pods or 100% per period, whichever is more; down: 100%),
applied per pass. status.currentMetrics, desiredReplicas, lastScaleTime and the AbleToScale/ScalingActive/
ScalingLimited conditions say what happened, and the controller's events (component horizontal-pod-autoscaler) in
its wording: SuccessfulRescale ("New size: 4; reason: cpu resource utilization (percentage of request) above
target"), and the warnings FailedGetScale, FailedGetResourceMetric and FailedComputeMetricsReplicas. The real
controller repeats a warning every 15 s (its recorder counts the repeats); here each distinct one is written once.

Without the metrics API (no metrics-server Deployment ready) the metrics cannot be read, as on a real cluster
without metrics-server: ScalingActive is False, desiredReplicas keeps its last value and only the bounds are kept.
Objects with other metric types (Pods, Object, External, ContainerResource) are measured as unavailable.
"""

from __future__ import annotations

import math

from .. import clock, kinds, metrics
from ..objects import timestamp
from ..scale import scale_of, with_replicas
from ..selectors import parse_label_selector, selector_from_match
from .context import PODS, Context, condition, live
from .events import record
from .placement import RESOURCES, amount
from .pod_templates import is_ready

HPAS = kinds.builtin_by_kind("autoscaling", "HorizontalPodAutoscaler")
NAME = "autoscalers"
WARNINGS = "autoscaler-warnings"
CONTROLLER = "horizontal-pod-autoscaler"
TOLERANCE = 0.1
DEFAULT_DOWN_WINDOW = 300.0
DEFAULT_METRIC = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                            "averageUtilization": 80}}}
# What the metrics client reports when it cannot list pods.metrics.k8s.io, by the APIService's state.
_METRICS_API_ERRORS = {"absent": "the server could not find the requested resource (get pods.metrics.k8s.io)",
                       "unavailable": "the server is currently unable to handle the request (get pods.metrics.k8s.io)"}
# The condition and event reason of a metric that cannot be read, per metric source type.
_FAILED_GET = {"Resource": "FailedGetResourceMetric", "Pods": "FailedGetPodsMetric", "Object": "FailedGetObjectMetric",
               "External": "FailedGetExternalMetric", "ContainerResource": "FailedGetContainerResourceMetric"}


def reconcile(ctx: Context) -> None:
    hpas = live(ctx.list(HPAS))
    memory = ctx.remembered(NAME)  # HPA uid -> [(time, recommendation)]
    warned = ctx.remembered(WARNINGS)  # HPA uid -> the warnings of its last pass
    if not hpas:
        memory.clear()
        warned.clear()
        return
    types = {(t.group, t.kind): t for t in ctx.objects.resource_types()}
    metrics_api = metrics.api_service_state(ctx.objects)
    for hpa in hpas:
        status, warnings = _reconciled(ctx, hpa, types, metrics_api, memory)
        if not status.get("currentReplicas"):  # omitempty in autoscaling/v2
            status.pop("currentReplicas", None)
        ctx.set_status(HPAS, hpa, status)
        uid = hpa["metadata"]["uid"]
        for reason, message in warnings:
            if (reason, message) not in warned.get(uid, []):
                record(ctx, hpa, reason, message, CONTROLLER, type_="Warning")
        warned[uid] = warnings
    uids = {h["metadata"]["uid"] for h in hpas}
    for gone in (set(memory) | set(warned)) - uids:
        memory.pop(gone, None)
        warned.pop(gone, None)


def _reconciled(ctx: Context, hpa: dict, types: dict, metrics_api: str, memory: dict):
    """(the new status, the warnings (reason, message) of this pass); a rescale is done and reported here."""
    spec, status = hpa.get("spec") or {}, dict(hpa.get("status") or {})
    previous = status.get("conditions")
    status["observedGeneration"] = hpa["metadata"].get("generation", 1)
    rtype, target, problem = _scale_target(ctx, hpa, types)
    if problem:  # the counts stay as they were
        status["conditions"] = _conditions(previous, [("AbleToScale", False, "FailedGetScale",
                                                       f"the HPA controller was unable to get the target's current "
                                                       f"scale: {problem}")])
        return status, [("FailedGetScale", problem)]
    current = scale_of(target, rtype)["spec"]["replicas"]
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", current)
    wanted = [("AbleToScale", True, "SucceededGetScale", "the HPA controller was able to get the target's current "
                                                        "scale")]
    status.update(currentReplicas=current, currentMetrics=None)
    if current == 0 and low > 0:  # scaled to zero by hand: autoscaling is off until it is scaled up again
        status["desiredReplicas"] = 0
        wanted.append(("ScalingActive", False, "ScalingDisabled", "scaling is disabled since the replica count of "
                                                                  "the target is zero"))
        status["conditions"] = _conditions(previous, wanted)
        return status, []
    warnings = []
    if current > high or current < low:  # brought within the bounds before any metric is read
        desired = high if current > high else low
        why = f"Current number of replicas {'above Spec.MaxReplicas' if current > high else 'below Spec.MinReplicas'}"
    else:
        found, failures, current_metrics = _measured(ctx, hpa, target, current, metrics_api)
        status["currentMetrics"] = current_metrics
        warnings = [(_FAILED_GET[kind], error) for kind, _, error in failures]
        best = max(found, key=lambda proposal: proposal[0], default=None)
        if failures and (best is None or best[0] < current):  # the controller then does nothing this pass
            kind, label, error = failures[0]
            wanted.append(("ScalingActive", False, _FAILED_GET[kind],
                           f"the HPA was unable to compute the replica count: {error}"))
            status["conditions"] = _conditions(previous, wanted)
            return status, [*warnings, ("FailedComputeMetricsReplicas",
                                        f"invalid metrics ({len(failures)} invalid out of {len(failures) + len(found)}"
                                        f"), first error is: failed to get {label} value: {error}")]
        proposal, metric_name = best
        wanted.append(("ScalingActive", True, "ValidMetricFound",
                       f"the HPA was able to successfully calculate a replica count from {metric_name}"))
        now = clock.now()
        history = memory.setdefault(hpa["metadata"]["uid"], [])
        history.append((now, proposal))
        stabilized, held = _stabilized(spec.get("behavior") or {}, history, proposal, current, now)
        desired = min(max(_limited(spec.get("behavior") or {}, current, stabilized), low), high)
        why = f"{metric_name} above target" if proposal > current else "All metrics below target"
        wanted.append(("AbleToScale", True, "ScaleDownStabilized", held) if held
                      else ("AbleToScale", True, "ReadyForNewScale", "recommended size matches current size"))
        limited = "TooFewReplicas" if stabilized < low else "TooManyReplicas" if stabilized > high else None
        wanted.append(("ScalingLimited", limited is not None, limited or "DesiredWithinRange",
                       "the desired replica count is less than the minimum replica count" if limited == "TooFewReplicas"
                       else "the desired replica count is more than the maximum replica count" if limited
                       else "the desired count is within the acceptable range"))
    if desired != current and ctx.update(rtype, with_replicas(target, {"spec": {"replicas": desired}}, rtype)):
        status["lastScaleTime"] = timestamp()
        wanted.append(("AbleToScale", True, "SucceededRescale", f"the HPA controller was able to update the target "
                                                                f"scale to {desired}"))
        record(ctx, hpa, "SuccessfulRescale", f"New size: {desired}; reason: {why}", CONTROLLER)
    status["desiredReplicas"] = desired
    status["conditions"] = _conditions(previous, wanted)
    return status, warnings


def _scale_target(ctx: Context, hpa: dict, types: dict):
    """(resource type, object, None) for the scale target, or (None, None, why its scale cannot be read)."""
    ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
    group = str(ref.get("apiVersion") or "").rpartition("/")[0]
    rtype = types.get((group, ref.get("kind")))
    if rtype is None:
        return None, None, f'no matches for kind "{ref.get("kind")}" in group "{group}"'
    if "scale" not in rtype.subresources:
        return None, None, "the server could not find the requested resource"
    target = ctx.find(rtype, hpa["metadata"]["namespace"], ref.get("name", ""))
    if target is None:
        resource = f"{rtype.plural}/scale" + (f".{rtype.group}" if rtype.group else "")
        return None, None, f'{resource} "{ref.get("name")}" not found'
    return rtype, target, None


def _measured(ctx: Context, hpa: dict, target: dict, current: int, metrics_api: str):
    """Per metric of the spec: the proposals [(replicas, metric name)], the failures [(source type, what was
    read, error)] and status.currentMetrics (an empty entry for a metric that could not be read, as the
    controller leaves it)."""
    pods = _pods_of(ctx, target)
    found, failures, current_metrics = [], [], []
    for metric in (hpa.get("spec") or {}).get("metrics") or [DEFAULT_METRIC]:
        answer = _resource_proposal(metric, pods, current, metrics_api)
        if isinstance(answer, str):
            failures.append((metric.get("type"), _metric_label(metric), answer))
            current_metrics.append({"type": ""})
        else:
            found.append(answer[:2])
            current_metrics.append(answer[2])
    return found, failures, current_metrics


def _metric_label(metric: dict) -> str:
    """How the controller names a metric it failed to read ("failed to get cpu resource metric value: ...")."""
    kind = metric.get("type")
    source = metric.get(str(kind)[:1].lower() + str(kind)[1:]) or {}
    if kind == "Resource":
        return f"{source.get('name')} resource metric"
    if kind == "ContainerResource":
        return f"{source.get('container')} container metric"
    if kind == "External":
        return f"{(source.get('metric') or {}).get('name')} external metric"
    return f"{str(kind).lower()} metric"


def _resource_proposal(metric: dict, pods: list[dict], current: int, metrics_api: str):
    """(proposal, metric name, current metric status) for one Resource metric, or the controller's error."""
    source = metric.get("resource") or {}
    resource, goal = source.get("name"), source.get("target") or {}
    if metric.get("type") != "Resource" or resource not in RESOURCES:
        return f"the sandbox measures only Resource metrics of cpu and memory, not {metric.get('type')}"
    utilization = goal.get("type") == "Utilization"
    failed = f"failed to get {resource} {'utilization' if utilization else 'usage'}"
    if metrics_api != "available":
        return f"{failed}: unable to get metrics for resource {resource}: unable to fetch metrics from resource " \
               f"metrics API: {_METRICS_API_ERRORS[metrics_api]}"
    measured = [p for p in pods if metrics.is_measured(p)]
    if not measured:
        return f"{failed}: unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
    usage = {p["metadata"]["name"]: metrics.pod_usage(p)[resource] for p in measured if is_ready(p)}
    if not usage:
        return f"{failed}: did not receive metrics for targeted pods (pods might be unready)"
    if utilization:
        missing = _missing_request(pods, resource)
        if missing:
            return f"{failed}: {missing}"
        requested = {p["metadata"]["name"]: _requested(p, resource) for p in pods}
        wanted = float(goal.get("averageUtilization", 80))
        average = 100.0 * sum(usage.values()) / (sum(requested[n] for n in usage) or 1)
        current_status = {"averageUtilization": int(round(average)),
                          "averageValue": _quantity(sum(usage.values()) // max(1, len(usage)), resource)}
        full = {n: requested[n] * wanted / 100 for n in requested}
        name = f"{resource} resource utilization (percentage of request)"
    else:
        wanted = float(amount(goal.get("averageValue"), resource))
        if not wanted:
            return "invalid resource metric source: neither an average utilization target nor an average value " \
                   "(usage) target was set"
        average = sum(usage.values()) / (len(usage) or 1)
        current_status = {"averageValue": _quantity(int(average), resource)}
        full = {p["metadata"]["name"]: wanted for p in pods}
        name = f"{resource} resource"
    unready = [p["metadata"]["name"] for p in pods if p["metadata"]["name"] not in usage]
    proposal = _replicas(average / wanted, usage, unready, full, current)
    return proposal, name, {"type": "Resource", "resource": {"name": resource, "current": current_status}}


def _missing_request(pods: list[dict], resource: str) -> str | None:
    for pod in pods:
        for container in (pod.get("spec") or {}).get("containers") or []:
            if isinstance(container, dict) and \
                    resource not in ((container.get("resources") or {}).get("requests") or {}):
                return (f"missing request for {resource} in container {container.get('name')} of Pod "
                        f"{pod['metadata']['name']}")
    return None


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


def _conditions(previous, wanted: list[tuple]) -> list[dict]:
    """The previous conditions with the wanted ones set over them, in order (a later one of a type wins), as the
    controller's setCondition leaves them; the others keep what an earlier pass said."""
    found = [dict(c) for c in previous or []]
    for type_, state, reason, message in wanted:
        made = condition(type_, state, reason, message, previous)
        made.pop("lastUpdateTime")
        at = next((i for i, c in enumerate(found) if c.get("type") == type_), None)
        if at is None:
            found.append(made)
        else:
            found[at] = made
    return found
