"""Checks the API server makes before storing: object names, labels and selectors, and the specs of built-in
kinds (quantities, ranges, enums, unique names in lists, cron schedules) — 422 with the offending field.

Messages follow the apiserver's (`spec.replicas: Invalid value: -1: must be greater than or equal to 0`), and the
decoder's 400s come first: a quantity that does not parse makes the whole object undecodable.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from . import schemas
from .errors import bad_request

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")

_SUBDOMAIN_MESSAGE = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                      "and must start and end with an alphanumeric character")
_LABEL_MESSAGE = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                  "start and end with an alphanumeric character")
_NAME_PART_MESSAGE = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                      "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                      "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_LABEL_VALUE_MESSAGE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                        "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")

# Kinds whose names are single DNS labels, or (RBAC) any path segment, rather than DNS subdomains.
_LABEL_NAMED = {("", "Namespace")}
_DNS1035_NAMED = {("", "Service")}
_PATH_SEGMENT_NAMED = {("rbac.authorization.k8s.io", k) for k in ("Role", "ClusterRole", "RoleBinding",
                                                                  "ClusterRoleBinding")} | {
    ("apiregistration.k8s.io", "APIService")}  # "<version>.<group>", "v1." for the core group

Cause = tuple[str, str, str]  # (reason, field, message)


# --- causes, worded like apimachinery's field errors ---------------------------------------------------

def _shown(value) -> str:
    return json.dumps(value) if isinstance(value, (str, bool)) else str(value)


def invalid_value(field: str, value, detail: str) -> Cause:
    return ("FieldValueInvalid", field, f"Invalid value: {_shown(value)}: {detail}")


def unsupported(field: str, value, supported) -> Cause:
    listed = ", ".join(json.dumps(s) for s in supported)
    return ("FieldValueNotSupported", field, f"Unsupported value: {_shown(value)}: supported values: {listed}")


def duplicate(field: str, value) -> Cause:
    return ("FieldValueDuplicate", field, f"Duplicate value: {_shown(value)}")


def required(field: str, detail: str = "") -> Cause:
    return ("FieldValueRequired", field, "Required value" + (f": {detail}" if detail else ""))


def forbidden(field: str, detail: str) -> Cause:
    return ("FieldValueForbidden", field, f"Forbidden: {detail}")


# --- names and labels -----------------------------------------------------------------------------------

def name_problems(group: str, kind: str, name: str) -> list[Cause]:
    field = "metadata.name"
    if (group, kind) in _PATH_SEGMENT_NAMED:
        if name in (".", "..") or "/" in name or "%" in name:
            return [("FieldValueInvalid", field, f'Invalid value: "{name}": may not contain "/" or "%"')]
        return []
    if (group, kind) in _DNS1035_NAMED:
        if len(name) > 63 or not _DNS1035_LABEL.match(name):
            return [("FieldValueInvalid", field,
                     f'Invalid value: "{name}": a DNS-1035 label must consist of lower case alphanumeric characters '
                     "or '-', start with an alphabetic character, and end with an alphanumeric character")]
        return []
    if (group, kind) in _LABEL_NAMED:
        if len(name) > 63 or not _DNS1123_LABEL.match(name):
            return [invalid_value(field, name, _LABEL_MESSAGE)]
        return []
    if len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        return [invalid_value(field, name, _SUBDOMAIN_MESSAGE)]
    return []


def qualified_name_problem(key) -> str | None:
    """Why `key` is no label key (an optional DNS-subdomain prefix and '/', then a name part), or None."""
    if not isinstance(key, str):
        return "must be a string"
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or "/" in prefix):
        return "a qualified name " + _NAME_PART_MESSAGE[len("name part "):] + \
            " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    if slash and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return "prefix part " + _SUBDOMAIN_MESSAGE
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _QUALIFIED_NAME.match(name):
        return _NAME_PART_MESSAGE
    return None


def label_value_problem(value) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > 63:
        return "must be no more than 63 characters"
    return None if _LABEL_VALUE.match(value) else _LABEL_VALUE_MESSAGE


def label_problems(labels, field: str = "metadata.labels") -> list[Cause]:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [invalid_value(field, str(labels), "must be a map of strings")]
    problems = []
    for key, value in labels.items():
        why = qualified_name_problem(key)
        if why:
            problems.append(invalid_value(field, key, why))
        why = label_value_problem(value)
        if why:
            problems.append(invalid_value(field, value, why))
    return problems


def selector_problems(selector, field: str) -> list[Cause]:
    """A LabelSelector (matchLabels + matchExpressions), as in a Deployment's spec.selector."""
    if not isinstance(selector, dict):
        return []
    problems = label_problems(selector.get("matchLabels"), f"{field}.matchLabels")
    for index, expression in enumerate(selector.get("matchExpressions") or []):
        where = f"{field}.matchExpressions[{index}]"
        if not isinstance(expression, dict):
            continue
        why = qualified_name_problem(expression.get("key") or "")
        if why:
            problems.append(invalid_value(f"{where}.key", expression.get("key") or "", why))
        operator, values = expression.get("operator") or "", expression.get("values") or []
        if operator in ("In", "NotIn") and not values:
            problems.append(required(f"{where}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist") and values:
            problems.append(forbidden(f"{where}.values",
                                      "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        elif operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            problems.append(invalid_value(f"{where}.operator", operator, "not a valid selector operator"))
        for position, value in enumerate(values):
            why = label_value_problem(value)
            if why:
                problems.append(invalid_value(f"{where}.values[{position}]", value, why))
    return problems


# --- quantities -----------------------------------------------------------------------------------------

QUANTITY_SHAPE = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
_SUFFIX_FACTORS = {
    "": Decimal(1), "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal("1e3"),
    "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18"),
    **{s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
}


class QuantityError(ValueError):
    pass


def parse_quantity(value) -> Decimal:
    """The amount a resource.Quantity (string like "250m", "1Gi", "1e3", or a JSON number) stands for."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise QuantityError("quantities must be strings or numbers")
    if not isinstance(value, str):
        return Decimal(str(value))
    match = _QUANTITY.match(value)
    if not match:
        if re.match(QUANTITY_SHAPE, value):
            raise QuantityError("unable to parse quantity's suffix")
        raise QuantityError(f"quantities must match the regular expression '{QUANTITY_SHAPE}'")
    number, suffix = match.group(1), match.group(2) or ""
    try:
        if suffix[:1] in ("e", "E"):
            return Decimal(number) * Decimal(10) ** int(suffix[1:])
        return Decimal(number) * _SUFFIX_FACTORS[suffix]
    except (InvalidOperation, OverflowError, ValueError):
        raise QuantityError("quantity is too large") from None


_DECIMAL_SUFFIXES = ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"), (0, ""), (-3, "m"), (-6, "u"),
                     (-9, "n"))


def canonical_decimal(amount: Decimal) -> str:
    """A quantity written as a JSON number, the way the apiserver serializes it back: a string with the largest
    decimal SI suffix that keeps the number whole, at most nano precision (rounded up)."""
    sign = "-" if amount < 0 else ""
    nanos = int((abs(amount) * Decimal(10) ** 9).to_integral_value(rounding=ROUND_CEILING))
    if nanos == 0:
        return "0"
    for exponent, suffix in _DECIMAL_SUFFIXES:
        unit = 10 ** (exponent + 9)
        if nanos % unit == 0:
            return f"{sign}{nanos // unit}{suffix}"
    raise AssertionError("unreachable: nano is the smallest unit")


# --- what the decoder does ------------------------------------------------------------------------------

_MICRO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$")


def decode(rtype, obj: dict) -> None:
    """What the apiserver's decoder does to a built-in kind beyond JSON types: a null list entry becomes the
    item's zero value (so validation then names its required fields), and every resource.Quantity must parse —
    else 400, the object cannot be handled at all. A quantity sent as a number is kept as the string the apiserver
    answers with, so typed clients (which read quantities as strings) can decode every object. A custom resource
    gets its schema's defaults (validated afterwards, with the rest of it, by spec_problems)."""
    schema = schemas.object_schema(rtype)
    if rtype.is_custom:
        from .customresources import apply_defaults  # (it builds on this module's causes)

        apply_defaults(obj, schema)
        return
    schemas.fill_null_items(obj, schema)
    for path, value in schemas.values_of(obj, schema, schemas.QUANTITY):
        try:
            amount = parse_quantity(value)
        except QuantityError as error:
            raise bad_request(f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: '
                              f"{error}") from None
        if not isinstance(value, str):
            schemas.set_at(obj, path, canonical_decimal(amount))
    for path, value in schemas.values_of(obj, schema, schemas.MICRO_TIME):
        if not isinstance(value, str) or not _MICRO_TIME.match(value):  # Go's time.Parse(RFC3339Micro, ...)
            raise bad_request(f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: '
                              f'parsing time "{value}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse '
                              f'{schemas.dotted(path)}')


# --- built-in kinds' specs ------------------------------------------------------------------------------

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_JOB_RESTART_POLICIES = ("OnFailure", "Never")
_PROTOCOLS = ("SCTP", "TCP", "UDP")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_NODE_PORTS = range(30000, 32768)


def _at_least_zero(spec: dict, prefix: str, names) -> list[Cause]:
    return [invalid_value(f"{prefix}.{name}", spec[name], "must be greater than or equal to 0")
            for name in names if isinstance(spec.get(name), int) and spec[name] < 0]


def _enum(spec: dict, key: str, field: str, supported) -> list[Cause]:
    value = spec.get(key)
    return [unsupported(field, value, supported)] if value is not None and value not in supported else []


def _port_number(value, field: str, allow_zero: bool = False) -> list[Cause]:
    if not isinstance(value, int) or (allow_zero and value == 0):
        return []
    if value == 0:
        return [required(field)]
    return [] if 1 <= value <= 65535 else [invalid_value(field, value, "must be between 1 and 65535, inclusive")]


def _port_name(name, field: str) -> list[Cause]:
    if not isinstance(name, str) or not name:
        return []
    if len(name) > 15:
        return [invalid_value(field, name, "must be no more than 15 characters")]
    if not _IANA_SVC_NAME.match(name):
        return [invalid_value(field, name, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")]
    if "--" in name:
        return [invalid_value(field, name, "must not contain consecutive hyphens")]
    if not re.search(r"[a-z]", name):
        return [invalid_value(field, name, "must contain at least one letter (a-z)")]
    return []


def _resources(resources, field: str) -> list[Cause]:
    if not isinstance(resources, dict):
        return []
    problems, amounts = [], {}
    for kind in ("limits", "requests"):
        for name, value in (resources.get(kind) or {}).items():
            try:
                amounts[(kind, name)] = amount = parse_quantity(value)
            except QuantityError:
                continue  # decode() refused it already
            if amount < 0:
                problems.append(invalid_value(f"{field}.{kind}[{name}]", str(value),
                                              "must be greater than or equal to 0"))
    for (kind, name), amount in amounts.items():
        limit = amounts.get(("limits", name))
        if kind == "requests" and limit is not None and amount > limit:
            problems.append(invalid_value(f"{field}.requests", str(resources["requests"][name]),
                                          f"must be less than or equal to {name} limit of {resources['limits'][name]}"))
    return problems


def _container(container: dict, field: str) -> list[Cause]:
    problems = []
    name = container.get("name")
    if isinstance(name, str) and name and (len(name) > 63 or not _DNS1123_LABEL.match(name)):
        problems.append(invalid_value(f"{field}.name", name, _LABEL_MESSAGE))
    problems += _enum(container, "imagePullPolicy", f"{field}.imagePullPolicy", _PULL_POLICIES)
    port_names = set()
    for index, port in enumerate(container.get("ports") or []):
        where = f"{field}.ports[{index}]"
        if not isinstance(port, dict):
            continue
        if "containerPort" not in port:
            problems.append(required(f"{where}.containerPort"))
        problems += _port_number(port.get("containerPort"), f"{where}.containerPort")
        problems += _port_number(port.get("hostPort"), f"{where}.hostPort", allow_zero=True)
        problems += _enum(port, "protocol", f"{where}.protocol", _PROTOCOLS)
        problems += _port_name(port.get("name"), f"{where}.name")
        if port.get("name"):
            if port["name"] in port_names:
                problems.append(duplicate(f"{where}.name", port["name"]))
            port_names.add(port["name"])
    problems += _resources(container.get("resources"), f"{field}.resources")
    return problems


def pod_spec_problems(spec, field: str, restart_policies=_RESTART_POLICIES, default_restart: str = "Always"):
    """A PodSpec at `field`: container names unique and DNS labels, ports, resources, enums."""
    if not isinstance(spec, dict):
        return []
    problems = []
    restart = spec.get("restartPolicy") or default_restart
    if restart not in restart_policies:
        problems.append(unsupported(f"{field}.restartPolicy", restart, restart_policies))
    problems += _at_least_zero(spec, field, ("terminationGracePeriodSeconds", "activeDeadlineSeconds"))
    seen = set()
    for group in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(group) or []):
            if not isinstance(container, dict):
                continue
            where = f"{field}.{group}[{index}]"
            name = container.get("name")
            if name:
                if name in seen:
                    problems.append(duplicate(f"{where}.name", name))
                seen.add(name)
            problems += _container(container, where)
    return problems


def _template(spec: dict, field: str, restart_policies, default_restart: str = "Always") -> list[Cause]:
    template = spec.get("template")
    if not isinstance(template, dict):
        return []
    return (label_problems((template.get("metadata") or {}).get("labels"), f"{field}.template.metadata.labels")
            + pod_spec_problems(template.get("spec"), f"{field}.template.spec", restart_policies, default_restart))


def _workload(strategy_key: str | None, strategies=(), replicas: bool = True):
    def check(obj) -> list[Cause]:
        spec = obj.get("spec") or {}
        problems = _at_least_zero(spec, "spec", ("replicas",) if replicas else ())
        problems += _at_least_zero(spec, "spec", ("minReadySeconds", "revisionHistoryLimit",
                                                   "progressDeadlineSeconds"))
        problems += selector_problems(spec.get("selector"), "spec.selector")
        if strategy_key and isinstance(spec.get(strategy_key), dict):
            problems += _enum(spec[strategy_key], "type", f"spec.{strategy_key}.type", strategies)
        return problems + _template(spec, "spec", ("Always",))
    return check


def _statefulset(obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    problems = _workload("updateStrategy", ("OnDelete", "RollingUpdate"))(obj)
    return problems + _enum(spec, "podManagementPolicy", "spec.podManagementPolicy", ("OrderedReady", "Parallel"))


def _job_spec(spec, field: str) -> list[Cause]:
    if not isinstance(spec, dict):
        return []
    problems = _at_least_zero(spec, field, ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds",
                                            "ttlSecondsAfterFinished"))
    if spec.get("manualSelector"):
        problems += selector_problems(spec.get("selector"), f"{field}.selector")
    # Defaulting makes a missing restartPolicy Always, which a Job's pods may not have.
    return problems + _template(spec, field, _JOB_RESTART_POLICIES)


def _job(obj) -> list[Cause]:
    return _job_spec(obj.get("spec"), "spec")


def _cronjob(obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    problems = []
    if not spec.get("schedule"):
        problems.append(required("spec.schedule"))
    else:
        why = cron_problem(spec["schedule"])
        if why:
            problems.append(invalid_value("spec.schedule", spec["schedule"], why))
    problems += _enum(spec, "concurrencyPolicy", "spec.concurrencyPolicy", ("Allow", "Forbid", "Replace"))
    problems += _at_least_zero(spec, "spec", ("startingDeadlineSeconds", "successfulJobsHistoryLimit",
                                              "failedJobsHistoryLimit"))
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict):
        problems += _job_spec(job_template.get("spec"), "spec.jobTemplate.spec")
    return problems


def _pod(obj) -> list[Cause]:
    return pod_spec_problems(obj.get("spec"), "spec")


def _service(obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    problems = _enum(spec, "type", "spec.type", _SERVICE_TYPES)
    if spec.get("type") == "ExternalName" and not spec.get("externalName"):
        problems.append(required("spec.externalName"))
    problems += label_problems(spec.get("selector"), "spec.selector")
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    names, keys = set(), set()
    for index, port in enumerate(ports):
        where = f"spec.ports[{index}]"
        if len(ports) > 1 and not port.get("name"):
            problems.append(required(f"{where}.name"))
        name = port.get("name")
        if isinstance(name, str) and name and (len(name) > 63 or not _DNS1123_LABEL.match(name)):
            # a Service port's name is a DNS label (kubectl names them "80-8080"), unlike a container port's
            problems.append(invalid_value(f"{where}.name", name, _LABEL_MESSAGE))
        if port.get("name"):
            if port["name"] in names:
                problems.append(duplicate(f"{where}.name", port["name"]))
            names.add(port["name"])
        number = port.get("port") or 0
        if isinstance(number, int) and not 1 <= number <= 65535:
            problems.append(invalid_value(f"{where}.port", number, "must be between 1 and 65535, inclusive"))
        problems += _enum(port, "protocol", f"{where}.protocol", _PROTOCOLS)
        key = (number, port.get("protocol") or "TCP")
        if key in keys:
            problems.append(duplicate(where, f"{key[0]}/{key[1]}"))
        keys.add(key)
        target = port.get("targetPort")
        if isinstance(target, int):
            problems += _port_number(target, f"{where}.targetPort", allow_zero=True)
        elif isinstance(target, str):
            problems += _port_name(target, f"{where}.targetPort")
        node_port = port.get("nodePort")
        if isinstance(node_port, int) and node_port and node_port not in _NODE_PORTS:
            problems.append(invalid_value(f"{where}.nodePort", node_port, "provided port is not in the valid range. "
                                          "The range of valid ports is 30000-32767"))
    return problems


def _pvc(obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        return []
    try:
        if parse_quantity(storage) <= 0:
            return [invalid_value("spec.resources.requests[storage]", str(storage), "must be greater than zero")]
    except QuantityError:
        pass
    return []


_SPEC_VALIDATORS = {
    ("", "Pod"): _pod,
    ("", "Service"): _service,
    ("", "PersistentVolumeClaim"): _pvc,
    ("apps", "Deployment"): _workload("strategy", ("Recreate", "RollingUpdate")),
    ("apps", "ReplicaSet"): _workload(None),
    ("apps", "StatefulSet"): _statefulset,
    ("apps", "DaemonSet"): _workload("updateStrategy", ("OnDelete", "RollingUpdate"), replicas=False),
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cronjob,
}


def spec_problems(rtype, obj: dict) -> list[Cause]:
    if rtype.is_custom:
        from .customresources import problems  # (it builds on this module's causes)

        return problems(obj, schemas.object_schema(rtype))
    check = _SPEC_VALIDATORS.get((rtype.group, rtype.kind))
    return check(obj) if check else []


# --- cron schedules (the standard 5-field syntax CronJobs take) -----------------------------------------

CRON_FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
                ("month", 1, 12, {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul",
                                                                    "aug", "sep", "oct", "nov", "dec"))}),
                ("day of week", 0, 6, {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri",
                                                                     "sat"))}))
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION = re.compile(r"^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")


def cron_problem(schedule) -> str | None:
    """Why a CronJob schedule does not parse (as the cron library the controller uses words it), or None."""
    if not isinstance(schedule, str):
        return "must be a string"
    text = schedule.strip()
    if text.startswith(("TZ=", "CRON_TZ=")):
        return "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
    if text.startswith("@"):
        if text in _DESCRIPTORS:
            return None
        if text.startswith("@every "):
            return None if _DURATION.match(text[len("@every "):].strip()) else \
                f"failed to parse duration {text}"
        return f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for value, (_, low, high, names) in zip(fields, CRON_FIELDS):
        for part in value.split(","):
            why = _cron_range(part, low, high, names)
            if why:
                return why
    return None


def _cron_range(expression: str, low: int, high: int, names: dict) -> str | None:
    span, slash, step = expression.partition("/")
    if "/" in step:
        return f"too many slashes: {expression}"
    bounds = span.split("-")
    if len(bounds) > 2:
        return f"too many hyphens: {expression}"
    if span in ("*", "?"):
        start, end = low, high
    else:
        numbers = []
        for bound in bounds:
            number = names.get(bound.lower()) if bound.lower() in names else _int_or_none(bound)
            if number is None:
                return f"failed to parse int from {bound}: strconv.Atoi: parsing {json.dumps(bound)}: invalid syntax"
            numbers.append(number)
        start, end = numbers[0], numbers[-1]
    if slash:
        number = _int_or_none(step)
        if number is None:
            return f"failed to parse int from {step}: strconv.Atoi: parsing {json.dumps(step)}: invalid syntax"
        if number <= 0:
            return f"step of range should be a positive number: {expression}"
    if start < low:
        return f"beginning of range ({start}) below minimum ({low}): {expression}"
    if end > high:
        return f"end of range ({end}) above maximum ({high}): {expression}"
    if start > end:
        return f"beginning of range ({start}) beyond end of range ({end}): {expression}"
    return None


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None
