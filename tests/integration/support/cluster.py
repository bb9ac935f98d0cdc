"""An EKS cluster made directly with boto3 in a test's sandbox, for tests that run platform roles against it."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from sandbox.harness import VENV_BIN
from tests.integration.support.inventory import cluster_prerequisites
from tests.integration.support.kubernetes import eks_token


def make_cluster(sandbox, name: str, cidr_prefix: str, home: Path) -> tuple[dict, dict]:
    """A cluster with a nodegroup of two nodes; returns (eks_outputs for the roles, environment for helm/kubectl
    with a kubeconfig in `home`)."""
    prerequisites = cluster_prerequisites(sandbox, name, cidr_prefix)
    eks = sandbox.boto3_client("eks")
    eks.create_cluster(name=name, version="1.33", roleArn=prerequisites["eks_cluster_role_arn"],
                       resourcesVpcConfig={"subnetIds": prerequisites["eks_subnet_ids"]},
                       accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True})
    eks.get_waiter("cluster_active").wait(name=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    eks.create_nodegroup(clusterName=name, nodegroupName="general", nodeRole=prerequisites["eks_node_role_arn"],
                         subnets=prerequisites["eks_subnet_ids"], scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 2})
    described = eks.describe_cluster(name=name)["cluster"]
    ca = home / "ca.crt"
    ca.write_bytes(base64.b64decode(described["certificateAuthority"]["data"]))
    outputs = {"endpoint": described["endpoint"], "ca_cert_path": str(ca), "cluster_name": name}
    kubeconfig = home / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": name,
        "clusters": [{"name": name, "cluster": {"server": described["endpoint"], "certificate-authority": str(ca)}}],
        "users": [{"name": "admin", "user": {"token": eks_token(sandbox, name)}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": "admin"}}]}))
    return outputs, {"HOME": str(home), "KUBECONFIG": str(kubeconfig), "PATH": f"{VENV_BIN}:/usr/bin:/bin"}


def client(env: dict, tool: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """helm or kubectl with the cluster's kubeconfig."""
    return subprocess.run([str(VENV_BIN / tool), *args], env=env, capture_output=True, text=True, input=stdin,
                          timeout=120, check=False)
