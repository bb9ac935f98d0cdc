"""The GitOps loop end to end on the built platform (issue 12 §7): Argo CD (platform layer) applies the shop the
apps layer wrote into the sandbox's git server; releases bump a tag and wait for Synced + Healthy; self-heal,
pruning, idempotence, check mode and bad input (destroy: test_platform_destroy.py). Real clients throughout:
ansible-playbook, kubectl, git, boto3.

The tests share the session's `platform` (site.yml run once per worker) and leave it as they found it; the
module's fixture first pushes the images the shop's CI would have pushed (sandbox/ci.py).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import yaml

from sandbox import ci
from tests.integration.support.asserts import assert_ran
from tests.integration.support.constants import LOCAL_PLATFORM, REGION, SITE
from tests.integration.support.gitops import REPOSITORY, clone, git
from tests.integration.support.kubernetes import kubectl

pytestmark = pytest.mark.slow

SERVICES = ("front", "cart", "user", "product", "rating", "order")
APPLICATIONS = {f"shop-{name}" for name in (*SERVICES, "gateway")}
RELEASE = "playbooks/release.yml"
OVERLAYS = "shop/overlays/local"
INITIAL_TAG = "v1.0.0"


def commits(platform, tmp_path: Path) -> int:
    return int(git(platform, "rev-list", "--count", "HEAD", cwd=clone(platform, tmp_path)).strip())


def applications(platform) -> dict[str, dict]:
    listed = kubectl(platform.sandbox, "get", "applications.argoproj.io", "-n", "argocd", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    return {item["metadata"]["name"]: item for item in json.loads(listed.stdout)["items"]}


def state(application: dict) -> tuple[str, str]:
    status = application.get("status") or {}
    return (status.get("sync") or {}).get("status", ""), (status.get("health") or {}).get("status", "")


def wait_for(check, what: str, timeout: float = 420, describe=None):
    """Poll `check` until it is true; on timeout fail with `what` and, if given, `describe()` (the state seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}" + (f": {describe()}" if describe else "")
        time.sleep(2)


def shop_states(platform) -> dict[str, tuple[str, str]]:
    return {name: state(application) for name, application in applications(platform).items()}


def shop_healthy(platform) -> bool:
    found = applications(platform)
    return APPLICATIONS <= set(found) and all(state(found[name]) == ("Synced", "Healthy") for name in APPLICATIONS)


def deployment(platform, name: str) -> dict:
    got = kubectl(platform.sandbox, "get", "deployment", name, "-n", "shop", "-o", "json")
    assert got.returncode == 0, got.stderr
    return json.loads(got.stdout)


def image_of(platform, name: str) -> str:
    return deployment(platform, name)["spec"]["template"]["spec"]["containers"][0]["image"]


@pytest.fixture(scope="module")
def shop(platform):
    """The built platform with the shop's first images in ECR and every shop Application Synced and Healthy."""
    for service in SERVICES:
        ci.push_image(platform.sandbox, f"{LOCAL_PLATFORM}/{service}", INITIAL_TAG, REGION)
    wait_for(lambda: shop_healthy(platform), "the shop to be Synced and Healthy", describe=lambda: shop_states(platform))
    return platform


def test_argocd_delivers_the_shop_from_the_repository(shop, tmp_path):
    found = applications(shop)
    root = found["root-local"]
    assert state(root) == ("Synced", "Healthy")
    assert {r["name"] for r in root["status"]["resources"]} == APPLICATIONS
    assert found["shop-cart"]["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    registry = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{LOCAL_PLATFORM}"
    for service in SERVICES:
        assert image_of(shop, service) == f"{registry}/{service}:{INITIAL_TAG}"
    # Each database is a StatefulSet on gp3, reachable only from its service; the services only from the gateway.
    cart_db = json.loads(kubectl(shop.sandbox, "get", "statefulset", "cart-db", "-n", "shop", "-o", "json").stdout)
    assert cart_db["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "gp3"
    policies = json.loads(kubectl(shop.sandbox, "get", "networkpolicies", "-n", "shop", "-o", "json").stdout)
    sources = {p["metadata"]["name"]: p["spec"]["ingress"][0].get("from") for p in policies["items"]}
    assert sources["cart"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}]
    assert sources["cart-db"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "cart"}}}]
    ingress = json.loads(kubectl(shop.sandbox, "get", "ingress", "shop", "-n", "shop", "-o", "json").stdout)
    assert ingress["spec"]["ingressClassName"] == "alb"
    # Passwords are Secrets in the cluster, never in git.
    checkout = clone(shop, tmp_path)
    tree = "\n".join(path.read_text() for path in checkout.rglob("*") if path.is_file() and ".git" not in path.parts)
    assert "sandbox-cart-db" not in tree and "sandbox-git" not in tree
    assert (checkout / "app-templates/cart/Jenkinsfile").is_file()
    assert (checkout / "app-templates/cart/.github/workflows/release.yml").is_file()
    secret = kubectl(shop.sandbox, "get", "secret", "cart-db", "-n", "shop", "-o", "jsonpath={.data.password}")
    assert secret.returncode == 0 and secret.stdout


