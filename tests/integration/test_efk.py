"""roles/efk against a sandbox EKS cluster (the simulated ECK operator behind the real eck-operator chart, the
real fluent-bit chart from the mirror): bad input refused first, --check writes nothing, a cold install gets
green, a second run changes nothing (and at -vvv shows no password), destroy leaves nothing, claims and volumes
included. The Fluent Bit configuration the chart renders with the role's values is checked with helm."""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import threading

import pytest
import yaml

from sandbox import harness
from tests.integration.support.asserts import assert_host_failed_with, assert_idempotent, assert_ran, wait_for
from tests.integration.support.cluster import (add_gp3_storage_class, client, kubectl_json, make_cluster, run_role,
                                                  run_role_per_case)

PASSWORDS = {"efk_writer_password": "writer-Secret-7f3a", "efk_viewer_password": "viewer-Secret-91bc",
             "efk_admin_password": "admin-Secret-5d2e"}
BASE = {"platform_role": "efk", "efk_enabled": True, "efk_ready_timeout": 120, **PASSWORDS}


@pytest.fixture(scope="module")
def cluster(private_sandbox, tmp_path_factory):
    """A cluster with the gp3 storage class (the addons role's, made here with kubectl)."""
    outputs, env = make_cluster(private_sandbox, "logging", "10.62", tmp_path_factory.mktemp("efk-home"))
    add_gp3_storage_class(env)
    return private_sandbox, outputs, env


def run(cluster, check: bool = False, verbosity: int = 0, **variables):
    return run_role(cluster, {**BASE, **variables}, check=check, verbosity=verbosity)


def leftovers(cluster) -> list[str]:
    names = [f"{i['kind']}/{i['metadata']['name']}" for i in kubectl_json(
        cluster, "get", "persistentvolumeclaims,persistentvolumes,statefulsets,deployments,daemonsets",
        "--all-namespaces")["items"]]
    namespaces = {i["metadata"]["name"] for i in kubectl_json(cluster, "get", "namespaces")["items"]}
    return names + sorted(namespaces & {"logging", "elastic-system"}) + \
        [r["name"] for r in json.loads(client(cluster[2], "helm", "list", "-A", "-o", "json").stdout)]


# (the bad variables, text the failure must contain): each a host of one run of the role.
BAD_INPUT = [
    ({"efk_node_sets": [{"name": "master", "count": 2, "roles": ["master"], "storage": "10Gi", "memory": "2Gi",
                         "cpu": "1"}]},
     "efk_node_sets must have an odd number of master-eligible nodes"),
    ({"efk_node_sets": [{"name": "master", "count": 1, "roles": ["master"], "storage": "10Gi", "memory": "2Gi",
                         "cpu": "lots"}]},
     "efk_node_sets entry 'master': cpu must be a Kubernetes quantity such as 1 or 500m, got 'lots'"),
    ({"efk_domain": "example.com", "platform_environment": "prod"}, "in prod a domain needs efk_certificate_arn"),
]


@pytest.fixture(scope="module")
def refused(cluster, tmp_path_factory):
    """One run of the role with a host per case of BAD_INPUT, named by its index."""
    return run_role_per_case(cluster, tmp_path_factory.mktemp("efk-bad-input"),
                             {f"case{index}": {**BASE, **bad} for index, (bad, _) in enumerate(BAD_INPUT)})


def test_bad_input_installs_nothing_and_shows_no_password(refused):
    assert "ECK operator chart" not in refused.output
    assert PASSWORDS["efk_writer_password"] not in refused.output


@pytest.mark.parametrize("index", range(len(BAD_INPUT)), ids=[message[:40] for _, message in BAD_INPUT])
def test_bad_input_is_refused_before_the_cluster_is_called(refused, index):
    assert_host_failed_with(refused, f"case{index}", BAD_INPUT[index][1])


def test_a_missing_password_is_refused_before_the_cluster_is_called(cluster):
    """A run of its own: the check of the passwords is no_log, so its message shows only in the run's error line,
    which names no host."""
    refused = run(cluster, efk_admin_password="")
    assert refused.rc != 0 and refused.failed == 1, refused.output[-3000:]
    assert "efk_writer_password, efk_viewer_password and efk_admin_password must each be set" in \
        " ".join(refused.output.split()), refused.output[-3000:]
    assert "ECK operator chart" not in refused.output and PASSWORDS["efk_writer_password"] not in refused.output


