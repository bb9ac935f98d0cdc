"""external-dns (chart external-dns, provider aws, registry txt): Route53 records in the AWS sandbox for the hosts of
Ingresses and of Services annotated external-dns.alpha.kubernetes.io/hostname, pointing at their load balancers.

Acts only while the chart's Deployment (label app.kubernetes.io/name=external-dns) is installed and ready, with
the flags in its args: --source (ingress, service), --domain-filter, --txt-owner-id, --txt-prefix/--txt-suffix,
--policy (sync deletes, upsert-only updates, create-only only creates), --aws-zone-type, --namespace, --interval.
As external-dns 0.21 does it: a load balancer's host name becomes an alias A record (target: the load balancer, in
its canonical hosted zone, EvaluateTargetHealth), another host name a CNAME, addresses an A record (TTL 300); each
record has an ownership TXT record `<prefix><type>-<name><suffix>` ("cname-" for alias records, which 0.21 still
names after the CNAME it started from) holding "heritage=external-dns,external-dns/owner=<owner id>,
external-dns/resource=<ingress|service>/<namespace>/<name>". Only records whose TXT names this owner are changed
or deleted. It syncs right after a change (as with --events) and every --interval.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from .context import DEPLOYMENTS, SERVICES, Context
from .custom_resources import ready_workload
from .load_balancers import INGRESSES
from .load_balancers_model import csv_items
from .stages import Gate

GATE = Gate("Deployment", {"app.kubernetes.io/name": "external-dns"})
NAME = "external-dns"
HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
TARGET_ANNOTATION = "external-dns.alpha.kubernetes.io/target"
TTL = 300
RETRY_SECONDS = 2.0
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")
_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}


@dataclass(frozen=True)
class Settings:
    sources: tuple[str, ...] = ()
    domain_filters: tuple[str, ...] = ()
    owner: str = "default"
    policy: str = "sync"
    provider: str = ""
    registry: str = "txt"
    txt_prefix: str = ""
    txt_suffix: str = ""
    zone_type: str = ""
    namespace: str = ""
    interval: float = 60.0


def settings(deployment: dict) -> Settings:
    """The flags of the chart's Deployment (its first container's args)."""
    containers = (((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    multi: dict[str, list[str]] = {}
    for arg in (containers[0].get("args") or []) if containers else []:
        key, _, value = str(arg).lstrip("-").partition("=")
        multi.setdefault(key, []).append(value)

    def one(key: str, default: str = "") -> str:
        return (multi.get(key) or [default])[-1]

    return Settings(tuple(multi.get("source", ())), tuple(d.strip(".").lower() for d in multi.get("domain-filter", ())
                                                          if d), one("txt-owner-id", "default"), one("policy", "sync"),
                    one("provider"), one("registry", "txt"), one("txt-prefix"), one("txt-suffix"),
                    one("aws-zone-type"), one("namespace"), _duration(one("interval", "1m")))


def _duration(text: str) -> float:
    total = sum(float(n) * _SECONDS[unit] for n, unit in _DURATION.findall(text))
    return total or 60.0


@dataclass(frozen=True)
class Endpoint:
    """One wanted record: `kind` A (addresses), CNAME (another host name) or ALIAS (a load balancer)."""

    name: str
    kind: str
    targets: tuple[str, ...]
    resource: str  # ingress/<ns>/<name> or service/<ns>/<name>


def endpoints(ingresses: list[dict], services: list[dict], config: Settings, region: str) -> dict[str, Endpoint]:
    """Host name -> the record its source object wants (the first object naming a host wins, as in external-dns's
    plan, which keeps one owner per name)."""
    wanted: dict[str, Endpoint] = {}
    sources = []
    if "ingress" in config.sources:
        sources += [("ingress", i, _ingress_hosts(i)) for i in ingresses]
    if "service" in config.sources:
        sources += [("service", s, _annotated_hosts(s)) for s in services
                    if (s.get("spec") or {}).get("type") == "LoadBalancer"]
    for kind, obj, hosts in sources:
        meta = obj["metadata"]
        if config.namespace and meta.get("namespace") != config.namespace:
            continue
        targets = _targets(obj)
        if not targets:
            continue
        for host in hosts:
            if _in_filter(host, config.domain_filters) and host not in wanted:
                wanted[host] = Endpoint(host, _record_kind(targets, region), targets,
                                        f"{kind}/{meta['namespace']}/{meta['name']}")
    return wanted


def _ingress_hosts(ingress: dict) -> list[str]:
    spec = ingress.get("spec") or {}
    hosts = [r["host"] for r in spec.get("rules") or [] if r.get("host")]
    hosts += [h for tls in spec.get("tls") or [] for h in tls.get("hosts") or []]
    return _unique([h.lower().strip(".") for h in hosts + _annotated_hosts(ingress)])


def _annotated_hosts(obj: dict) -> list[str]:
    raw = (obj["metadata"].get("annotations") or {}).get(HOSTNAME_ANNOTATION)
    return _unique([h.lower().strip(".") for h in csv_items(raw)])


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _targets(obj: dict) -> tuple[str, ...]:
    annotated = (obj["metadata"].get("annotations") or {}).get(TARGET_ANNOTATION)
    if annotated:
        return tuple(sorted(csv_items(annotated)))
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return tuple(sorted({i.get("hostname") or i.get("ip") for i in ingress if i.get("hostname") or i.get("ip")}))


def _in_filter(host: str, filters: tuple[str, ...]) -> bool:
    return not filters or any(host == f or host.endswith("." + f) for f in filters)


def _is_address(target: str) -> bool:
    return bool(re.fullmatch(r"[0-9.]+", target))


def _load_balancer_zone(target: str, region: str) -> str | None:
    """The canonical hosted zone of an ELB host name (external-dns's table keyed on the name's suffix)."""
    from sandbox.aws.extensions.elbv2 import canonical_zone  # the sandbox's ELBv2 answers with the same table

    if target.endswith(f".elb.{region}.amazonaws.com"):
        return canonical_zone(region, "network")
    if target.endswith(f".{region}.elb.amazonaws.com"):
        return canonical_zone(region, "application")
    return None


def _record_kind(targets: tuple[str, ...], region: str) -> str:
    if all(_is_address(t) for t in targets):
        return "A"
    return "ALIAS" if _load_balancer_zone(targets[0], region) else "CNAME"


def txt_name(name: str, kind: str, config: Settings) -> str:
    """The ownership TXT record's name: the record type ("cname" for an alias) before the first label."""
    record_type = "a" if kind == "A" else "cname"
    first, _, rest = name.partition(".")
    labelled = f"{config.txt_prefix}{record_type}-{first}{config.txt_suffix}"
    return f"{labelled}.{rest}" if rest else labelled


