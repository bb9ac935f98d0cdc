"""The simulated Argo CD application controller (controllers/operators/argocd.py) in a cluster of its own with
the real argo-cd chart 10.1.1 installed by helm: Applications of each source type (directory, kustomize, helm
chart in git, helm chart from a Helm repository) fetched from the sandbox's git server, release bumps with
gitops_image_tag, self-heal, prune, app of apps, ImagePullBackOff -> Degraded, and the gate (nothing happens
while the chart's application controller is not ready). One module-scoped cluster: several checks per setup."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import sys
import threading
import time

import pytest

from sandbox import harness
from sandbox.config import ACCESS_KEY_ID, GIT_PASSWORD, GIT_USERNAME, REPO_ROOT, SECRET_ACCESS_KEY, SandboxConfig
from sandbox.harness import EksCluster, create_cluster
from sandbox.tests.k8s.k8s_helpers import BIN, run, wait_until
from sandbox.gitops import heads, push_files, push_image, repository_url

pytestmark = pytest.mark.slow

MIRROR = os.environ.get("EKSFORGE_CHART_MIRROR") or str(REPO_ROOT.parent / "shared" / "charts")
REPOSITORY = "eksforge/gitops"
CART = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/cart"
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
"""
FILES = {
    "plain/web.yaml": WEB,
    "plain/settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: plain}\n",
    "cart/base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "cart/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  replicas: 2
  progressDeadlineSeconds: 3
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers: [{name: cart, image: cart}]
""",
    "cart/overlays/local/kustomization.yaml": f"""\
resources: [../../base]
images:
  - name: cart
    newName: {CART}
    newTag: v1
""",
    "charts/greeter/Chart.yaml": "apiVersion: v2\nname: greeter\nversion: 0.1.0\n",
    "charts/greeter/values.yaml": "greeting: hello\n",
    "charts/greeter/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '{{ .Release.Name }}'}\n"
                                        "data: {greeting: '{{ .Values.greeting }}'}\n",
    "apps/child.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: child, namespace: argocd, finalizers: [resources-finalizer.argocd.argoproj.io]}
spec:
  project: default
  source: {repoURL: REPO, path: plain, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: child}
  syncPolicy: {automated: {prune: true}, syncOptions: [CreateNamespace=true]}
""",
}


def application(name: str, source: dict, namespace: str, automated: dict | None = None) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd",
                         "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
            "spec": {"project": "default", "source": source,
                     "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
                     "syncPolicy": {"automated": automated if automated is not None else
                                    {"prune": True, "selfHeal": True}, "syncOptions": ["CreateNamespace=true"]}}}


