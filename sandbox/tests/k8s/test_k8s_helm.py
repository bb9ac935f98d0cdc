"""helm 3 (client-side three-way merge) and helm 4 (server-side apply) install, upgrade, rollback, uninstall."""

from __future__ import annotations

import json

import pytest

from sandbox.tests.k8s.k8s_helpers import BIN, run

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    "values.yaml": "replicas: 1\nmessage: hello\n",
    "templates/all.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata: {name: {{ .Release.Name }}-cfg}
data: {message: {{ .Values.message | quote }}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}-web}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app: {{ .Release.Name }}}}
    spec:
      containers: [{name: web, image: "nginx:1.25", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: {{ .Release.Name }}-svc}
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{port: 80}]
""",
}


@pytest.fixture
def chart(tmp_path):
    for name, text in CHART.items():
        (tmp_path / "chart" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "chart" / name).write_text(text)
    return tmp_path / "chart"


@pytest.mark.slow
@pytest.mark.parametrize("helm", ["helm3", "helm4"])
def test_install_upgrade_rollback_uninstall(eks, namespace, chart, helm):
    env = {**eks.env, "KUBECONFIG": str(eks.kubeconfig(namespace=namespace)), "HOME": str(eks.tmp),
           "HELM_CACHE_HOME": str(chart.parent / "cache"), "HELM_CONFIG_HOME": str(chart.parent / "config"),
           "HELM_DATA_HOME": str(chart.parent / "data")}

    def helm_ok(*args):
        result = run([BIN / helm, *args, "--namespace", namespace], env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def live(kind, name):
        result = eks.kubectl("get", kind, name, "-o", "json", namespace=namespace)
        return json.loads(result.stdout) if result.returncode == 0 else None

    helm_ok("install", "rel", str(chart), "--wait", "--timeout", "60s")
    assert live("deploy", "rel-web")["status"]["readyReplicas"] == 1
    helm_ok("upgrade", "rel", str(chart), "--set", "replicas=2", "--set", "message=bye", "--wait", "--timeout", "60s")
    assert live("deploy", "rel-web")["status"]["readyReplicas"] == 2
    assert live("cm", "rel-cfg")["data"] == {"message": "bye"}
    helm_ok("rollback", "rel", "1", "--wait", "--timeout", "60s")
    assert live("cm", "rel-cfg")["data"] == {"message": "hello"}
    assert live("deploy", "rel-web")["spec"]["replicas"] == 1
    history = json.loads(helm_ok("history", "rel", "-o", "json"))
    assert [h["revision"] for h in history] == [1, 2, 3] and history[-1]["status"] == "deployed"
    releases = eks.kubectl("get", "secrets", "-l", "owner=helm,name=rel", "-o", "name", namespace=namespace)
    assert len(releases.stdout.split()) == 3
    helm_ok("uninstall", "rel", "--wait", "--timeout", "60s")
    assert live("deploy", "rel-web") is None and live("svc", "rel-svc") is None and live("cm", "rel-cfg") is None
