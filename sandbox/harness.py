"""Drive the sandbox and ansible-playbook from Python: used by the tests' fixtures and by bench/.

`start(state_dir)` brings up a private sandbox on free ports; `Sandbox` wraps its control API;
`run_playbook` runs a play against it and reports the recap, the AWS API calls and the Kubernetes writes the run
made.
`create_cluster` makes an EKS cluster with a nodegroup and access entries; `EksCluster` reaches its
Kubernetes API with real EKS tokens (kubectl, the Python client, raw HTTPS); `separate_emulator` starts a
second Kubernetes API emulator serving the same clusters.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sandbox import process
from sandbox.client import SandboxClient
from sandbox.config import (ACCESS_KEY_ID, DEFAULT_REGION, GIT_PASSWORD, GIT_USERNAME, REPO_ROOT, SECRET_ACCESS_KEY,
                            SandboxConfig)

VENV_BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


class Sandbox(SandboxClient):
    """A running sandbox: its control API (SandboxClient), state folder and the environment to reach it."""

    def __init__(self, state_dir: Path, env: dict[str, str]):
        self.state_dir = Path(state_dir)
        self.env = env
        self.config = SandboxConfig.from_env({**env, "EKSFORGE_SANDBOX_DIR": str(self.state_dir)})
        super().__init__(self.config)

    @property
    def aws_endpoint(self) -> str:
        return self.endpoint

    @property
    def git_url(self) -> str:
        """The git server's base URL (repositories are `<git_url>/<name>.git`); credentials: git_credentials."""
        return self.config.git_url

    git_credentials = (GIT_USERNAME, GIT_PASSWORD)

    @property
    def chart_mirror_url(self) -> str:
        """`<url>/<folder>` is a Helm repository of the chart mirror (sandbox/charts.py)."""
        return self.config.chart_mirror_url

    def boto3_client(self, service: str, region: str = DEFAULT_REGION):
        return self.client(service, region=region)

    def k8s_writes(self, clear: bool = False) -> list[dict]:
        """The write requests clients sent to the emulator's clusters since the last clear (GET /_sandbox/writes):
        [{"cluster", "method", "path", "dry_run", "user"}, ...]; `clear` empties the log (DELETE)."""
        request = urllib.request.Request(f"{self.config.k8s_base_url}/_sandbox/writes",
                                         method="DELETE" if clear else "GET")
        context = ssl.create_default_context(cafile=str(self.config.ca_cert_path))
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            return json.loads(answer.read())["writes"]

    def command(self, *args: str) -> subprocess.CompletedProcess:
        """`python -m sandbox <args>` for this sandbox."""
        return subprocess.run([sys.executable, "-m", "sandbox", *args], cwd=REPO_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)

    def stop(self) -> None:
        self.command("down")


