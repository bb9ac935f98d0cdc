"""The one way the tests run Ansible against a sandbox.

`run_playbook` (sandbox/harness.py) runs a play and reports recap and API calls; `run_module` runs one module
(`ansible localhost -m`, sandbox/harness.py) and adds the API calls that run made to its result; `run_module_steps`
runs several in order in one playbook (one Ansible start) and gives each step's result the calls made during it;
`role_play` writes a play that applies one role with the collection's module_defaults and optionally saves a fact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import yaml

from sandbox import harness
from sandbox.harness import ModuleStep, PlaybookRun, Sandbox, run_playbook

from tests.integration.support.constants import AWS_MODULE_DEFAULTS, REGION

__all__ = ["ModuleStep", "PlaybookRun", "Sandbox", "role_play", "run_module", "run_module_steps", "run_playbook"]


def _call_counts(sandbox: Sandbox) -> Counter:
    return Counter({(call["service"], call["action"], call["kind"]): call["count"] for call in sandbox.calls()})


def run_module(sandbox: Sandbox, module: str, args: dict, *, region: str | None = REGION, check: bool = False,
               diff: bool = False, expect_failure: bool = False) -> dict:
    """Run `module` with `args` (plus `region` unless None) against the sandbox; returns its result with
    `mutating_calls` and `read_calls` ("service:Action", once per call) of exactly this run.

    The run must fail exactly when `expect_failure` says so. The sandbox's call counters are not reset, so a
    test can still sum the calls of several runs.
    """
    before = _call_counts(sandbox)
    arguments = dict({"region": region}, **args) if region else dict(args)
    result = harness.run_module(sandbox, module, arguments, check=check, diff=diff, expect_failure=expect_failure)
    made = _call_counts(sandbox) - before
    result["mutating_calls"] = sorted(f"{service}:{action}" for (service, action, kind), count in made.items()
                                      if kind == "mutating" for _ in range(count))
    result["read_calls"] = sorted(f"{service}:{action}" for (service, action, kind), count in made.items()
                                  if kind != "mutating" for _ in range(count))
    return result


def run_module_steps(sandbox: Sandbox, *steps: ModuleStep, region: str | None = REGION,
                     diff: bool = False) -> list[dict]:
    """Run the steps in order in one playbook; each result as `run_module` gives it, with the
    `mutating_calls` and `read_calls` the sandbox logged while that step's task ran (a failing step fails only when
    its `fails` says so, and does not stop the others)."""
    regional = [replace(step, args={"region": region, **step.args}) if region else step for step in steps]
    results = harness.run_modules(sandbox, regional, diff=diff)
    log = sandbox.call_log()
    for result in results:
        during = [call for call in log if result["started"] <= call["at"] <= result["ended"]]
        result["mutating_calls"] = sorted(f"{c['service']}:{c['action']}" for c in during if c["kind"] == "mutating")
        result["read_calls"] = sorted(f"{c['service']}:{c['action']}" for c in during if c["kind"] != "mutating")
    return results


def role_play(folder: Path, role: str, *, tasks_from: str | None = None, save: str | None = None) -> str:
    """Write `folder/<role>.yml`: the role applied to the `platform` hosts as playbooks/infra.yml applies it
    and, with `save` (a Jinja expression), that value saved as JSON to `folder/outputs.json` (in check mode
    too, reported as no change). Returns the playbook's path."""
    include = {"name": f"eksforge.platform.{role}", **({"tasks_from": tasks_from} if tasks_from else {})}
    tasks = [{"name": f"The {role} role", "ansible.builtin.import_role": include}]
    if save:
        tasks.append({"name": "Save the facts for the test", "ansible.builtin.copy": {
            "content": "{{ " + save + " | to_json }}", "dest": str(Path(folder) / "outputs.json"), "mode": "0600"},
            "check_mode": False, "changed_when": False})
    play = [{"name": f"Apply the {role} role", "hosts": "platform", "gather_facts": False,
             "module_defaults": AWS_MODULE_DEFAULTS, "tasks": tasks}]
    path = Path(folder) / (f"{role}_{tasks_from}.yml" if tasks_from else f"{role}.yml")
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return str(path)