def txt_value(owner: str, resource: str) -> str:
    return f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource={resource}"'


def owner_of(value: str) -> str | None:
    """The owner a TXT value names, or None if it is not an external-dns ownership record."""
    labels = dict(part.partition("=")[::2] for part in value.strip('"').split(","))
    return labels.get("external-dns/owner") if labels.get("heritage") == "external-dns" else None


def record_set(endpoint: Endpoint, region: str) -> dict:
    name = endpoint.name + "."
    if endpoint.kind == "ALIAS":
        return {"Name": name, "Type": "A", "AliasTarget": {
            "HostedZoneId": _load_balancer_zone(endpoint.targets[0], region), "DNSName": endpoint.targets[0],
            "EvaluateTargetHealth": True}}
    values = endpoint.targets if endpoint.kind == "A" else endpoint.targets[:1]
    return {"Name": name, "Type": "A" if endpoint.kind == "A" else "CNAME", "TTL": TTL,
            "ResourceRecords": [{"Value": v} for v in values]}


def _txt_set(endpoint: Endpoint, config: Settings) -> dict:
    return {"Name": txt_name(endpoint.name, endpoint.kind, config) + ".", "Type": "TXT", "TTL": TTL,
            "ResourceRecords": [{"Value": txt_value(config.owner, endpoint.resource)}]}


def _kind_of(record: dict) -> str:
    return "ALIAS" if record.get("AliasTarget") else record["Type"]