def test_check_install_idempotence_and_destroy(cluster):
    planned = run(cluster, check=True)
    assert_ran(planned)
    assert planned.changed >= 3
    assert leftovers(cluster) == []  # --check installed nothing

    assert_ran(run(cluster))
    es = kubectl_json(cluster, "get", "elasticsearch", "logs", "-n", "logging")
    assert (es["status"]["health"], es["status"]["phase"]) == ("green", "Ready")
    [node_set] = es["spec"]["nodeSets"]
    claim = node_set["volumeClaimTemplates"][0]["spec"]
    assert (claim["storageClassName"], claim["resources"]["requests"]["storage"]) == ("gp3", "10Gi")
    assert [r["secretName"] for r in es["spec"]["auth"]["fileRealm"]] == \
        ["logs-user-writer", "logs-user-viewer", "logs-user-admin"]
    writer = kubectl_json(cluster, "get", "secret", "logs-user-writer", "-n", "logging")
    assert writer["type"] == "kubernetes.io/basic-auth"
    assert base64.b64decode(writer["data"]["password"]).decode() == PASSWORDS["efk_writer_password"]
    assert base64.b64decode(writer["data"]["roles"]).decode() == "eksforge_log_writer"
    roles = yaml.safe_load(base64.b64decode(kubectl_json(cluster, "get", "secret", "logs-roles", "-n", "logging")
                                            ["data"]["roles.yml"]))
    assert roles["eksforge_log_writer"]["indices"][0]["names"] == ["local-logs-*"]
    assert kubectl_json(cluster, "get", "kibana", "logs", "-n", "logging")["status"]["health"] == "green"
    assert kubectl_json(cluster, "get", "daemonset", "fluent-bit", "-n", "logging")["status"]["numberReady"] >= 1
    [job] = kubectl_json(cluster, "get", "jobs", "-n", "logging")["items"]
    assert job["status"]["succeeded"] == 1
    setup = kubectl_json(cluster, "get", "configmap", job["metadata"]["name"], "-n", "logging")["data"]
    assert json.loads(setup["ilm-policy.json"])["policy"]["phases"]["delete"]["min_age"] == "14d"
    assert json.loads(setup["index-template.json"])["template"]["settings"]["index.lifecycle.name"] == \
        "local-logs-retention"

    quiet = run(cluster, verbosity=3)
    assert_idempotent(quiet)
    for secret in PASSWORDS.values():
        assert secret not in quiet.output and base64.b64encode(secret.encode()).decode() not in quiet.output

    assert_ran(run(cluster, platform_role_tasks="destroy"))
    assert wait_for(lambda: leftovers(cluster), lambda found: found == [], timeout=60) == []


@pytest.fixture(scope="module")
def composed(cluster, tmp_path_factory):
    """What the role composes without a cluster: the Fluent Bit values file and the setup Job's files."""
    folder = tmp_path_factory.mktemp("efk-composed")
    rendered = harness.run_playbook(cluster[0], "tests/integration/playbooks/efk_values.yml",
                                    extra_vars={**BASE, "efk_values_file": str(folder / "values.json"),
                                                "efk_setup_dir": str(folder)})
    assert_ran(rendered)
    return folder


