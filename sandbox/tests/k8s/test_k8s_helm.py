"""helm 3 (client-side three-way merge) and helm 4 (server-side apply) install, upgrade, rollback, uninstall, and
`--wait` on the workloads whose readiness helm reads from controller status (StatefulSet, DaemonSet)."""

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


WORKLOADS_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: workloads\nversion: 0.1.0\n",
    "values.yaml": "image: nginx:1.25\n",
    "templates/all.yaml": """\
{{- range $kind := list "StatefulSet" "DaemonSet" }}
---
apiVersion: apps/v1
kind: {{ $kind }}
metadata: {name: {{ $.Release.Name }}-{{ lower $kind }}}
spec:
  {{- if eq $kind "StatefulSet" }}
  serviceName: {{ $.Release.Name }}
  replicas: 2
  {{- end }}
  selector: {matchLabels: {app: {{ lower $kind }}}}
  template:
    metadata: {labels: {app: {{ lower $kind }}}}
    spec:
      containers:
        - name: web
          image: {{ $.Values.image }}
          readinessProbe: {httpGet: {port: 80}}
{{- end }}
""",
}


def write_chart(path, files: dict):
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return path


@pytest.fixture
def chart(tmp_path):
    return write_chart(tmp_path / "chart", CHART)


def helm_runner(eks, namespace, home, helm):
    """`helm_ok(*args)`: run helm against the namespace, with its cache and config under `home`."""
    env = {**eks.env, "KUBECONFIG": str(eks.kubeconfig(namespace=namespace)), "HOME": str(eks.tmp),
           "HELM_CACHE_HOME": str(home / "cache"), "HELM_CONFIG_HOME": str(home / "config"),
           "HELM_DATA_HOME": str(home / "data")}

    def helm_ok(*args):
        result = run([BIN / helm, *args, "--namespace", namespace], env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout
    return helm_ok


@pytest.mark.slow
@pytest.mark.parametrize("helm", ["helm3", "helm4"])
def test_install_upgrade_rollback_uninstall(eks, namespace, chart, helm):
    helm_ok = helm_runner(eks, namespace, chart.parent, helm)

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


@pytest.mark.parametrize("helm", ["helm3", "helm4"])
def test_wait_on_statefulsets_and_daemonsets(eks, namespace, tmp_path, helm):
    chart = write_chart(tmp_path / "workloads", WORKLOADS_CHART)
    helm_ok = helm_runner(eks, namespace, tmp_path, helm)
    helm_ok("install", "rel", str(chart), "--wait", "--timeout", "60s")
    helm_ok("upgrade", "rel", str(chart), "--set", "image=nginx:1.27", "--wait", "--timeout", "60s")
    sts = json.loads(eks.kubectl("get", "statefulset", "rel-statefulset", "-o", "json", namespace=namespace).stdout)
    assert sts["status"]["currentRevision"] == sts["status"]["updateRevision"]
    assert sts["status"]["updatedReplicas"] == sts["status"]["readyReplicas"] == 2
    ds = json.loads(eks.kubectl("get", "daemonset", "rel-daemonset", "-o", "json", namespace=namespace).stdout)
    assert ds["status"]["updatedNumberScheduled"] == ds["status"]["numberReady"] == 2
    images = eks.kubectl("get", "pods", "-o", "jsonpath={.items[*].spec.containers[0].image}", namespace=namespace)
    assert images.stdout.split() == ["nginx:1.27"] * 4