@pytest.fixture(scope="module")
def argocd(tmp_path_factory):
    """A sandbox (Argo CD refreshing every second) with cluster `demo`, the argo-cd chart, the repository Secret,
    the GitOps repository's content, the cart images v1 and v2 in ECR, and a Helm repository served over HTTP."""
    state_dir = tmp_path_factory.mktemp("argocd-sandbox")
    env = dict(os.environ, EKSFORGE_SANDBOX_DIR=str(state_dir), EKSFORGE_SANDBOX_AWS_PORT="0",
               EKSFORGE_SANDBOX_K8S_PORT="0", EKSFORGE_SANDBOX_GIT_PORT="0", EKSFORGE_SANDBOX_CHARTS_PORT="0",
               EKSFORGE_SANDBOX_ARGOCD_REFRESH="1",
               AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
               ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"), PATH=f"{BIN}:{os.environ['PATH']}")
    started = run([sys.executable, "-m", "sandbox", "up"], env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    config = SandboxConfig.from_env(env)
    cluster = EksCluster(config, env, tmp_path_factory.mktemp("argocd-clients"))
    cluster.credentials["admin"] = (ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
    sandbox = harness.Sandbox(state_dir, env)
    helm_repo = tmp_path_factory.mktemp("helm-repo")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(helm_repo)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        create_cluster(cluster)
        home = tmp_path_factory.mktemp("helm-home")
        helm_env = {**env, "KUBECONFIG": str(cluster.kubeconfig()), "HOME": str(home),
                    "HELM_CACHE_HOME": str(home / "cache"), "HELM_CONFIG_HOME": str(home / "config"),
                    "HELM_DATA_HOME": str(home / "data")}
        installed = run([BIN / "helm", "install", "argocd", f"{MIRROR}/argo/argo-cd-10.1.1.tgz", "--namespace",
                         "argocd", "--create-namespace", "--timeout", "120s", "--set",
                         "configs.params.controller\\.resource\\.health\\.persist=true"], env=helm_env, timeout=300)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        _package_chart(helm_repo, helm_env, f"http://127.0.0.1:{server.server_port}")
        ecr = cluster.boto3("ecr")
        ecr.create_repository(repositoryName="shop/cart")
        for tag in ("v1", "v2"):
            push_image(ecr, "shop/cart", tag)
        url = repository_url(sandbox, REPOSITORY)
        push_files(sandbox, REPOSITORY, {path: text.replace("REPO", url) for path, text in FILES.items()})
        secret = {"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "gitops", "namespace": "argocd",
                               "labels": {"argocd.argoproj.io/secret-type": "repository"}},
                  "stringData": {"type": "git", "url": url, "username": GIT_USERNAME, "password": GIT_PASSWORD}}
        assert cluster.kubectl("apply", "-f", "-", input=json.dumps(secret)).returncode == 0
        yield Setup(cluster, sandbox, url, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        run([sys.executable, "-m", "sandbox", "down"], env=env)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _package_chart(folder, env, url: str) -> None:
    chart = folder / "src"
    for path, text in FILES.items():
        if path.startswith("charts/greeter/"):
            (chart / path.removeprefix("charts/greeter/")).parent.mkdir(parents=True, exist_ok=True)
            (chart / path.removeprefix("charts/greeter/")).write_text(text)
    for command in (["package", str(chart), "--destination", str(folder)], ["repo", "index", str(folder), "--url", url]):
        done = run([BIN / "helm", *command], env=env)
        assert done.returncode == 0, done.stderr


class Setup:
    def __init__(self, cluster: EksCluster, sandbox, url: str, helm_repository: str):
        self.cluster, self.sandbox, self.url, self.helm_repository = cluster, sandbox, url, helm_repository

    def kubectl(self, *args, **options):
        done = self.cluster.kubectl(*args, **options)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def apply(self, obj: dict) -> None:
        self.kubectl("apply", "-f", "-", input=json.dumps(obj))

    def get(self, kind: str, name: str, namespace: str = "argocd") -> dict | None:
        done = self.cluster.kubectl("get", kind, name, "-o", "json", "--show-managed-fields", namespace=namespace)
        return json.loads(done.stdout) if done.returncode == 0 else None

    def app(self, name: str) -> dict:
        return self.get("applications.argoproj.io", name) or {}

    def wait_app(self, name: str, sync: str = "Synced", health: str = "Healthy", revision: str | None = None,
                 timeout: float = 40) -> dict:
        def reached():
            status = self.app(name).get("status") or {}
            return status if (status.get("sync", {}).get("status"), status.get("health", {}).get("status")) == \
                (sync, health) and (revision is None or status["sync"].get("revision") == revision) else None
        try:
            return wait_until(reached, timeout=timeout, interval=0.5)
        except AssertionError:
            raise AssertionError(f"{name} did not become {sync}/{health}: {self.app(name).get('status')}") from None


def test_nothing_happens_until_the_chart_controller_is_ready_then_each_source_type_syncs(argocd):
    argocd.kubectl("scale", "statefulset", "argocd-application-controller", "--replicas=0", namespace="argocd")
    argocd.apply(application("plain", {"repoURL": argocd.url, "path": "plain", "targetRevision": "main"}, "plain"))
    wait_until(lambda: argocd.get("statefulset", "argocd-application-controller")["status"].get(
        "readyReplicas", 0) == 0, timeout=10)
    time.sleep(3)  # several refresh intervals: the simulation must not act without the chart's controller
    assert "status" not in argocd.app("plain") and argocd.get("namespace", "plain", namespace="") is None

    argocd.kubectl("scale", "statefulset", "argocd-application-controller", "--replicas=1", namespace="argocd")
    argocd.apply(application("cart", {"repoURL": argocd.url, "path": "cart/overlays/local"}, "shop"))
    argocd.apply(application("greeter", {"repoURL": argocd.url, "path": "charts/greeter", "targetRevision": "HEAD",
                                         "helm": {"valuesObject": {"greeting": "hi"}}}, "greeter"))
    argocd.apply(application("remote-chart", {"repoURL": argocd.helm_repository, "chart": "greeter",
                                              "targetRevision": "0.1.0", "helm": {"releaseName": "remote"}},
                             "remote"))
    revision = heads(argocd.sandbox, REPOSITORY)["refs/heads/main"]
    plain = argocd.wait_app("plain", revision=revision)
    assert plain["sourceType"] == "Directory" and plain["summary"] == {"images": ["nginx:1.25"]}
    assert plain["operationState"]["phase"] == "Succeeded" and plain["history"][0]["revision"] == revision
    assert {(r["kind"], r["name"], r["status"], r["health"]["status"] if "health" in r else None)
            for r in plain["resources"]} == {("Deployment", "web", "Synced", "Healthy"),
                                             ("ConfigMap", "settings", "Synced", None)}
    web = argocd.get("deployment", "web", namespace="plain")
    assert web["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"] == "plain:apps/Deployment:plain/web"
    assert any(f["manager"] == "argocd-controller" and f["operation"] == "Apply"
               for f in web["metadata"]["managedFields"])

    cart = argocd.wait_app("cart", revision=revision)
    assert cart["sourceType"] == "Kustomize" and cart["summary"]["images"] == [f"{CART}:v1"]
    greeter = argocd.wait_app("greeter", revision=revision)
    assert greeter["sourceType"] == "Helm"
    assert argocd.get("configmap", "greeter", namespace="greeter")["data"] == {"greeting": "hi"}
    remote = argocd.wait_app("remote-chart", revision="0.1.0")
    assert remote["sourceType"] == "Helm"
    assert argocd.get("configmap", "remote", namespace="remote")["data"] == {"greeting": "hello"}


def application_info(setup: Setup, **args) -> dict:
    """eksforge.platform.argocd_application_info with a fresh kubeconfig (EKS tokens last 15 minutes)."""
    expect_failure = args.pop("expect_failure", False)
    return harness.run_module(setup.sandbox, "eksforge.platform.argocd_application_info",
                              {"kubeconfig": str(setup.cluster.kubeconfig()), **args}, aws=False,
                              expect_failure=expect_failure)


def test_a_bump_rolls_out_a_missing_image_degrades_and_self_heal_and_prune_act(argocd):
    argocd.apply(application("cart", {"repoURL": argocd.url, "path": "cart/overlays/local"}, "shop"))
    argocd.wait_app("cart")
    bumped = harness.run_module(argocd.sandbox, "eksforge.platform.gitops_image_tag", {
        "repository_url": argocd.url, "username": GIT_USERNAME, "password": GIT_PASSWORD, "region": "us-east-1",
        "path": "cart/overlays/local", "image": "cart", "tag": "v2"})
    argocd.kubectl("annotate", "applications.argoproj.io", "cart", "argocd.argoproj.io/refresh=normal",
                   namespace="argocd")
    rolled = application_info(argocd, name="cart", wait=True, revision=bumped["commit"][:7], wait_timeout=60,
                              wait_sleep=1)["applications"][0]
    assert (rolled["sync_status"], rolled["health_status"], rolled["revision"]) == ("Synced", "Healthy",
                                                                                    bumped["commit"])
    assert rolled["images"] == [f"{CART}:v2"] and rolled["history_revisions"][-1] == bumped["commit"]
    assert rolled["unhealthy_resources"] == [] and rolled["operation_phase"] == "Succeeded"
    assert "argocd.argoproj.io/refresh" not in argocd.app("cart")["metadata"].get("annotations", {})
    deployment = argocd.get("deployment", "cart", namespace="shop")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == f"{CART}:v2"

    # v3 is not in ECR: the pods cannot pull it, the rollout misses its deadline, the Application is Degraded.
    missing = harness.run_module(argocd.sandbox, "eksforge.platform.gitops_image_tag", {
        "repository_url": argocd.url, "username": GIT_USERNAME, "password": GIT_PASSWORD,
        "path": "cart/overlays/local", "image": "cart", "tag": "v3", "check_image": False, "region": "us-east-1"})
    refused = application_info(argocd, name="cart", wait=True, revision=missing["commit"], wait_timeout=60,
                               wait_sleep=1, fail_on_degraded=True, expect_failure=True)
    assert refused["msg"] == (f"Application cart at revision {missing['commit']} is Degraded: cart is "
                              f"Synced/Degraded at revision {missing['commit']}; not healthy: Deployment shop/cart is "
                              'Degraded (Deployment "cart" exceeded its progress deadline)')
    pods = json.loads(argocd.kubectl("get", "pods", "-l", "app=cart", "-o", "json", namespace="shop"))["items"]
    waiting = [p["status"]["containerStatuses"][0]["state"].get("waiting", {}) for p in pods
               if p["spec"]["containers"][0]["image"].endswith(":v3")]
    assert waiting and all(w.get("reason") == "ImagePullBackOff" and "not found" in w["message"] for w in waiting)
    push_image(argocd.cluster.boto3("ecr"), "shop/cart", "v3")  # the image arrives: the pods start
    argocd.wait_app("cart", revision=missing["commit"])

    # Self-heal reverts a manual scale; prune removes what a deleted file described.
    argocd.apply(application("plain", {"repoURL": argocd.url, "path": "plain", "targetRevision": "main"}, "plain"))
    argocd.wait_app("plain")
    argocd.kubectl("scale", "deployment", "web", "--replicas=3", namespace="plain")
    wait_until(lambda: argocd.get("deployment", "web", namespace="plain")["spec"]["replicas"] == 1, timeout=20)
    removed = push_files(argocd.sandbox, REPOSITORY, {"plain/settings.yaml": None}, "remove settings")
    argocd.kubectl("annotate", "applications.argoproj.io", "plain", "argocd.argoproj.io/refresh=normal",
                   namespace="argocd")
    pruned = argocd.wait_app("plain", revision=removed)
    assert argocd.get("configmap", "settings", namespace="plain") is None
    assert any(r["status"] == "Pruned" and r["name"] == "settings"
               for r in pruned["operationState"]["syncResult"]["resources"])


def test_app_of_apps_and_deletion_with_the_resources_finalizer(argocd):
    argocd.apply(application("root", {"repoURL": argocd.url, "path": "apps", "targetRevision": "main"}, "argocd",
                             automated={"prune": True}))
    root = argocd.wait_app("root")
    assert [(r["kind"], r["name"]) for r in root["resources"]] == [("Application", "child")]
    child = argocd.wait_app("child")
    assert {r["name"] for r in child["resources"]} >= {"web"}
    assert argocd.get("deployment", "web", namespace="child")["metadata"]["annotations"][
        "argocd.argoproj.io/tracking-id"] == "child:apps/Deployment:child/web"

    argocd.kubectl("delete", "applications.argoproj.io", "root", "--wait=false", namespace="argocd")
    wait_until(lambda: argocd.get("applications.argoproj.io", "root") is None, timeout=20)
    wait_until(lambda: argocd.get("applications.argoproj.io", "child") is None, timeout=20)
    assert argocd.get("deployment", "web", namespace="child") is None


def test_a_wrong_repository_password_is_a_comparison_error(argocd):
    argocd.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {
        "name": "other", "namespace": "argocd", "labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "data": {"url": base64.b64encode(f"{argocd.sandbox.git_url}/other.git".encode()).decode(),
                 "username": base64.b64encode(GIT_USERNAME.encode()).decode(),
                 "password": base64.b64encode(b"wrong").decode()}})
    argocd.apply(application("other", {"repoURL": f"{argocd.sandbox.git_url}/other.git", "path": "."}, "other"))
    status = argocd.wait_app("other", sync="Unknown", health="Unknown", timeout=20)
    assert status["conditions"][0]["type"] == "ComparisonError"
    assert "authentication required" in status["conditions"][0]["message"] and "wrong" not in json.dumps(status)
