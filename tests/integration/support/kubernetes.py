"""What the platform's EKS cluster holds, read with kubectl as a person would.

kubectl authenticates with the token `aws eks get-token` prints, signed here with boto3
against the sandbox's STS, and trusts the CA EKS reports for the cluster.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.integration.support.constants import LOCAL_PLATFORM

KUBECTL = Path(sys.executable).parent / "kubectl"
PLATFORM_NAMESPACE = "platform"  # roles/platform_namespace/defaults/main.yml
OWNER_LABEL = "eksforge.io/platform"


def eks_token(sandbox, cluster: str) -> str:
    """`aws eks get-token`: a presigned STS GetCallerIdentity URL bound to the cluster by x-k8s-aws-id."""
    sts = sandbox.boto3_client("sts")
    request = {"method": "GET", "url": f"{sandbox.aws_endpoint}/?Action=GetCallerIdentity&Version=2011-06-15",
               "body": {}, "headers": {"x-k8s-aws-id": cluster}, "context": {}}
    url = sts._request_signer.generate_presigned_url(request, region_name=sts.meta.region_name, expires_in=60,
                                                     operation_name="")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def kubectl(sandbox, *args: str, cluster: str = LOCAL_PLATFORM, input: str | None = None) -> subprocess.CompletedProcess:
    """Real kubectl against the cluster's endpoint and CA from DescribeCluster (`input`: its stdin, for `-f -`)."""
    described = sandbox.boto3_client("eks").describe_cluster(name=cluster)["cluster"]
    with tempfile.TemporaryDirectory() as home:
        ca = Path(home) / "ca.crt"
        ca.write_bytes(base64.b64decode(described["certificateAuthority"]["data"]))
        kubeconfig = Path(home) / "config"
        kubeconfig.write_text("{}")
        return subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(kubeconfig), "--cache-dir", str(Path(home) / "cache"),
             "--server", described["endpoint"], "--certificate-authority", str(ca),
             "--token", eks_token(sandbox, cluster), *args],
            capture_output=True, text=True, timeout=120, check=False, env={"HOME": home, "PATH": "/usr/bin:/bin"},
            input=input)


def namespaces(sandbox, cluster: str = LOCAL_PLATFORM) -> dict[str, dict]:
    """Every namespace of the cluster (kubectl get namespaces): name -> labels."""
    listed = kubectl(sandbox, "get", "namespaces", "-o", "json", cluster=cluster)
    assert listed.returncode == 0, listed.stderr
    return {item["metadata"]["name"]: item["metadata"].get("labels", {}) for item in json.loads(listed.stdout)["items"]}


def assert_platform_namespace(sandbox, platform: str = LOCAL_PLATFORM) -> None:
    """The platform namespace exists with the ownership label, as kubectl sees it."""
    labels = namespaces(sandbox)[PLATFORM_NAMESPACE]
    assert labels[OWNER_LABEL] == platform, labels
    assert labels["app.kubernetes.io/managed-by"] == "eksforge.platform", labels
    assert labels["kubernetes.io/metadata.name"] == PLATFORM_NAMESPACE  # set by the API server, not by the role
    owned = kubectl(sandbox, "get", "namespaces", "-l", f"{OWNER_LABEL}={platform}", "-o", "name")
    # The label selector finds it too (beside the other namespaces of the platform's roles: argocd, shop, ...).
    assert owned.returncode == 0 and f"namespace/{PLATFORM_NAMESPACE}" in owned.stdout.split(), owned