def start(state_dir: Path, settings: dict[str, str] | None = None) -> Sandbox:
    """Start a private sandbox in `state_dir` on free ports; raises if it does not come up.
    `settings` are further EKSFORGE_SANDBOX_* variables for it (e.g. the latency profile)."""
    env = dict(os.environ, **(settings or {}),
               EKSFORGE_SANDBOX_DIR=str(state_dir),
               EKSFORGE_SANDBOX_AWS_PORT="0",
               EKSFORGE_SANDBOX_K8S_PORT="0",
               EKSFORGE_SANDBOX_GIT_PORT="0",
               EKSFORGE_SANDBOX_CHARTS_PORT="0",
               # EKS changes settle in 0.2 s instead of the sandbox's default 1 s: waits still run.
               EKSFORGE_SANDBOX_EKS_DELAY=os.environ.get("EKSFORGE_SANDBOX_EKS_DELAY", "0.2"),
               AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
               AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
               ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
               PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    # Whatever the caller's shell points boto3 at must not leak into runs against the sandbox.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_URL", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    started = subprocess.run([sys.executable, "-m", "sandbox", "up"], cwd=REPO_ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    if started.returncode != 0:
        raise RuntimeError(f"sandbox did not start:\n{started.stdout}{started.stderr}")
    return Sandbox(state_dir, env)


@dataclass
class PlaybookRun:
    """What one ansible-playbook run did: exit code, output, recap per host, API calls, wall time."""

    rc: int
    output: str
    recap: dict[str, dict[str, int]]
    calls: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    k8s_writes: list[dict] = field(default_factory=list)

    @property
    def cluster_writes(self) -> list[dict]:
        """The Kubernetes write requests of the run that were not dry runs (what --check may send)."""
        return [write for write in self.k8s_writes if not write["dry_run"]]

    @property
    def changed(self) -> int:
        return sum(host["changed"] for host in self.recap.values())

    @property
    def failed(self) -> int:
        return sum(host["failed"] + host["unreachable"] for host in self.recap.values())

    @property
    def mutating_calls(self) -> list[dict]:
        return [call for call in self.calls if call["kind"] == "mutating"]

    @property
    def total_calls(self) -> int:
        return sum(call["count"] for call in self.calls)

    def count(self, action: str) -> int:
        return sum(call["count"] for call in self.calls if call["action"] == action)


def run_playbook(sandbox: Sandbox, playbook: str, *, inventory: str = "inventories/local",
                 extra_vars: dict | None = None, check: bool = False, diff: bool = False,
                 tags: str | None = None, timeout: int = 900, verbosity: int = 0) -> PlaybookRun:
    """Run `playbook` (relative to the repo root, or absolute) with the inventory's endpoint pointed at
    this sandbox; counters are reset first, so `calls` are exactly this run's."""
    variables = {"aws_endpoint_url": sandbox.aws_endpoint, "chart_mirror_url": sandbox.chart_mirror_url,
                 "git_server_url": sandbox.git_url, **(extra_vars or {})}
    command = [str(VENV_BIN / "ansible-playbook"), "-i", inventory, playbook, "-e", json.dumps(variables)]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if tags:
        command += ["--tags", tags]
    if verbosity:
        command.append("-" + "v" * verbosity)
    env = dict(sandbox.env, ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    sandbox.reset_calls()
    sandbox.k8s_writes(clear=True)
    began = time.monotonic()
    finished = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
    seconds = time.monotonic() - began
    recap = {match["host"]: {key: int(value) for key, value in match.groupdict().items() if key != "host"}
             for match in RECAP.finditer(finished.stdout)}
    return PlaybookRun(rc=finished.returncode, output=finished.stdout + finished.stderr, recap=recap,
                       calls=sandbox.calls(), seconds=seconds, k8s_writes=sandbox.k8s_writes())


def run_module(sandbox: Sandbox, module: str, args: dict, *, check: bool = False, diff: bool = False,
               expect_failure: bool = False, aws: bool = True) -> dict:
    """Run one module with `ansible localhost -m` against the sandbox; returns its result dict.

    `endpoint_url` is set to the sandbox (unless `aws` is false: a module of another API); the run must fail
    exactly when `expect_failure` says so.
    """
    arguments = dict(args, endpoint_url=sandbox.aws_endpoint) if aws else args
    command = [str(VENV_BIN / "ansible"), "localhost", "-m", module, "-a", json.dumps(arguments)]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    env = dict(sandbox.env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_LOCALHOST_WARNING="0")
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    try:
        result = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError) as error:
        raise AssertionError(f"ansible failed (rc={done.returncode}):\n{done.stdout}\n{done.stderr}") from error
    if bool(result.get("failed")) != expect_failure:
        raise AssertionError(f"{module} {'succeeded' if expect_failure else 'failed'} unexpectedly: {result}")
    return result


@dataclass(frozen=True)
class ModuleStep:
    """One step of `run_modules`: `module` with `args` (plus the sandbox's endpoint_url unless `aws` is false), in
    check mode or not, expected to fail or not."""

    module: str
    args: dict
    check: bool = False
    fails: bool = False
    aws: bool = True


def run_modules(sandbox: Sandbox, steps: list[ModuleStep], *, diff: bool = False) -> list[dict]:
    """Run module steps in order as the tasks of one playbook on localhost: one Ansible start for them all, where
    `run_module` pays one per step. A failing step does not stop the next ones, and each must fail exactly when its
    `fails` says so.

    Returns each step's result dict with `started` and `ended` (epoch seconds, as the json callback timed the task),
    so that the sandbox's call log can be split between the steps.
    """
    tasks = [{"name": f"step {index}",
              step.module: dict(step.args, endpoint_url=sandbox.aws_endpoint) if step.aws else step.args,
              "check_mode": step.check, "diff": diff, "ignore_errors": True}
             for index, step in enumerate(steps)]
    with tempfile.TemporaryDirectory(prefix="eksforge-steps-") as folder:
        playbook = Path(folder) / "steps.yml"
        playbook.write_text(json.dumps([{"name": "Module steps", "hosts": "localhost", "gather_facts": False,
                                         "tasks": tasks}]))
        env = dict(sandbox.env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        done = subprocess.run([str(VENV_BIN / "ansible-playbook"), str(playbook)], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=300 + 120 * len(steps), check=False)
    try:
        ran = json.loads(done.stdout)["plays"][0]["tasks"]
        results = [dict(task["hosts"]["localhost"], started=_epoch(task["task"]["duration"]["start"]),
                        ended=_epoch(task["task"]["duration"]["end"])) for task in ran]
    except (ValueError, KeyError, IndexError) as error:
        raise AssertionError(f"ansible-playbook failed (rc={done.returncode}):\n{done.stdout}\n{done.stderr}") from error
    if len(results) != len(steps):
        raise AssertionError(f"{len(steps)} steps, {len(results)} results:\n{done.stdout}\n{done.stderr}")
    for index, (step, result) in enumerate(zip(steps, results)):
        if bool(result.get("failed")) != step.fails:
            raise AssertionError(f"step {index} ({step.module}) {'succeeded' if step.fails else 'failed'} "
                                 f"unexpectedly: {result}")
    return results


def _epoch(stamp: str) -> float:
    """The json callback's time ("2026-12-03T18:50:01.123456Z", UTC) in epoch seconds."""
    return datetime.fromisoformat(stamp.removesuffix("Z")).replace(tzinfo=timezone.utc).timestamp()


# --- EKS clusters and their Kubernetes API ------------------------------------------------------------

CLUSTER = "demo"
POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class EksCluster:
    """A sandbox EKS cluster (`demo` unless named) and ways to talk to its Kubernetes API as different IAM
    identities."""

    config: SandboxConfig
    env: dict
    tmp: Path
    credentials: dict = field(default_factory=dict)  # identity -> (access key, secret, session token)
    name: str = CLUSTER

    @property
    def endpoint(self) -> str:
        return self.config.cluster_endpoint(DEFAULT_REGION, self.name)

    @property
    def ca(self) -> Path:
        return self.config.ca_cert_path

    def boto3(self, service: str, identity: str = "admin"):
        import boto3

        key, secret, session = self.credentials[identity]
        return boto3.client(service, region_name=DEFAULT_REGION, endpoint_url=self.config.aws_endpoint,
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=session)

    def token(self, identity: str = "admin", cluster: str | None = None) -> str:
        """What `aws eks get-token` prints: a presigned STS GetCallerIdentity URL bound to the cluster name."""
        cluster = cluster or self.name
        sts = self.boto3("sts", identity)
        request = {"method": "GET", "url": f"{self.config.aws_endpoint}/?Action=GetCallerIdentity&Version=2011-06-15",
                   "body": {}, "headers": {"x-k8s-aws-id": cluster}, "context": {}}
        url = sts._request_signer.generate_presigned_url(request, region_name=DEFAULT_REGION, expires_in=900,
                                                         operation_name="")
        return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")

    def kubeconfig(self, identity: str = "admin", namespace: str = "default") -> Path:
        path = self.tmp / f"kubeconfig-{identity}-{uuid.uuid4().hex[:8]}"
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "demo",
            "clusters": [{"name": "demo", "cluster": {"server": self.endpoint, "certificate-authority": str(self.ca)}}],
            "users": [{"name": identity, "user": {"token": self.token(identity)}}],
            "contexts": [{"name": "demo", "context": {"cluster": "demo", "user": identity, "namespace": namespace}}],
        }))
        return path

    def kubectl(self, *args, version: str = "", identity: str = "admin", input: str | None = None,
                namespace: str = "default", timeout: int = 120) -> subprocess.CompletedProcess:
        binary = VENV_BIN / (f"kubectl-{version}" if version else "kubectl")
        env = {**self.env, "KUBECONFIG": str(self.kubeconfig(identity, namespace)), "HOME": str(self.tmp)}
        return subprocess.run([str(binary), *map(str, args)], cwd=REPO_ROOT, env=env, input=input,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def request(self, method: str, path: str, body=None, *, identity: str | None = "admin",
                headers: dict | None = None, token: str | None = None) -> Response:
        """One raw HTTPS request to the cluster's API (path relative to the cluster endpoint)."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        elif identity is not None:
            all_headers["Authorization"] = f"Bearer {self.token(identity)}"
        request = urllib.request.Request(self.endpoint + path, data=data, method=method, headers=all_headers)
        context = ssl.create_default_context(cafile=str(self.ca))
        try:
            with urllib.request.urlopen(request, context=context, timeout=60) as answer:
                return Response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def api_client(self, identity: str = "admin"):
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = self.endpoint
        configuration.ssl_ca_cert = str(self.ca)
        configuration.api_key = {"authorization": f"Bearer {self.token(identity)}"}
        return client.ApiClient(configuration)


def create_cluster(eks: EksCluster) -> dict[str, str]:
    """EKS cluster `demo` (API authentication) with a 2-node nodegroup; IAM roles `cluster`, `nodes`, and
    `viewer` (view policy, whole cluster), `team-editor` (edit policy, namespace team-a) and `outsider` (no
    access entry). Returns the role ARNs by name."""
    iam, ec2, aws_eks = eks.boto3("iam"), eks.boto3("ec2"), eks.boto3("eks")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
    roles = {name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
             for name in ("cluster", "nodes", "viewer", "team-editor", "outsider")}
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{DEFAULT_REGION}{z}")
               ["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    aws_eks.create_cluster(name=CLUSTER, version="1.33", roleArn=roles["cluster"],
                           resourcesVpcConfig={"subnetIds": subnets},
                           accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True})
    aws_eks.get_waiter("cluster_active").wait(name=CLUSTER, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    aws_eks.create_nodegroup(clusterName=CLUSTER, nodegroupName="workers", nodeRole=roles["nodes"], subnets=subnets,
                             scalingConfig={"minSize": 1, "maxSize": 4, "desiredSize": 2})
    for role, policy, scope in (("viewer", "AmazonEKSViewPolicy", {"type": "cluster"}),
                                ("team-editor", "AmazonEKSEditPolicy", {"type": "namespace", "namespaces": ["team-a"]})):
        aws_eks.create_access_entry(clusterName=CLUSTER, principalArn=roles[role])
        aws_eks.associate_access_policy(clusterName=CLUSTER, principalArn=roles[role], policyArn=POLICY_PREFIX + policy,
                                        accessScope=scope)
    return roles


@contextlib.contextmanager
def separate_emulator(sandbox_config: SandboxConfig, *arguments: str) -> Iterator[tuple[SandboxConfig,
                                                                                        process.Spawned]]:
    """A second Kubernetes API emulator (`arguments` added to its command line) in a fresh state folder,
    serving the clusters of the sandbox in `sandbox_config` (it gets copies of its aws.port and TLS files).
    Yields the new folder's config and the process as soon as it is spawned; stops it on exit."""
    with tempfile.TemporaryDirectory(prefix="eksforge-emulator-") as state:
        state_dir = Path(state)
        shutil.copy(sandbox_config.path("aws.port"), state_dir / "aws.port")
        shutil.copytree(sandbox_config.tls_dir, state_dir / "tls")
        config = SandboxConfig(state_dir, sandbox_config.aws_port_setting, 0)
        child = process.spawn(config, process.K8S, *arguments)
        try:
            yield config, child
        finally:
            process.stop(config, child)