def test_check_mode_pushes_nothing(shop, tmp_path):
    """The apps layer's second run changing nothing is the AWX build workflow's apps job (test_awx_jobs.py); its check
    mode with a change shows the change and pushes nothing."""
    before = commits(shop, tmp_path)
    planned = shop.run(SITE, tags="apps", check=True, diff=True,
                       extra_vars={"shop_services": [{"name": "front", "port": 3000, "container_port": 3000,
                                                       "replicas": 3}]})
    assert_ran(planned)
    assert "+    count: 3" in planned.output  # the overlay's diff
    assert commits(shop, tmp_path) == before


def test_release_rolls_the_deployment_to_the_new_tag(shop, tmp_path):
    before = commits(shop, tmp_path)
    ci.push_image(shop.sandbox, f"{LOCAL_PLATFORM}/cart", "v1.4.0", REGION)
    released = shop.run(RELEASE, extra_vars={"shop_release_service": "cart", "shop_release_tag": "v1.4.0"})
    assert_ran(released)
    assert "v1.0.0 -> v1.4.0" in released.output
    assert image_of(shop, "cart").endswith("/cart:v1.4.0")
    assert commits(shop, tmp_path) == before + 1
    assert state(applications(shop)["shop-cart"]) == ("Synced", "Healthy")
    # The converge run afterwards keeps the released tag (releases own tags once written).
    assert_ran(shop.run(SITE, tags="apps"), changed=0)


def test_release_of_a_tag_missing_from_ecr_is_refused_before_any_commit(shop, tmp_path):
    before = commits(shop, tmp_path)
    refused = shop.run(RELEASE, extra_vars={"shop_release_service": "order", "shop_release_tag": "v9.9.9"})
    assert refused.rc != 0
    assert "v9.9.9" in refused.output
    assert commits(shop, tmp_path) == before


def test_release_that_cannot_become_healthy_is_reverted(shop, tmp_path):
    """The image is in ECR when the release checks it and gone before the pods pull it (deleted meanwhile, as a
    lifecycle policy might): the Deployment cannot progress, Argo CD reports it Degraded, the release puts the
    previous tag back and waits for that to be healthy, then fails naming the unhealthy resources.

    Argo CD's application controller is scaled to 0 while the release commits, so that the image is surely gone
    before Argo CD syncs (it would otherwise pick the commit up within seconds, racing the test's delete)."""
    before = commits(shop, tmp_path)
    ecr = shop.sandbox.boto3_client("ecr")
    ci.push_image(shop.sandbox, f"{LOCAL_PLATFORM}/rating", "v2.0.0", REGION)
    extra = {"shop_release_service": "rating", "shop_release_tag": "v2.0.0"}
    result = {}
    scale_argocd_controller(shop, 0)
    thread = threading.Thread(target=lambda: result.update(run=shop.run(RELEASE, extra_vars=extra)))
    thread.start()
    try:
        wait_for(lambda: commits(shop, tmp_path) > before, "the release's commit", timeout=120)
        ecr.batch_delete_image(repositoryName=f"{LOCAL_PLATFORM}/rating", imageIds=[{"imageTag": "v2.0.0"}])
    finally:
        scale_argocd_controller(shop, 1)
    thread.join(timeout=900)
    run = result["run"]
    text = " ".join(run.output.split())
    assert run.rc != 0
    # argocd_application_info names the resource to blame (argocd role: controller.resource.health.persist)
    assert "Deployment shop/rating is Degraded" in text, text[-3000:]
    assert "Reverted to v1.0.0" in text, text[-3000:]
    assert commits(shop, tmp_path) == before + 2
    assert image_of(shop, "rating").endswith(f"/rating:{INITIAL_TAG}")
    assert state(applications(shop)["shop-rating"]) == ("Synced", "Healthy")


