"""Helpers for the emulator tests: the sandbox's EKS cluster and ways to reach it with real clients and real EKS
tokens (a module of its own so test files can import it as sandbox.tests.k8s.k8s_helpers; conftest.py holds
the fixtures)."""

from __future__ import annotations

import base64
import json
import random
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from sandbox.config import REPO_ROOT, SandboxConfig

BIN = Path(sys.executable).parent
REGION = "us-east-1"
CLUSTER = "demo"
POLICY_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"
PORT_RANGE = range(45300, 45400)  # the ports this machine lets us use


def free_ports(count: int) -> list[int]:
    found = []
    # In random order: pytest-xdist workers start their sandboxes at the same moment and would all take the lowest.
    for port in random.sample(PORT_RANGE, len(PORT_RANGE)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError("no free ports in 45300-45399")


def run(args: list, *, env=None, input: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=REPO_ROOT, env=env, input=input, capture_output=True,
                          text=True, timeout=timeout, check=False)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class EksCluster:
    """The sandbox's EKS cluster `demo` and ways to talk to its Kubernetes API as different IAM identities."""

    config: SandboxConfig
    env: dict
    tmp: Path
    credentials: dict = field(default_factory=dict)  # identity -> (access key, secret, session token)

    @property
    def endpoint(self) -> str:
        return self.config.cluster_endpoint(REGION, CLUSTER)

    @property
    def ca(self) -> Path:
        return self.config.ca_cert_path

    def boto3(self, service: str, identity: str = "admin"):
        key, secret, session = self.credentials[identity]
        return boto3.client(service, region_name=REGION, endpoint_url=self.config.aws_endpoint,
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=session)

    def token(self, identity: str = "admin", cluster: str = CLUSTER) -> str:
        """What `aws eks get-token` prints: a presigned STS GetCallerIdentity URL bound to the cluster name."""
        sts = self.boto3("sts", identity)
        request = {"method": "GET", "url": f"{self.config.aws_endpoint}/?Action=GetCallerIdentity&Version=2011-06-15",
                   "body": {}, "headers": {"x-k8s-aws-id": cluster}, "context": {}}
        url = sts._request_signer.generate_presigned_url(request, region_name=REGION, expires_in=900,
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
        binary = BIN / (f"kubectl-{version}" if version else "kubectl")
        env = {**self.env, "KUBECONFIG": str(self.kubeconfig(identity, namespace)), "HOME": str(self.tmp)}
        return run([binary, *args], env=env, input=input, timeout=timeout)

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
    iam, ec2, aws_eks = eks.boto3("iam"), eks.boto3("ec2"), eks.boto3("eks")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
    roles = {name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
             for name in ("cluster", "nodes", "viewer", "team-editor", "outsider")}
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")
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




def wait_until(predicate, timeout: float = 15.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
