"""AWX's way of running job templates, without an AWX server: the job templates of awx/assets.json run the way
AWX runs a job (awx/main/tasks/jobs.py of AWX 24).

- Project: the repository's files (what a clone holds: tracked and not ignored), copied into the job's private
  data dir as `project/`; the playbook path is the template's, relative to it, and the project's ansible.cfg is
  the one in the working directory.
- Execution environment: the collection built by `ansible-galaxy collection build` and installed, as
  execution-environment.yml installs it, into a collections folder on ANSIBLE_COLLECTIONS_PATH (AWX's order:
  requirements_collections, the project's collections_path, ~/.ansible/collections, the image's collections);
  the venv's Python, ansible and binaries stand in for the image's.
- Inventory: an inventory source `inventories/<env>` of the project is synced with `ansible-inventory --list
  --export`; the job gets it as AWX writes it, an executable script printing the JSON (with remote_tower_* host
  variables). The sandbox endpoints go into the inventory's variables, as an administrator would set them.
- Extra vars: the template's survey defaults, the launch's answers (checked against the survey as AWX checks
  them) and AWX's awx_*/tower_* variables, written as env/extravars with every string !unsafe, as AWX does for
  anything not in the template's own extra_vars; credentials are injected as AWX does (Amazon Web Services as
  environment variables, Vault through the vault password prompt, custom types' extra_vars as an -e @file).
- ansible-runner transmit | worker | process: the pipeline AWX runs through receptor, the worker in a clean
  environment (no variable of the test process leaks into the job).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from sandbox.config import REPO_ROOT
from sandbox.harness import PlaybookRun

VENV_BIN = Path(sys.executable).parent
ASSETS = json.loads((REPO_ROOT / "awx" / "assets.json").read_text())
VAULT_PASSWORD = "vault-secret-for-tests"
# AWX's settings that become ANSIBLE_* job environment (awx/settings/defaults.py).
AWX_SETTINGS_ENV = {"ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS": "False",
                    "ANSIBLE_FORCE_COLOR": "True", "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True"}


class SurveyAnswerRefused(ValueError):
    """AWX refuses the launch (HTTP 400) before any job runs."""


class UnsafeDumper(yaml.SafeDumper):
    """Every string as `!unsafe` (AWX's safe_dump for untrusted extra vars)."""

    def represent_data(self, data):
        if isinstance(data, str):
            return self.represent_scalar("!unsafe", data)
        return super().represent_data(data)


@dataclass
class AwxJob(PlaybookRun):
    """One job as the tests' other runs report theirs (recap per host from runner's playbook_on_stats event, output,
    the sandbox's API calls and Kubernetes writes), with the job template's name and runner's status."""

    template: str = ""
    status: str = ""


def recap(stats: dict) -> dict[str, dict[str, int]]:
    """runner's playbook_on_stats counts as the PLAY RECAP of each host."""
    names = {"ok": "ok", "changed": "changed", "failures": "failed", "dark": "unreachable", "skipped": "skipped",
             "rescued": "rescued", "ignored": "ignored"}
    hosts = {host for key in names for host in stats.get(key, {})}
    return {host: {recap_name: stats.get(key, {}).get(host, 0) for key, recap_name in names.items()} for host in hosts}


def template(name: str) -> dict:
    return next(item for resource in ("job_templates", "workflow_job_templates") for item in ASSETS[resource]
                if item["name"] == name)


def credential_inputs(credential: dict, sandbox) -> dict:
    """What an administrator typed into each credential of the assets for the sandbox."""
    kind = credential["credential_type"]["name"]
    if kind == "Amazon Web Services":
        return {"username": sandbox.env["AWS_ACCESS_KEY_ID"], "password": sandbox.env["AWS_SECRET_ACCESS_KEY"]}
    if kind == "Vault":
        return {"vault_password": VAULT_PASSWORD}
    username, token = sandbox.git_credentials  # the GitOps repository: the sandbox's git server
    return {"username": username, "token": token}


def survey_extra_vars(spec: dict | None, answers: dict) -> dict:
    """The survey's defaults overlaid with the answers, refused as AWX refuses a launch it does not accept."""
    questions = {question["variable"]: question for question in (spec or {}).get("spec", [])}
    unknown = set(answers) - set(questions)
    if unknown:
        raise SurveyAnswerRefused(f"variables not in the survey: {sorted(unknown)}")
    values = {}
    for variable, question in questions.items():
        if variable in answers:
            value = answers[variable]
        elif question.get("default") not in (None, ""):
            value = question["default"]
        elif question["required"]:
            raise SurveyAnswerRefused(f"'{variable}' value missing")
        else:
            continue
        kind = question["type"]
        if kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
            raise SurveyAnswerRefused(f"Value {value!r} for '{variable}' expected to be an integer.")
        if kind == "multiplechoice" and value not in question["choices"]:
            raise SurveyAnswerRefused(f"Value {value!r} for '{variable}' expected to be one of {question['choices']}.")
        if kind in ("text", "textarea", "password") and not question["min"] <= len(str(value)) <= question["max"]:
            raise SurveyAnswerRefused(f"'{variable}' must be between {question['min']} and {question['max']} long.")
        values[variable] = value
    return values


class AwxRunner:
    """Launches the job templates and the workflow of awx/assets.json against a sandbox."""

    def __init__(self, workdir: Path, sandbox):
        self.workdir = Path(workdir)
        self.sandbox = sandbox
        self.jobs = 0
        self.project = self.workdir / "project-cache"
        self._copy_project()
        self.ee_collections = self.workdir / "ee-collections"
        self._install_collection()
        self.inventories: dict[str, dict] = {}

    def _copy_project(self) -> None:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                                capture_output=True, check=True).stdout.decode().split("\0")
        for name in filter(None, listed):
            source = REPO_ROOT / name
            if source.is_file():
                target = self.project / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)

    def _install_collection(self) -> None:
        build = self.workdir / "collection-build"
        self._tool("ansible-galaxy", "collection", "build", "--output-path", str(build), str(REPO_ROOT))
        tarball = next(build.glob("eksforge-platform-*.tar.gz"))
        self._tool("ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", str(self.ee_collections),
                   str(tarball))

    def _tool(self, *command: str, cwd: Path | None = None, env: dict | None = None) -> str:
        done = subprocess.run([str(VENV_BIN / command[0]), *command[1:]], cwd=cwd or self.workdir,
                              env=env or self._clean_env(), capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def _clean_env(self) -> dict:
        home = self.workdir / "home"
        home.mkdir(exist_ok=True)
        return {"PATH": f"{VENV_BIN}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(home), "LANG": "C.UTF-8"}

    def inventory(self, environment: str) -> dict:
        """The inventory source inventories/<environment> synced as AWX syncs it (ansible-inventory --export)."""
        if environment not in self.inventories:
            source = self.project / "inventories" / environment
            env = dict(self._clean_env(), ANSIBLE_INVENTORY_UNPARSED_FAILED="True", ANSIBLE_INVENTORY_EXPORT="True",
                       ANSIBLE_VERBOSE_TO_STDERR="True")
            data = json.loads(self._tool("ansible-inventory", "--list", "--export", "-i", str(source),
                                         "--playbook-dir", str(source), cwd=self.project, env=env))
            # The administrator points the local inventory at this sandbox (AWX's inventory variables).
            if environment == "local":
                data["all"].setdefault("vars", {}).update(
                    aws_endpoint_url=self.sandbox.aws_endpoint, chart_mirror_url=self.sandbox.chart_mirror_url,
                    git_server_url=self.sandbox.git_url)
            for number, hostvars in enumerate(data["_meta"]["hostvars"].values(), start=1):
                hostvars.update(remote_tower_enabled="true", remote_tower_id=number)
            self.inventories[environment] = data
        return self.inventories[environment]

    def launch(self, name: str, answers: dict | None = None, *, environment: str = "local",
               workflow_vars: dict | None = None) -> AwxJob:
        """Run one job template as AWX runs it; SurveyAnswerRefused when AWX would refuse the launch."""
        item = template(name)
        extra_vars = dict(yaml.safe_load(item["extra_vars"]) or {})
        extra_vars.update(survey_extra_vars(item["related"].get("survey_spec"), answers or {}))
        extra_vars.update(workflow_vars or {})
        self.jobs += 1
        job_id = self.jobs
        data_dir = self.workdir / f"job-{job_id}"
        # The worker's private data dir: /runner inside AWX's execution environment container.
        runner = self.workdir / f"runner-{job_id}"
        shutil.copytree(self.project, data_dir / "project", symlinks=True)
        (data_dir / "env").mkdir()
        (data_dir / "inventory").mkdir()
        extra_vars.update(awx_job_id=job_id, tower_job_id=job_id, awx_job_launch_type="manual",
                          awx_job_template_name=name, awx_user_name="admin",
                          awx_inventory_name=f"eksforge {environment}", awx_project_revision="HEAD")
        (data_dir / "env" / "extravars").write_text(yaml.dump(extra_vars, Dumper=UnsafeDumper))
        inventory = data_dir / "inventory" / "hosts"
        inventory.write_text("#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n"
                             % json.dumps(self.inventory(environment)))
        inventory.chmod(0o700)

        env = dict(AWX_SETTINGS_ENV, AWX_PRIVATE_DATA_DIR=str(runner), JOB_ID=str(job_id), INVENTORY_ID="1",
                   PROJECT_REVISION="HEAD", ANSIBLE_RETRY_FILES_ENABLED="False", MAX_EVENT_RES="700000",
                   AWX_HOST="https://awx.example.invalid", ANSIBLE_SSH_CONTROL_PATH_DIR=f"{runner}/cp",
                   ANSIBLE_ROLES_PATH=f"{runner}/requirements_roles:~/.ansible/roles:/usr/share/ansible/roles",
                   ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(
                       [f"{runner}/requirements_collections", ".venv/collections", "~/.ansible/collections",
                        str(self.ee_collections)]))
        args = ["-u", "root"]
        passwords = {}
        for key in item["related"]["credentials"]:
            credential = next(entry for entry in ASSETS["credentials"] if entry["natural_key"] == key)
            inputs = credential_inputs(credential, self.sandbox)
            kind = credential["credential_type"]["name"]
            if kind == "Amazon Web Services":
                env.update(AWS_ACCESS_KEY_ID=inputs["username"], AWS_SECRET_ACCESS_KEY=inputs["password"])
            elif kind == "Vault":
                args.append("--ask-vault-pass")
                passwords[r"Vault password:\s*?$"] = inputs["vault_password"]
            else:
                custom = next(entry for entry in ASSETS["credential_types"]
                              if entry["natural_key"] == credential["credential_type"])
                injected = {variable: self._render(value, inputs)
                            for variable, value in custom["injectors"].get("extra_vars", {}).items()}
                path = data_dir / "env" / f"credential-{len(args)}"
                path.write_text(yaml.dump(injected, Dumper=UnsafeDumper))
                args += ["-e", f"@{runner}/env/{path.name}"]
        (data_dir / "env" / "cmdline").write_text(" ".join(args))
        (data_dir / "env" / "passwords").write_text(json.dumps(passwords))
        (data_dir / "env" / "envvars").write_text(json.dumps(env))
        (data_dir / "env" / "settings").write_text(json.dumps({"suppress_ansible_output": True}))

        self.sandbox.reset_calls()
        self.sandbox.k8s_writes(clear=True)
        run = subprocess.run(
            f"{VENV_BIN}/ansible-runner transmit {data_dir} -p {item['playbook']} --inventory {data_dir}/inventory/hosts"
            f" --ident {job_id} | {VENV_BIN}/ansible-runner worker --private-data-dir {runner}"
            f" | {VENV_BIN}/ansible-runner process {data_dir} --ident {job_id}",
            shell=True, cwd=self.workdir, env=self._clean_env(), capture_output=True, text=True, timeout=1800,
            check=False)
        artifacts = data_dir / "artifacts" / str(job_id)
        assert (artifacts / "status").exists(), f"runner did not run the job:\n{run.stdout}\n{run.stderr}"
        events = [json.loads(path.read_text()) for path in sorted((artifacts / "job_events").glob("*.json"))]
        stats = next((event["event_data"] for event in events if event["event"] == "playbook_on_stats"), {})
        return AwxJob(rc=int((artifacts / "rc").read_text()), output=(artifacts / "stdout").read_text(),
                      recap=recap(stats), calls=self.sandbox.calls(), k8s_writes=self.sandbox.k8s_writes(),
                      template=name,
                      status=(artifacts / "status").read_text().strip())

    @staticmethod
    def _render(value: str, inputs: dict) -> str:
        """A credential type injector's `{{ field }}` template with the credential's inputs."""
        for name, text in inputs.items():
            value = value.replace("{{ " + name + " }}", text)
        return value

    def workflow(self, name: str, answers: dict | None = None, *, environment: str = "local") -> list[tuple[str, AwxJob]]:
        """Run a workflow job template as AWX's workflow manager does: root nodes first, then each node whose
        parent took the edge (success, failure or always) leading to it; the workflow's survey values go to
        every job. Returns (node identifier, job) in the order they ran."""
        item = template(name)
        values = survey_extra_vars(item["related"].get("survey_spec"), answers or {})
        nodes = {node["identifier"]: node for node in item["related"]["workflow_nodes"]}
        parents: dict[str, list[tuple[str, str]]] = {identifier: [] for identifier in nodes}
        for identifier, node in nodes.items():
            for edge in ("success", "failure", "always"):
                for child in node["related"][f"{edge}_nodes"]:
                    parents[child["identifier"]].append((identifier, edge))
        outcome: dict[str, str] = {}  # identifier -> successful | failed | not run
        ran: list[tuple[str, AwxJob]] = []
        while len(outcome) < len(nodes):
            for identifier, node in nodes.items():
                if identifier in outcome or any(parent not in outcome for parent, _ in parents[identifier]):
                    continue
                triggered = not parents[identifier] or any(
                    edge == "always" and outcome[parent] != "not run"
                    or edge == "success" and outcome[parent] == "successful"
                    or edge == "failure" and outcome[parent] == "failed"
                    for parent, edge in parents[identifier])
                if not triggered:
                    outcome[identifier] = "not run"
                    continue
                job = self.launch(node["unified_job_template"]["name"], environment=environment, workflow_vars=values)
                outcome[identifier] = job.status if job.status == "successful" else "failed"
                ran.append((identifier, job))
        return ran