def scale_argocd_controller(platform, replicas: int) -> None:
    scaled = kubectl(platform.sandbox, "scale", "statefulset", "argocd-application-controller", "-n", "argocd",
                     "--replicas", str(replicas))
    assert scaled.returncode == 0, scaled.stderr


def test_manual_scale_is_reverted_by_self_heal(shop):
    scaled = kubectl(shop.sandbox, "scale", "deployment", "product", "-n", "shop", "--replicas", "5")
    assert scaled.returncode == 0, scaled.stderr
    wait_for(lambda: deployment(shop, "product")["spec"]["replicas"] == 2, "self-heal to put 2 replicas back")


def test_service_removed_from_the_inventory_is_pruned(shop, tmp_path):
    without_rating = [s for s in default_services() if s["name"] != "rating"]
    pruned = shop.run(SITE, tags="apps", extra_vars={"shop_services": without_rating})
    assert_ran(pruned)
    wait_for(lambda: "shop-rating" not in applications(shop), "shop-rating to be pruned")
    wait_for(lambda: kubectl(shop.sandbox, "get", "deployment", "rating", "-n", "shop").returncode != 0,
             "the rating Deployment to be deleted")
    assert not (clone(shop, tmp_path) / OVERLAYS / "rating").exists()
    restored = shop.run(SITE, tags="apps")
    assert_ran(restored)
    wait_for(lambda: shop_healthy(shop), "the shop to be whole again")


def default_services() -> list[dict]:
    defaults = Path(__file__).resolve().parents[2] / "roles/shop/defaults/main.yml"
    return yaml.safe_load(defaults.read_text())["shop_services"]


def test_release_input_is_checked_before_any_call(shop):
    unknown = shop.run(RELEASE, extra_vars={"shop_release_service": "basket", "shop_release_tag": "v1.0.1"})
    assert unknown.rc != 0 and unknown.calls == []
    assert "shop_release_service must be one of front, cart, user, product, rating, order, got basket" in \
        " ".join(unknown.output.split())
    malformed = shop.run(RELEASE, extra_vars={"shop_release_service": "cart", "shop_release_tag": "-v1 beta"})
    assert malformed.rc != 0 and malformed.calls == []
    assert "shop_release_tag must be an image tag" in " ".join(malformed.output.split())


def test_repository_problems_are_named_without_the_password(shop, tmp_path):
    before = commits(shop, tmp_path)
    user, password = shop.sandbox.git_credentials
    wrong = shop.run("playbooks/apps.yml", extra_vars={"gitops_repository_password": "not-the-password"})
    assert wrong.rc != 0
    assert "refused the credentials" in " ".join(wrong.output.split())
    assert "not-the-password" not in wrong.output and password not in wrong.output
    unreachable = shop.run("playbooks/apps.yml",
                           extra_vars={"gitops_repository_url": "http://127.0.0.1:9/eksforge/gitops.git"})
    assert unreachable.rc != 0
    assert "cannot fetch http://127.0.0.1:9/eksforge/gitops.git" in " ".join(unreachable.output.split())
    assert password not in unreachable.output
    assert commits(shop, tmp_path) == before


def test_an_overlay_without_the_image_is_refused(shop, tmp_path):
    """The gateway's overlay names no image of its own: a bump of it fails, naming what the overlay has."""
    before = commits(shop, tmp_path)
    user, password = shop.sandbox.git_credentials
    play = tmp_path / "bump.yml"
    play.write_text(yaml.safe_dump([{"name": "Bump an image the overlay does not have", "hosts": "platform",
                                     "gather_facts": False, "tasks": [{
                                         "name": "Bump", "eksforge.platform.gitops_image_tag": {
                                             "repository_url": f"{shop.sandbox.git_url}/{REPOSITORY}",
                                             "username": user, "password": password,
                                             "path": f"{OVERLAYS}/gateway", "image": "gateway", "tag": "v2",
                                             "check_image": False}}]}]))
    refused = shop.run(str(play))
    assert refused.rc != 0
    assert "no entry named 'gateway' in its images" in " ".join(refused.output.split())
    assert password not in refused.output
    assert commits(shop, tmp_path) == before
