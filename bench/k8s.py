"""The k8s suite: the Kubernetes API emulator of a private sandbox, with one EKS cluster made through boto3.

Measures requests per second (create, GET, LIST of 1,000, JSON merge PATCH, server-side apply) from
keep-alive HTTPS connections in threads, with the emulator pinned to one CPU; its memory before and after
10,000 ConfigMaps; start-up time; and `kubectl apply -f` of 200 generated objects, cold then no-op.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import ssl
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import yaml

from sandbox import harness, process
from sandbox.config import ACCESS_KEY_ID, DEFAULT_REGION, SECRET_ACCESS_KEY, SandboxConfig

COLUMNS = [("measurement", "label"), ("value", "value"), ("unit", "unit"),
           ("emulator CPU ms/request", "emulator_cpu_ms"), ("AWS process CPU ms/request", "aws_cpu_ms")]
THREADS = 4          # client connections: enough to keep a one-core server busy while a request waits on STS
SECONDS = 10.0       # per throughput measurement
NAMESPACES = 10      # x 1,000 ConfigMaps = the 10,000 objects of the memory measurement
PER_NAMESPACE = 1000
STARTS = 3           # start-up is the median of this many starts
KUBECTL_TIMEOUT = 900  # seconds; a loaded machine needs minutes for 200 objects
TOKEN_REFRESH = 600  # seconds: well inside the 15 minutes the emulator accepts an EKS token for
MERGE_PATCH = "application/merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

Request = tuple[str, str, bytes | None, str | None]  # method, path under the cluster, body, Content-Type


def run(sandbox: harness.Sandbox) -> list[dict]:
    sandbox.command("reset")
    config = SandboxConfig.from_env({**sandbox.env, "EKSFORGE_SANDBOX_DIR": str(sandbox.state_dir)})
    emulator = process.status(config, process.K8S).pid
    aws = process.status(config, process.AWS).pid
    with tempfile.TemporaryDirectory(prefix="eksforge-bench-k8s-") as tmp:
        cluster = harness.EksCluster(config, sandbox.env, Path(tmp))
        cluster.credentials["admin"] = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
        harness.create_cluster(cluster)
        allowed = os.sched_getaffinity(emulator)
        core = max(allowed)
        os.sched_setaffinity(emulator, {core})
        try:
            rows = [_row("machine", f"{os.cpu_count()} CPUs, load {_load()} at start", ""),
                    _row("emulator CPU affinity", f"CPU {core} only (was {sorted(allowed)})", ""),
                    _row("bench client, AWS process CPU affinity",
                         f"{sorted(os.sched_getaffinity(0))}, {sorted(os.sched_getaffinity(aws))} (not pinned)", "")]
            load = Load(cluster, emulator, aws)
            rows.append(_row("HTTP keep-alive", "kept" if load.keeps_connections() else
                             "no: the emulator closes every connection (a TLS handshake per request)", ""))
            # kubectl and start-up first: they measure a fresh cluster, not one holding the 10,000 ConfigMaps.
            rows += _kubectl_apply(cluster)
            rows += _start_up(config, core)
            rows += _memory_and_creates(load)
            rows += _throughput(load)
            rows.append(_row("load at end", _load(), ""))
            return rows
        finally:
            os.sched_setaffinity(emulator, allowed)


def _row(label: str, value, unit: str, **extra) -> dict:
    return {"label": label, "value": value, "unit": unit, **extra}


def _load() -> str:
    return " / ".join(f"{average:.2f}" for average in os.getloadavg())


class Load:
    """Drives requests at the emulator from THREADS keep-alive connections and accounts for the CPU it took."""

    def __init__(self, cluster: harness.EksCluster, emulator: int, aws: int):
        self.cluster, self.emulator, self.aws = cluster, emulator, aws
        endpoint = urlsplit(cluster.endpoint)
        self.host, self.port, self.prefix = endpoint.hostname, endpoint.port, endpoint.path
        self.context = ssl.create_default_context(cafile=str(cluster.ca))
        self._token, self._token_at = "", float("-inf")
        self._token_lock = threading.Lock()

    def authorization(self) -> str:
        """A bearer token, renewed as it ages (10,000 creates can outlast one on a slow machine)."""
        with self._token_lock:
            if time.monotonic() - self._token_at > TOKEN_REFRESH:
                self._token, self._token_at = self.cluster.token(), time.monotonic()
            return f"Bearer {self._token}"

    def keeps_connections(self) -> bool:
        """Whether the emulator keeps a connection open after a response (else each request is a new TLS
        connection, which the throughput figures then include)."""
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        try:
            connection.request("GET", self.prefix + "/version")
            response = connection.getresponse()
            response.read()
            return not response.will_close
        finally:
            connection.close()

    def drive(self, label: str, request: Callable[[int], Request], *, total: int | None = None,
              seconds: float | None = None, expect: tuple[int, ...] = (200,)) -> dict:
        """Runs request(0), request(1), ... until `total` are done or `seconds` pass."""
        numbers = itertools.count()
        deadline = time.monotonic() + seconds if seconds else float("inf")
        done = [0] * THREADS
        failures: list[str] = []

        def worker(slot: int) -> None:
            connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=120)
            try:
                while not failures and time.monotonic() < deadline:
                    number = next(numbers)
                    if total is not None and number >= total:
                        return
                    method, path, body, content_type = request(number)
                    headers = {"Authorization": self.authorization(), "Accept": "application/json"}
                    if content_type:
                        headers["Content-Type"] = content_type
                    # http.client reconnects by itself when the server closed the connection.
                    connection.request(method, self.prefix + path, body=body, headers=headers)
                    response = connection.getresponse()
                    answer = response.read()
                    if response.status not in expect:
                        failures.append(f"{method} {path}: {response.status} {answer[:300]!r}")
                    done[slot] += 1
            finally:
                connection.close()

        cpu_before = _cpu_seconds(self.emulator), _cpu_seconds(self.aws)
        began = time.monotonic()
        workers = [threading.Thread(target=worker, args=(slot,)) for slot in range(THREADS)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        elapsed = time.monotonic() - began
        if failures:
            raise SystemExit(f"{label}: {failures[0]}")
        count = sum(done)
        emulator_cpu, aws_cpu = (_cpu_seconds(pid) - before
                                 for pid, before in zip((self.emulator, self.aws), cpu_before))
        return _row(label, round(count / elapsed), "requests/s", requests=count, seconds=round(elapsed, 1),
                    emulator_cpu_ms=round(emulator_cpu / count * 1000, 2), aws_cpu_ms=round(aws_cpu / count * 1000, 2))


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory_kib(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith(("VmRSS:", "VmHWM:"))}


def _configmap(namespace: str, name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace,
                                                                  "labels": {"app": "bench"}},
            "data": {"greeting": "hello", "index": name}}


def _memory_and_creates(load: Load) -> list[dict]:
    for number in range(NAMESPACES):
        made = load.cluster.request("POST", "/api/v1/namespaces", {"metadata": {"name": f"bench-{number}"}})
        assert made.status == 201, made.body
    before = _memory_kib(load.emulator)

    def create(number: int) -> Request:
        namespace, name = f"bench-{number // PER_NAMESPACE}", f"cm-{number % PER_NAMESPACE}"
        return ("POST", f"/api/v1/namespaces/{namespace}/configmaps",
                json.dumps(_configmap(namespace, name)).encode(), "application/json")

    total = NAMESPACES * PER_NAMESPACE
    creates = load.drive(f"create (POST) {total:,} ConfigMaps", create, total=total, expect=(201,))
    after = _memory_kib(load.emulator)
    mib = 1024
    return [creates,
            _row("emulator RSS before the ConfigMaps", round(before["VmRSS"] / mib, 1), "MiB"),
            _row(f"emulator RSS with {total:,} ConfigMaps", round(after["VmRSS"] / mib, 1), "MiB"),
            _row("emulator RSS per ConfigMap", round((after["VmRSS"] - before["VmRSS"]) / total, 2), "KiB"),
            _row("emulator peak RSS (VmHWM)", round(after["VmHWM"] / mib, 1), "MiB")]


def _throughput(load: Load) -> list[dict]:
    listed = load.cluster.request("GET", "/api/v1/namespaces/bench-0/configmaps").json()
    assert len(listed["items"]) == PER_NAMESPACE, len(listed["items"])

    def get(number: int) -> Request:
        return "GET", f"/api/v1/namespaces/bench-0/configmaps/cm-{number % PER_NAMESPACE}", None, None

    def list_namespace(_: int) -> Request:
        return "GET", "/api/v1/namespaces/bench-0/configmaps", None, None

    def merge_patch(number: int) -> Request:
        return ("PATCH", f"/api/v1/namespaces/bench-1/configmaps/cm-{number % PER_NAMESPACE}",
                json.dumps({"data": {"patched": str(number)}}).encode(), MERGE_PATCH)

    def apply(number: int) -> Request:
        namespace, name = "bench-2", f"cm-{number % PER_NAMESPACE}"
        configuration = {**_configmap(namespace, name), "data": {"applied": str(number)}}
        return ("PATCH", f"/api/v1/namespaces/{namespace}/configmaps/{name}?fieldManager=bench&force=true",
                yaml.safe_dump(configuration).encode(), APPLY_PATCH)

    return [load.drive("GET one ConfigMap", get, seconds=SECONDS),
            load.drive(f"LIST a namespace of {PER_NAMESPACE:,} ConfigMaps", list_namespace, seconds=SECONDS),
            load.drive("JSON merge PATCH", merge_patch, seconds=SECONDS),
            load.drive("server-side apply (apply-patch+yaml, fieldManager)", apply, seconds=SECONDS)]


def manifests() -> list[dict]:
    """200 objects: 4 namespaces, each with 8 ServiceAccounts, 10 ConfigMaps, 10 Secrets, 10 Services and 11
    Deployments (Namespaces first, as kubectl applies in file order)."""
    namespaces = [f"apply-{number}" for number in range(4)]
    objects: list[dict] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}} for name in namespaces]
    for namespace in namespaces:
        def meta(name: str) -> dict:
            return {"name": name, "namespace": namespace, "labels": {"app": name}}
        objects += [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(f"sa-{i}")} for i in range(8)]
        objects += [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(f"config-{i}"),
                     "data": {"settings.ini": f"[main]\nindex = {i}\n"}} for i in range(10)]
        # `data`, not `stringData`: kubectl would re-send stringData on every apply and report "configured".
        objects += [{"apiVersion": "v1", "kind": "Secret", "metadata": meta(f"secret-{i}"), "type": "Opaque",
                     "data": {"password": "aHVudGVyMg=="}} for i in range(10)]
        objects += [{"apiVersion": "v1", "kind": "Service", "metadata": meta(f"web-{i}"),
                     "spec": {"selector": {"app": f"web-{i}"}, "ports": [{"port": 80, "targetPort": 8080}]}}
                    for i in range(10)]
        objects += [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(f"web-{i}"),
                     "spec": {"replicas": 1, "selector": {"matchLabels": {"app": f"web-{i}"}},
                              "template": {"metadata": {"labels": {"app": f"web-{i}"}},
                                           "spec": {"serviceAccountName": "sa-0", "containers": [
                                               {"name": "web", "image": "nginx:1.27",
                                                "ports": [{"containerPort": 8080}]}]}}}}
                    for i in range(11)]
    return objects


def _kubectl_apply(cluster: harness.EksCluster) -> list[dict]:
    objects = manifests()
    path = cluster.tmp / "manifests.yml"
    path.write_text(yaml.safe_dump_all(objects))
    rows = []
    for run_name, outcome in (("cold", "created"), ("no-op", "unchanged")):
        began = time.monotonic()
        applied = cluster.kubectl("apply", "-f", str(path), timeout=KUBECTL_TIMEOUT)
        seconds = time.monotonic() - began
        outcomes = [line.rsplit(" ", 1)[-1] for line in applied.stdout.splitlines()]
        if applied.returncode != 0 or outcomes != [outcome] * len(objects):
            raise SystemExit(f"kubectl apply ({run_name}) did not report {len(objects)} x {outcome} "
                             f"(rc={applied.returncode}):\n{applied.stdout[-3000:]}{applied.stderr[-3000:]}")
        rows.append(_row(f"kubectl apply -f, {len(objects)} objects, {run_name} (all {outcome})",
                         round(seconds, 2), "s"))
    return rows


def _start_up(config: SandboxConfig, core: int) -> list[dict]:
    listening, answering, both = [], [], []
    for _ in range(STARTS):
        spawn_to_port, spawn_to_version = _start_emulator_alone(config, core)
        listening.append(spawn_to_port)
        answering.append(spawn_to_version)
        both.append(_sandbox_up(config))
    return [_row("start-up: emulator spawn to listening (median)", round(statistics.median(listening), 2), "s"),
            _row("start-up: emulator spawn to the cluster's /version (median)", round(statistics.median(answering), 2),
                 "s"),
            _row("start-up: `python -m sandbox up`, AWS + emulator (median)", round(statistics.median(both), 2), "s")]


def _start_emulator_alone(config: SandboxConfig, core: int) -> tuple[float, float]:
    """A second emulator in a fresh state folder that reads clusters from this sandbox's AWS process, on the
    same CPU as the measured one: seconds from spawn to listening, and to the first cluster /version answer
    (the first EKS lookup, which imports boto3)."""
    with harness.separate_emulator(config) as (alone, child):
        os.sched_setaffinity(child.popen.pid, {core})
        port_file = alone.path("k8s.port")
        _wait(lambda: port_file.exists() and port_file.read_text().endswith("\n"), child.popen)
        listening = time.monotonic() - child.spawned_at
        url = f"{alone.cluster_endpoint(DEFAULT_REGION, harness.CLUSTER)}/version"
        context = ssl.create_default_context(cafile=str(alone.ca_cert_path))
        _wait(lambda: _answers(url, context), child.popen)
        return listening, time.monotonic() - child.spawned_at


def _answers(url: str, context: ssl.SSLContext) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30, context=context) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _wait(predicate: Callable[[], bool], child: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if child.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the emulator did not start (exit code {child.poll()})")
        time.sleep(0.005)


def _sandbox_up(config: SandboxConfig) -> float:
    """Wall time of `python -m sandbox up` (both processes) in a fresh state folder holding this sandbox's TLS
    files, so certificate generation is not counted."""
    with tempfile.TemporaryDirectory(prefix="eksforge-bench-up-") as state:
        shutil.copytree(config.tls_dir, Path(state) / "tls")
        began = time.monotonic()
        fresh = harness.start(Path(state))
        seconds = time.monotonic() - began
        fresh.stop()
        return seconds
