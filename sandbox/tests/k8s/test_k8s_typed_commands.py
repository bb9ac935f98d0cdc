"""kubectl's typed commands (`create deployment`, `create job --from=cronjob/...`, `autoscale`, ...) build objects with
client-go's typed clients, which send protobuf bodies: each works on kubectl 1.32, 1.34 and 1.37, and what the
server stores holds everything the command put in the object (its `--dry-run=client -o json` form)."""

from __future__ import annotations

import json

import pytest

VERSIONS = ["1.32", "1.34", ""]  # "" is the default kubectl, 1.37
COMMANDS = [  # (case, kubectl arguments, kind/name that must exist afterwards)
    ("configmap", ["create", "configmap", "cm", "--from-literal=a=b"], "configmap/cm"),
    ("secret", ["create", "secret", "generic", "sec", "--from-literal=a=b"], "secret/sec"),
    ("deployment", ["create", "deployment", "web", "--image=nginx:1.25", "--replicas=2", "--port=80"],
     "deployment/web"),
    ("service", ["create", "service", "clusterip", "svc", "--tcp=80:8080"], "service/svc"),
    ("job", ["create", "job", "once", "--image=busybox", "--", "echo", "hi"], "job/once"),
    ("cronjob", ["create", "cronjob", "nightly", "--image=busybox", "--schedule=0 3 * * *", "--", "date"],
     "cronjob/nightly"),
    ("job from cronjob", ["create", "job", "manual", "--from=cronjob/nightly"], "job/manual"),
    ("role", ["create", "role", "reader", "--verb=get,list", "--resource=pods,configmaps"], "role/reader"),
    ("rolebinding", ["create", "rolebinding", "read", "--role=reader", "--user=jane", "--serviceaccount=x:robot"],
     "rolebinding/read"),
    ("pdb", ["create", "pdb", "web-min", "--selector=app=web", "--min-available=1"], "pdb/web-min"),
    ("pdb percentage", ["create", "pdb", "web-max", "--selector=app=web", "--max-unavailable=50%"], "pdb/web-max"),
    ("clusterrole", ["create", "clusterrole", "viewer-{ns}", "--verb=get", "--resource=nodes"],
     "clusterrole/viewer-{ns}"),
    # kubectl 1.32 autoscales through autoscaling/v1, later ones through autoscaling/v2.
    ("autoscale", ["autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80"],
     "horizontalpodautoscalers/web"),
]


def contains(stored, expected) -> bool:
    """Whether everything set in `expected` is in `stored` (which may hold server defaults on top)."""
    if isinstance(expected, dict):
        return isinstance(stored, dict) and all(contains(stored.get(k), v) for k, v in expected.items()
                                                if v not in ({}, [], None, ""))
    if isinstance(expected, list):
        return isinstance(stored, list) and len(stored) == len(expected) and all(map(contains, stored, expected))
    return stored == expected


def in_version(created: str, api_version: str) -> str:
    """kind/name -> kind.version.group/name: read back in the version the command wrote (HPAs: v1 or v2;
    kubectl keeps the version only for full resource names)."""
    kind, name = created.split("/")
    group, _, version = api_version.rpartition("/")
    return f"{kind}.{version}.{group}/{name}" if group else created


def body_of(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


@pytest.mark.parametrize("version", VERSIONS, ids=["kubectl-1.32", "kubectl-1.34", "kubectl-1.37"])
def test_typed_commands_send_what_the_server_stores(eks, namespace, version):
    for case, args, created in COMMANDS:
        args = [a.format(ns=namespace) for a in args]
        created = created.format(ns=namespace)
        preview = eks.kubectl(*args[:2], "--dry-run=client", "-o", "json", *args[2:], version=version,
                              namespace=namespace)
        assert preview.returncode == 0 and preview.stdout.startswith("{"), f"{case}: {preview.stdout}{preview.stderr}"
        expected = json.loads(preview.stdout)
        result = eks.kubectl(*args, version=version, namespace=namespace, timeout=30)
        assert result.returncode == 0, f"{case}: {result.stdout}{result.stderr}"
        shown = eks.kubectl("get", in_version(created, expected["apiVersion"]), "-o", "json", namespace=namespace)
        assert shown.returncode == 0, f"{case}: {shown.stderr}"
        stored = json.loads(shown.stdout)
        assert stored["apiVersion"] == expected["apiVersion"], case
        assert contains(body_of(stored), body_of(expected)), f"{case}: {body_of(expected)} vs {body_of(stored)}"
        assert contains(stored["metadata"].get("labels") or {}, expected["metadata"].get("labels") or {}), case
