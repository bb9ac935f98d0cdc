"""The emulator's write log (GET|DELETE /_sandbox/writes): every create, update, patch and delete a client sends to a
cluster, with server-side dry runs marked, and no entry for reads. Integration tests use it to prove that a run
which should change nothing in the cluster sent no write (sandbox.harness.PlaybookRun.cluster_writes)."""

from __future__ import annotations

from sandbox.harness import Sandbox


def writes(eks, clear: bool = False) -> list[dict]:
    return Sandbox(eks.config.state_dir, eks.env).k8s_writes(clear=clear)


def test_reads_are_not_logged_writes_are_with_dry_runs_marked(eks, namespace):
    assert writes(eks, clear=True) == []
    for command in (("get", "configmaps", "-n", namespace), ("get", "namespace", namespace, "-o", "yaml")):
        done = eks.kubectl(*command)
        assert done.returncode == 0, done.stderr
    assert writes(eks) == []

    created = eks.kubectl("create", "configmap", "settings", "-n", namespace, "--from-literal=a=1")
    assert created.returncode == 0, created.stderr
    planned = eks.kubectl("create", "configmap", "other", "-n", namespace, "--from-literal=b=2", "--dry-run=server")
    assert planned.returncode == 0, planned.stderr
    deleted = eks.kubectl("delete", "configmap", "settings", "-n", namespace)
    assert deleted.returncode == 0, deleted.stderr

    logged = [(write["method"], write["path"], write["dry_run"]) for write in writes(eks)]
    assert logged == [("POST", f"/api/v1/namespaces/{namespace}/configmaps", False),
                      ("POST", f"/api/v1/namespaces/{namespace}/configmaps", True),
                      ("DELETE", f"/api/v1/namespaces/{namespace}/configmaps/settings", False)]
    assert {write["cluster"] for write in writes(eks)} == {"demo"}
    assert writes(eks, clear=True) == [] and writes(eks) == []
