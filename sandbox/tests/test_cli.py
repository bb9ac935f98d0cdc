"""`python -m sandbox up|down|status|reset|env` as a user runs it, each test in its own state folder."""

from __future__ import annotations

import ipaddress
import subprocess
import sys

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sandbox.client import SandboxClient
from sandbox.config import SandboxConfig
from sandbox.tests.conftest import run_cli, sandbox_env


@pytest.fixture
def env(tmp_path):
    """A private sandbox folder; whatever a test started there is stopped afterwards."""
    environment = sandbox_env(tmp_path / "state")
    yield environment
    run_cli(environment, "down")


def pid_of(config: SandboxConfig) -> int:
    return int(config.path("aws.pid").read_text())


def is_alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_up_on_port_0_serves_status_env_and_down_stops_it(env):
    config = SandboxConfig.from_env(env)
    started = run_cli(env, "up")
    assert started.returncode == 0, started.stderr
    port = config.running_port("aws")
    assert port and port != 0
    assert requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=5).json()["status"] == "ok"

    status = run_cli(env, "status")
    assert status.returncode == 0
    assert f"http://127.0.0.1:{port}" in status.stdout

    exports = run_cli(env, "env").stdout
    assert f"export AWS_ENDPOINT_URL=http://127.0.0.1:{port}" in exports
    assert "export AWS_ACCESS_KEY_ID=testing" in exports
    assert "export AWS_DEFAULT_REGION=us-east-1" in exports
    assert f"export EKSFORGE_SANDBOX_DIR={config.state_dir}" in exports

    # The Kubernetes emulator runs beside it, over HTTPS with the sandbox's own CA.
    k8s_port = config.running_port("k8s")
    assert f"https://127.0.0.1:{k8s_port}" in status.stdout
    assert requests.get(f"https://127.0.0.1:{k8s_port}/healthz", verify=config.ca_cert_path, timeout=5).ok

    pids = [pid_of(config), int(config.path("k8s.pid").read_text())]
    stopped = run_cli(env, "down")
    assert stopped.returncode == 0
    assert not any(is_alive(pid) for pid in pids)
    assert not [path.name for path in config.state_dir.glob("*.p*")]  # no pid or port files left
    assert run_cli(env, "status").returncode == 3


def test_reset_command_clears_the_aws_resources(env):
    config = SandboxConfig.from_env(env)
    assert run_cli(env, "up").returncode == 0
    ec2 = SandboxClient(config).client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]

    reset = run_cli(env, "reset")

    assert reset.returncode == 0
    assert "aws reset" in reset.stdout and "k8s reset" in reset.stdout
    assert vpc_id not in {vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"]}


def test_up_twice_keeps_the_running_copy_and_starts_nothing(env):
    config = SandboxConfig.from_env(env)
    assert run_cli(env, "up").returncode == 0
    first_pid, first_port = pid_of(config), config.running_port("aws")

    again = run_cli(env, "up")

    assert again.returncode == 0
    assert f"already runs (pid {first_pid}, port {first_port})" in again.stdout
    assert (pid_of(config), config.running_port("aws")) == (first_pid, first_port)
    ours = subprocess.run(["pgrep", "-f", f"sandbox.aws.server .*--state-dir {config.state_dir}$"],
                          capture_output=True, text=True).stdout.split()
    assert ours == [str(first_pid)]


def test_up_replaces_a_stale_pid_file(env):
    config = SandboxConfig.from_env(env)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    config.state_dir.mkdir(parents=True)
    config.path("aws.pid").write_text(f"{dead_pid}\n")
    config.path("aws.port").write_text("1\n")

    assert run_cli(env, "status").returncode == 3
    started = run_cli(env, "up")

    assert started.returncode == 0, started.stderr
    assert pid_of(config) != dead_pid and is_alive(pid_of(config))
    assert config.running_port("aws") != 1


def test_down_never_signals_a_pid_that_is_not_ours(env):
    """A pid file naming someone else's process (e.g. a reused pid) is removed, the process left alone."""
    config = SandboxConfig.from_env(env)
    config.state_dir.mkdir(parents=True)
    foreign = subprocess.Popen(["sleep", "30"])
    try:
        config.path("aws.pid").write_text(f"{foreign.pid}\n")
        assert run_cli(env, "status").returncode == 3

        stopped = run_cli(env, "down")

        assert stopped.returncode == 0
        assert "not running" in stopped.stdout
        assert foreign.poll() is None
        assert not config.path("aws.pid").exists()
    finally:
        foreign.kill()
        foreign.wait()


def test_up_makes_a_ca_and_a_localhost_server_certificate_and_keeps_them(env):
    config = SandboxConfig.from_env(env)
    assert run_cli(env, "up").returncode == 0
    ca = x509.load_pem_x509_certificate(config.ca_cert_path.read_bytes())
    server = x509.load_pem_x509_certificate((config.tls_dir / "server.crt").read_bytes())

    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert (config.tls_dir / "ca.key").stat().st_mode & 0o077 == 0

    run_cli(env, "down")
    assert run_cli(env, "up").returncode == 0
    assert config.ca_cert_path.read_bytes() == ca.public_bytes(Encoding.PEM)


def test_reset_without_a_running_sandbox_says_so(env):
    result = run_cli(env, "reset")
    assert result.returncode == 3
    assert "not running" in result.stderr
