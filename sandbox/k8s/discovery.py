"""Discovery documents: legacy (/api, /apis, /apis/G/V) and aggregated v2 (APIGroupDiscoveryList)."""

from __future__ import annotations

import re

from . import kinds

AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
SUBRESOURCE_VERBS = {"status": ["get", "patch", "update"], "scale": ["get", "patch", "update"],
                     "finalize": ["update"], "token": ["create"]}


def version_priority(version: str) -> tuple:
    """Kubernetes' version order: GA before beta before alpha, higher numbers first, others last."""
    m = re.match(r"^v(\d+)(?:(alpha|beta)(\d+))?$", version)
    if not m:
        return (3, 0, 0, version)
    stage = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (stage, -int(m.group(1)), -int(m.group(3) or 0), version)


def served_groups(types: list[kinds.ResourceType]) -> dict[str, dict[str, list[kinds.ResourceType]]]:
    groups: dict[str, dict[str, list[kinds.ResourceType]]] = {}
    for rtype in types:
        groups.setdefault(rtype.group, {}).setdefault(rtype.version, []).append(rtype)
    return {g: dict(sorted(vs.items(), key=lambda kv: version_priority(kv[0]))) for g, vs in groups.items()}


def _subresource_kind(rtype: kinds.ResourceType, sub: str) -> tuple[str, str, str]:
    if sub == "scale":
        return kinds.SCALE_KIND
    if sub == "token":
        return kinds.TOKEN_REQUEST_KIND
    return rtype.group, rtype.version, rtype.kind


def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group_entry(name: str, versions: dict) -> dict:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(types) -> dict:
    groups = served_groups(types)
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group_entry(name, versions) for name, versions in groups.items() if name]}


def api_group(types, group: str) -> dict | None:
    versions = served_groups(types).get(group)
    if not group or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(group, versions)}


def api_resource_list(types, group: str, version: str) -> dict | None:
    selected = [t for t in types if (t.group, t.version) == (group, version)]
    if not selected:
        return None
    resources = []
    for t in selected:
        resource = {"name": t.plural, "singularName": t.singular, "namespaced": t.namespaced, "kind": t.kind,
                    "verbs": list(t.verbs)}
        if t.short_names:
            resource["shortNames"] = list(t.short_names)
        if t.categories:
            resource["categories"] = list(t.categories)
        resources.append(resource)
        for sub in t.subresources:
            group_, version_, kind = _subresource_kind(t, sub)
            entry = {"name": f"{t.plural}/{sub}", "singularName": "", "namespaced": t.namespaced, "kind": kind,
                     "verbs": SUBRESOURCE_VERBS.get(sub, ["get"])}
            if sub in ("scale", "token"):
                entry.update(group=group_, version=version_)
            resources.append(entry)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": selected[0].api_version,
            "resources": resources}


def aggregated(types, core: bool) -> dict:
    """APIGroupDiscoveryList for /api (core=True) or /apis."""
    items = []
    for name, versions in served_groups(types).items():
        if (name == "") != core:
            continue
        items.append({
            "metadata": {"name": name} if name else {},
            "versions": [{"version": v, "resources": [_aggregated_resource(t) for t in ts], "freshness": "Current"}
                         for v, ts in versions.items()],
        })
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
            "items": items}


def _aggregated_resource(t: kinds.ResourceType) -> dict:
    resource = {"resource": t.plural, "responseKind": {"group": t.group, "version": t.version, "kind": t.kind},
                "scope": "Namespaced" if t.namespaced else "Cluster", "singularResource": t.singular,
                "verbs": list(t.verbs)}
    if t.short_names:
        resource["shortNames"] = list(t.short_names)
    if t.categories:
        resource["categories"] = list(t.categories)
    if t.subresources:
        resource["subresources"] = []
        for sub in t.subresources:
            group, version, kind = _subresource_kind(t, sub)
            resource["subresources"].append({"subresource": sub,
                                             "responseKind": {"group": group, "version": version, "kind": kind},
                                             "verbs": SUBRESOURCE_VERBS.get(sub, ["get"])})
    return resource