class StandIn(http.server.BaseHTTPRequestHandler):
    """Exactly the three Elasticsearch/Kibana endpoints the setup Job calls; anything else is a 404."""

    ENDPOINTS = {("PUT", "/_ilm/policy/local-logs-retention"), ("PUT", "/_index_template/local-logs"),
                 ("POST", "/kibana/api/data_views/data_view")}
    received: list = []

    def _answer(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        auth = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
        known = (self.command, self.path) in self.ENDPOINTS and auth == "log-admin:" + PASSWORDS["efk_admin_password"]
        StandIn.received.append((self.command, self.path, self.headers["Content-Type"], self.headers.get("kbn-xsrf"),
                                 body))
        self.send_response(200 if known else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"acknowledged": true}')

    do_PUT = do_POST = _answer

    def log_message(self, *args):  # quiet
        pass


def test_setup_job_calls_exactly_the_stand_in_endpoints(composed):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        ran = subprocess.run(["/bin/sh", str(composed / "setup.sh")], capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", "ES_URL": url, "KIBANA_URL": f"{url}/kibana",
                                  "CA_DIR": str(composed), "FILES": str(composed), "ES_USER": "log-admin",
                                  "ES_PASSWORD": PASSWORDS["efk_admin_password"]}, check=False)
    finally:
        server.shutdown()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert PASSWORDS["efk_admin_password"] not in ran.stdout + ran.stderr
    assert [(m, p) for m, p, *_ in StandIn.received] == [
        ("PUT", "/_ilm/policy/local-logs-retention"), ("PUT", "/_index_template/local-logs"),
        ("POST", "/kibana/api/data_views/data_view")]
    policy, template, view = (r[4] for r in StandIn.received)
    assert policy == {"policy": {"phases": {"hot": {"actions": {}}, "delete": {"min_age": "14d",
                                                                               "actions": {"delete": {}}}}}}
    assert template["index_patterns"] == ["local-logs-*"]
    assert template["template"]["settings"]["index.lifecycle.name"] == "local-logs-retention"
    assert view == {"data_view": {"id": "local-logs", "title": "local-logs-*", "name": "local-logs",
                                  "timeFieldName": "@timestamp"}, "override": True}
    assert {(r[2], r[3]) for r in StandIn.received} == {("application/json", "eksforge")}


def test_fluent_bit_configuration_rendered_by_the_chart(cluster, composed):
    """helm template of the mirror's fluent-bit chart with the values the role composes."""
    env = cluster[2]
    values = composed / "values.json"
    templated = client(env, "helm", "template", "fluent-bit", str(harness.REPO_ROOT.parent / "shared" / "charts" /
                                                                    "fluent" / "fluent-bit-0.58.1.tgz"),
                       "-n", "logging", "-f", str(values))
    assert templated.returncode == 0, templated.stderr
    documents = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(templated.stdout) if d}
    config = documents[("ConfigMap", "fluent-bit")]["data"]["fluent-bit.conf"]
    sections = [block.split("\n") for block in config.split("[")[1:]]
    inputs = [s for s in sections if s[0] == "INPUT]"]
    assert [dict(line.split(None, 1) for line in s[1:] if line.strip()) ["Name"] for s in inputs] == ["tail"]
    [kubernetes] = [s for s in sections if s[0] == "FILTER]"]
    assert "Name kubernetes" in [" ".join(line.split()) for line in kubernetes]
    [output] = [dict(line.split(None, 1) for line in s[1:] if line.strip()) for s in sections if s[0] == "OUTPUT]"]
    assert {k: output[k] for k in ("Name", "Host", "Port", "tls", "tls.verify", "tls.ca_file", "HTTP_User",
                                   "HTTP_Passwd", "Logstash_Prefix", "Logstash_DateFormat")} == {
        "Name": "es", "Host": "logs-es-http.logging.svc", "Port": "9200", "tls": "On", "tls.verify": "On",
        "tls.ca_file": "/fluent-bit/tls/elasticsearch/ca.crt", "HTTP_User": "${ES_USER}",
        "HTTP_Passwd": "${ES_PASSWORD}", "Logstash_Prefix": "local-logs", "Logstash_DateFormat": "%Y.%m.%d"}
    daemonset = documents[("DaemonSet", "fluent-bit")]["spec"]["template"]["spec"]
    env_vars = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in daemonset["containers"][0]["env"]}
    assert env_vars == {"ES_USER": {"name": "logs-user-writer", "key": "username"},
                        "ES_PASSWORD": {"name": "logs-user-writer", "key": "password"}}
    assert {"name": "elasticsearch-ca", "secret": {"secretName": "logs-es-http-certs-public",
                                                   "items": [{"key": "ca.crt", "path": "ca.crt"}]}} \
        in daemonset["volumes"]