def plan(wanted: dict[str, Endpoint], records: list[dict], config: Settings, region: str) -> list[dict]:
    """The Route53 changes for one zone: `wanted` (host -> endpoint, those of this zone), `records` (the zone's
    record sets)."""
    by_name = {}
    for record in records:
        # Route53 lists a wildcard's asterisk as its octal escape.
        by_name.setdefault((record["Name"].replace("\\052", "*").rstrip(".").lower(), record["Type"]), record)
    changes = []
    owned = set()
    for (name, record_type), record in by_name.items():
        if record_type not in ("A", "CNAME"):
            continue
        txt = by_name.get((txt_name(name, _kind_of(record), config), "TXT"))
        if txt and any(owner_of(v["Value"]) == config.owner for v in txt.get("ResourceRecords") or []):
            owned.add(name)
            endpoint = wanted.get(name)
            if endpoint is None:
                if config.policy == "sync":
                    changes += [{"Action": "DELETE", "ResourceRecordSet": record},
                                {"Action": "DELETE", "ResourceRecordSet": txt}]
            elif config.policy != "create-only" and (_comparable(record) != _comparable(record_set(endpoint, region))
                                                     or txt.get("ResourceRecords") != _txt_set(endpoint, config)[
                                                         "ResourceRecords"]):
                if (record_type == "CNAME") != (endpoint.kind == "CNAME"):  # the type changed: replace the record
                    changes += [{"Action": "DELETE", "ResourceRecordSet": record},
                                {"Action": "DELETE", "ResourceRecordSet": txt},
                                {"Action": "CREATE", "ResourceRecordSet": record_set(endpoint, region)},
                                {"Action": "CREATE", "ResourceRecordSet": _txt_set(endpoint, config)}]
                else:
                    changes += [{"Action": "UPSERT", "ResourceRecordSet": record_set(endpoint, region)},
                                {"Action": "UPSERT", "ResourceRecordSet": _txt_set(endpoint, config)}]
    taken = {name for name, record_type in by_name if record_type in ("A", "CNAME")}
    for name, endpoint in wanted.items():
        if name not in taken and name not in owned:
            changes += [{"Action": "CREATE", "ResourceRecordSet": record_set(endpoint, region)},
                        {"Action": "CREATE", "ResourceRecordSet": _txt_set(endpoint, config)}]
    return changes


def _comparable(record: dict) -> tuple:
    alias = record.get("AliasTarget")
    if alias:
        return "A", alias["HostedZoneId"], alias["DNSName"].rstrip(".").lower()
    return record["Type"], tuple(sorted(v["Value"] for v in record.get("ResourceRecords") or []))


def _zone_matches(zone: dict, config: Settings) -> bool:
    name = zone["Name"].rstrip(".").lower()
    private = (zone.get("Config") or {}).get("PrivateZone", False)
    if config.zone_type and (config.zone_type == "private") != private:
        return False
    return not config.domain_filters or any(name == f or name.endswith("." + f) or f.endswith("." + name)
                                            for f in config.domain_filters)


def reconcile(ctx: Context) -> None:
    memory = ctx.remembered(NAME)
    changed = ctx.changed(NAME, INGRESSES, SERVICES, DEPLOYMENTS)
    if not changed and time.monotonic() < memory.get("next_sync", 0.0):
        return
    workload = ready_workload(ctx, GATE)
    if workload is None:
        return
    config = settings(workload)
    if config.provider != "aws" or config.registry != "txt":
        return
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        _sync(ctx, config)
    except (ClientError, BotoCoreError):  # retried soon, like the next loop of external-dns
        memory["next_sync"] = time.monotonic() + RETRY_SECONDS
        ctx.wake_in(RETRY_SECONDS)
        return
    memory["next_sync"] = time.monotonic() + config.interval
    ctx.wake_in(config.interval)


def _sync(ctx: Context, config: Settings) -> None:
    wanted = endpoints(ctx.list(INGRESSES), ctx.list(SERVICES), config, ctx.info.region)
    route53 = ctx.aws("route53")
    zones = [z for page in route53.get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]
             if _zone_matches(z, config)]
    by_zone: dict[str, dict[str, Endpoint]] = {z["Id"]: {} for z in zones}
    for host, endpoint in wanted.items():
        matching = [z for z in zones if host == z["Name"].rstrip(".").lower()
                    or host.endswith("." + z["Name"].rstrip(".").lower())]
        if matching:
            best = max(matching, key=lambda z: len(z["Name"]))
            by_zone[best["Id"]][host] = endpoint
    for zone in zones:
        records = [r for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone["Id"])
                   for r in page["ResourceRecordSets"]]
        changes = plan(by_zone[zone["Id"]], records, config, ctx.info.region)
        if changes:
            route53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": changes})
