"""The emulator as a process of its own: `python -m sandbox.k8s serve --port P --state-dir D`, as the CLI runs it."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from sandbox.tests.k8s.k8s_helpers import free_ports
from sandbox.config import REPO_ROOT
from sandbox.tls import ensure_tls


def test_serves_health_writes_port_file_and_reports_an_unreachable_aws_sandbox(tmp_path):
    ensure_tls(tmp_path / "tls")
    port, closed_aws_port = free_ports(2)
    env = dict(os.environ, EKSFORGE_SANDBOX_AWS_PORT=str(closed_aws_port))
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "sandbox.k8s", "serve", "--port", str(port),
                                "--state-dir", str(tmp_path)], cwd=REPO_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (tmp_path / "k8s.port").exists():
            assert process.poll() is None and time.monotonic() - started < 10
            time.sleep(0.02)
        assert (tmp_path / "k8s.port").read_text().strip() == str(port)
        context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "ca.crt"))
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", context=context) as answer:
            assert answer.read() == b"ok"
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/clusters/us-east-1/x/api", context=context)
            raise AssertionError("expected 503")
        except urllib.error.HTTPError as error:
            status = json.loads(error.read())
            assert (error.code, status["reason"]) == (503, "ServiceUnavailable")
            assert "not reachable" in status["message"]
        assert (tmp_path / "k8s" / "state.db").exists()
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
