"""An EKS cluster made directly with boto3 in a test's sandbox, for tests that run platform roles against it."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from sandbox import harness
from sandbox.harness import VENV_BIN
from tests.integration.support.constants import REGION
from tests.integration.support.inventory import cluster_prerequisites, host_per_case_inventory
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


ROLE_PLAYBOOK = "tests/integration/playbooks/platform_role.yml"
# The gp3 class the addons role makes (EBS CSI); tests running a platform role alone make it with kubectl.
GP3 = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gp3"},
       "provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3"}, "volumeBindingMode": "WaitForFirstConsumer",
       "reclaimPolicy": "Delete"}


def add_gp3_storage_class(env: dict) -> None:
    made = client(env, "kubectl", "apply", "-f", "-", stdin=json.dumps(GP3))
    assert made.returncode == 0, made.stderr


def run_role(cluster: tuple, variables: dict, *, check: bool = False, verbosity: int = 0):
    """tests/integration/playbooks/platform_role.yml (platform_role in `variables`) against the cluster of
    `cluster` = (sandbox, eks_outputs, environment)."""
    sandbox, outputs, _ = cluster
    return harness.run_playbook(sandbox, ROLE_PLAYBOOK, check=check, diff=check, verbosity=verbosity,
                                extra_vars={"eks_outputs": outputs, "aws_region": REGION, **variables})


def run_role_per_case(cluster: tuple, folder: Path, cases: dict[str, dict]):
    """tests/integration/playbooks/platform_role.yml once, with a host per case of `cases` (name -> the role's
    variables, platform_role among them, as host variables) against the cluster of `cluster`."""
    sandbox, outputs, _ = cluster
    inventory = host_per_case_inventory(folder, cases)
    return harness.run_playbook(sandbox, ROLE_PLAYBOOK, inventory=str(inventory),
                                extra_vars={"eks_outputs": outputs, "aws_region": REGION})


def kubectl_json(cluster: tuple, *args: str) -> dict:
    found = client(cluster[2], "kubectl", *args, "-o", "json")
    assert found.returncode == 0, found.stderr
    return json.loads(found.stdout)
