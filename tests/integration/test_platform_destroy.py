"""Destroy of the platform site.yml built, after the other tests of its unit have used it (the `platform` fixture;
tests/conftest.py runs this file last, as nothing is left to share afterwards).

First the apps and platform layers alone, with an Ingress and a LoadBalancer Service made by hand: Argo CD goes first
with the Applications and their resources (nothing re-creates the shop's Ingress then), the hand-made load balancers
go before their controller, the repository content the apps layer pushed goes, and the cluster is left as EKS made
it. Then the whole destroy.yml: the layers in reverse, nothing tagged left in AWS, and a second destroy changes
nothing."""

from __future__ import annotations

import pytest

from tests.integration.support.addons import (HAND_MADE, addon_roles, kube_json, load_balancer_leftovers,
                                              owned_records, zone_id)
from tests.integration.support.asserts import assert_idempotent, assert_ran, changed_tasks, wait_for
from tests.integration.support.constants import DESTROY, LOCAL_PLATFORM
from tests.integration.support.gitops import clone
from tests.integration.support.inventory import leftovers
from tests.integration.support.kubernetes import PLATFORM_NAMESPACE, kubectl, namespaces

pytestmark = [pytest.mark.slow, pytest.mark.destroys_platform]


def _make_load_balancers_by_hand(sandbox) -> None:
    applied = kubectl(sandbox, "apply", "-f", "-", input=HAND_MADE)
    assert applied.returncode == 0, applied.stderr
    # The controller (simulated by the emulator while the chart's Deployment is ready) makes an ALB and an NLB and
    # holds both objects with its finalizers; external-dns writes the host's records.
    ingress = wait_for(lambda: kube_json(sandbox, "get", "ingress", "web", "-n", "shop-by-hand"),
                       lambda item: item.get("status", {}).get("loadBalancer", {}).get("ingress"), timeout=120)
    assert ingress["metadata"]["finalizers"]
    wait_for(lambda: load_balancer_leftovers(sandbox)["elbv2"], lambda arns: len(arns) >= 4, timeout=120)
    wait_for(lambda: owned_records(sandbox, zone_id(sandbox)), lambda records: records, timeout=120)


def _assert_the_cluster_is_as_eks_made_it(sandbox) -> None:
    assert sandbox.boto3_client("eks").describe_cluster(name=LOCAL_PLATFORM)["cluster"]["status"] == "ACTIVE"
    assert {"argocd", PLATFORM_NAMESPACE, "shop"}.isdisjoint(namespaces(sandbox))
    assert kubectl(sandbox, "get", "crd", "applications.argoproj.io").returncode != 0
    assert kube_json(sandbox, "get", "ingress", "-A")["items"] == []
    assert [s for s in kube_json(sandbox, "get", "services", "-A")["items"] if s["spec"]["type"] == "LoadBalancer"] == []
    assert kube_json(sandbox, "get", "secrets", "-n", "kube-system", "-l", "owner=helm")["items"] == []
    classes = {item["metadata"]["name"]: item for item in kube_json(sandbox, "get", "storageclass")["items"]}
    assert set(classes) == {"gp2"}
    assert classes["gp2"]["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"


def _assert_the_platform_layers_left_nothing_in_aws(sandbox) -> None:
    assert load_balancer_leftovers(sandbox) == {"elbv2": [], "security_groups": []}
    assert zone_id(sandbox) is None  # the addons role created it, external-dns's records went with it
    assert addon_roles(sandbox) == set()
    assert sandbox.boto3_client("eks").list_pod_identity_associations(clusterName=LOCAL_PLATFORM)["associations"] == []
    groups = sandbox.boto3_client("logs").describe_log_groups(logGroupNamePrefix="/aws/containerinsights/")
    assert groups["logGroups"] == []


def test_destroy_takes_the_layers_apart_in_reverse_and_leaves_nothing(platform, tmp_path):
    sandbox = platform.sandbox
    _make_load_balancers_by_hand(sandbox)

    layers = platform.run(DESTROY, tags="apps,platform")
    assert_ran(layers)
    text = layers.output
    assert text.index("Delete the Applications with their resources") < text.index("Argo CD chart")
    assert text.index("Delete the Applications with their resources") < text.index(
        "Delete the Ingresses and the Services of type LoadBalancer") < text.index(
        "Uninstall the release aws-load-balancer-controller")
    assert f"TASK [eksforge.platform.platform_namespace : Delete the namespace {PLATFORM_NAMESPACE}]" in changed_tasks(text)
    assert layers.count("DescribeVpcs") == 0  # only the two layers ran
    _assert_the_cluster_is_as_eks_made_it(sandbox)
    _assert_the_platform_layers_left_nothing_in_aws(sandbox)
    checkout = clone(platform, tmp_path)
    assert not (checkout / "apps").exists() and not (checkout / "shop").exists()
    assert not (checkout / "app-templates").exists()

    whole = platform.run(DESTROY)
    assert_ran(whole)
    plays = [whole.output.index(f"PLAY [Remove the {layer}") for layer in ("apps", "platform", "infrastructure")]
    assert plays == sorted(plays)
    assert whole.count("DeleteCluster") == 1 and whole.count("DeleteNodegroup") == 1
    assert whole.count("DeleteNatGateway") == 1 and whole.count("ReleaseAddress") == 1  # inventories/local: one NAT
    assert whole.count("DeleteVpc") == 1
    assert leftovers(sandbox) == {}
    assert_idempotent(platform.run(DESTROY))
