"""State in <state-dir>/k8s/state.db: it survives a restart of the emulator; POST /_sandbox/reset clears it."""

from __future__ import annotations

import json
import os
import signal
import ssl
import sys
import urllib.request

from sandbox.tests.k8s.k8s_helpers import run, wait_until


def _emulator_pid(eks) -> int:
    return int(eks.config.path("k8s.pid").read_text().strip())


def test_objects_survive_a_restart(eks, namespace):
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    created = eks.request("POST", base, {"metadata": {"name": "durable"}, "data": {"a": "b"}}).json()
    pid = _emulator_pid(eks)
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower())
    restarted = run([sys.executable, "-m", "sandbox", "up"], env=eks.env)
    assert restarted.returncode == 0 and "k8s started" in restarted.stdout, restarted.stdout + restarted.stderr
    again = eks.request("GET", f"{base}/durable").json()
    assert (again["metadata"]["uid"], again["data"]) == (created["metadata"]["uid"], {"a": "b"})
    later = eks.request("POST", base, {"metadata": {"name": "later"}}).json()
    assert int(later["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def test_reset_clears_objects_and_expires_older_watches(eks, namespace):
    base = f"/api/v1/namespaces/{namespace}/configmaps"
    before = eks.request("POST", base, {"metadata": {"name": "temporary"}}).json()["metadata"]["resourceVersion"]
    url = f"{eks.config.k8s_base_url}/_sandbox/reset"
    context = ssl.create_default_context(cafile=str(eks.ca))
    with urllib.request.urlopen(urllib.request.Request(url, method="POST"), context=context) as answer:
        assert json.loads(answer.read()) == {"reset": True}
    assert eks.request("GET", f"{base}/temporary").status == 404
    assert eks.request("GET", f"/api/v1/namespaces/{namespace}").status == 404
    # The cluster comes back bootstrapped: default namespaces, storage class, nodes of its nodegroup.
    assert eks.request("GET", "/api/v1/namespaces/kube-system").status == 200
    assert eks.request("GET", "/apis/storage.k8s.io/v1/storageclasses/gp2").status == 200
    wait_until(lambda: len(eks.request("GET", "/api/v1/nodes").json()["items"]) == 2)
    events = eks.request("GET", f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={before}"
                                "&timeoutSeconds=1").body.splitlines()
    expired = json.loads(events[0])
    assert (expired["type"], expired["object"]["code"], expired["object"]["reason"]) == ("ERROR", 410, "Expired")
