"""Writes awx/assets.json, the AWX resources of eksforge.platform in the format `awx import` (awxkit) reads, from
awx/resources.yml and the project itself (`python scripts/awx_assets.py`; `--check` only compares).

Survey questions come from the roles' meta/argument_specs.yml (entry point `main`): type, choices, default,
required and description, so they cannot drift from the roles. A template's survey names layers (the roles
playbooks/preflight.yml checks for each layer) or single variables (found in any role's argument specs, else in
resources.yml's playbook_variables). A layer's option becomes a question only when a survey answer can set it
safely:
- AWX hands survey answers to the play as extra vars, which win over the inventory; an option any inventory under
  inventories/ sets is left out, so a survey never overrides an environment's value (AWX 24 even sends null for
  a blank optional answer); so is an option a playbook sets (play or task `vars:`), which an extra var would
  override too;
- its type has a survey type: str/path (text, or multiplechoice with choices), int (integer), float, a list of
  str with choices (multiselect); bool and raw are left out (an answer is a string, and "false" is not false in a
  condition), so are dicts and other lists;
- it has a literal default (a default with a Jinja template would reach the play unrendered: AWX marks survey
  answers !unsafe) or is required; `<role>_state` is left out (the template chooses the path);
- a secret (no_log) option is asked only when required, as a password question without a default.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "awx" / "resources.yml"
ASSETS = ROOT / "awx" / "assets.json"
TEXT_MAX = 1024  # AWX's longest text answer unless a question says otherwise

SURVEY_TYPES = {"str": "text", "path": "text", "int": "integer", "float": "float"}


class SurveyError(ValueError):
    """A survey question that cannot be built from its source."""


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def role_specs() -> dict[str, dict[str, dict]]:
    """role -> entry point -> options, for every role with meta/argument_specs.yml."""
    specs = {}
    for path in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        entry_points = load_yaml(path)["argument_specs"]
        specs[path.parent.parent.name] = {name: entry.get("options", {}) for name, entry in entry_points.items()}
    return specs


def layer_roles() -> dict[str, list[str]]:
    """layer -> the roles playbooks/preflight.yml checks for it (the roles the layer's playbook applies)."""
    play = load_yaml(ROOT / "playbooks" / "preflight.yml")[0]
    return play["vars"]["preflight__layer_roles"]


def inventory_variables() -> set[str]:
    """Every variable some inventory under inventories/ sets (hosts files and group_vars/host_vars)."""
    names: set[str] = set()
    for path in sorted(ROOT.glob("inventories/*/**/*.yml")):
        data = load_yaml(path) or {}
        if path.parent.name in ("group_vars", "host_vars") or path.parent.parent.name in ("group_vars", "host_vars"):
            names.update(data)
        else:
            names.update(_hosts_file_variables(data))
    return names


def playbook_variables_set() -> set[str]:
    """Every variable a playbook under playbooks/ sets in a `vars:` of a play, an import or a task."""
    names: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("vars"), dict):
                names.update(node["vars"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(ROOT.glob("playbooks/*.yml")):
        walk(load_yaml(path))
    return names


def _hosts_file_variables(group: dict) -> set[str]:
    names: set[str] = set()
    for value in group.values():
        if isinstance(value, dict):
            names.update(value.get("vars", {}) or {})
            for host_vars in (value.get("hosts", {}) or {}).values():
                names.update(host_vars or {})
            names.update(_hosts_file_variables(value.get("children", {}) or {}))
    return names


def plain(text) -> str:
    """An argument spec description as one plain line (C(x) / V(x) / I(x) markup removed)."""
    if isinstance(text, list):
        text = " ".join(text)
    return re.sub(r"\b[CVIBO]\(([^)]*)\)", r"\1", " ".join(str(text).split()))


def question(variable: str, option: dict) -> dict:
    """The AWX survey question for one argument spec option; SurveyError when it has no survey form."""
    kind = option.get("type", "str")
    required = bool(option.get("required", False))
    entry = {"question_name": variable, "question_description": plain(option.get("description", "")),
             "variable": variable, "required": required}
    if option.get("no_log"):
        if not required:
            raise SurveyError(f"{variable}: a secret is asked only when required (never with a default)")
        return dict(entry, type="password", min=0, max=TEXT_MAX, default="")
    # A multiple choice answer is a string: only str options become one (int/float choices are the role's check).
    choices = [str(choice) for choice in option.get("choices", [])] if kind in ("str", "path", "list") else []
    if kind == "list":
        if option.get("elements", "str") != "str" or not choices:
            raise SurveyError(f"{variable}: a list needs elements: str and choices to be a multiselect")
        entry.update(type="multiselect", choices=choices)
    elif kind in SURVEY_TYPES:
        entry.update(type="multiplechoice" if choices else SURVEY_TYPES[kind])
        if choices:
            entry["choices"] = choices
    else:
        raise SurveyError(f"{variable}: type {kind} has no survey type")
    if entry["type"] in ("text", "password"):
        entry.update(min=0, max=TEXT_MAX)
    default = option.get("default")
    if default is not None:
        if isinstance(default, str) and "{{" in default:
            raise SurveyError(f"{variable}: its default {default!r} is a template, which a survey answer cannot be")
        entry["default"] = survey_default(variable, entry, default)
    elif not required:
        raise SurveyError(f"{variable}: neither required nor a literal default (the role computes it)")
    return entry


def survey_default(variable: str, entry: dict, default):
    """An argument spec default in the form AWX's question type takes (multiselect: one choice per line)."""
    kind = entry["type"]
    if kind == "multiselect":
        default = [str(item) for item in default]
        valid = set(default) <= set(entry["choices"])
        default = "\n".join(default)
    elif kind == "integer":
        valid = isinstance(default, int) and not isinstance(default, bool)
    elif kind == "float":
        valid = isinstance(default, (int, float)) and not isinstance(default, bool)
    else:
        default = str(default)
        valid = default in entry["choices"] if kind == "multiplechoice" else len(default) <= entry["max"]
    if not valid:
        raise SurveyError(f"{variable}: its default {default!r} is no valid answer of a {kind} question")
    return default


def layer_questions(layers: list[str], specs: dict, inventory_set: set[str]) -> list[dict]:
    """The questions of every option of the layers' roles that a survey can set safely (module docstring)."""
    questions, seen = [], set()
    roles = layer_roles()
    for layer in layers:
        for role in roles[layer]:
            for variable, option in specs[role]["main"].items():
                if variable in seen or variable in inventory_set or variable == f"{role}_state":
                    continue
                if option.get("type") == "bool" or (option.get("no_log") and not option.get("required")):
                    continue
                try:
                    entry = question(variable, option)
                except SurveyError:
                    continue
                seen.add(variable)
                questions.append(entry)
    return questions


def variable_questions(variables: list[str], specs: dict, playbook_variables: dict) -> list[dict]:
    """The questions for named variables: from the role argument spec declaring each, else playbook_variables."""
    questions = []
    for variable in variables:
        declared = [(role, entry_point, options[variable]) for role, entry_points in specs.items()
                    for entry_point, options in entry_points.items() if variable in options]
        if declared and variable in playbook_variables:
            role, entry_point, _ = declared[0]
            raise SurveyError(f"{variable} is declared by roles/{role}/meta/argument_specs.yml ({entry_point}): "
                              "remove it from playbook_variables in awx/resources.yml")
        if declared:
            questions.append(question(variable, declared[0][2]))
        elif variable in playbook_variables:
            questions.append(question(variable, playbook_variables[variable]))
        else:
            raise SurveyError(f"{variable}: no role argument spec and no playbook_variables entry declares it")
    return questions


def survey(name: str, source: dict | None, specs: dict, resources: dict, inventory_set: set[str]) -> dict | None:
    if not source:
        return None
    spec = (layer_questions(source.get("layers", []), specs, inventory_set)
            + variable_questions(source.get("variables", []), specs, resources.get("playbook_variables", {})))
    if not spec:
        return None
    return {"name": name, "description": "Generated from the roles' argument specs by scripts/awx_assets.py.",
            "spec": spec}


# --- natural keys (how `awx import` finds each object) --------------------------------------------------------

def organization_key(resources: dict) -> dict:
    return {"name": resources["organization"], "type": "organization"}


def named_key(resources: dict, kind: str, name: str) -> dict:
    return {"organization": organization_key(resources), "name": name, "type": kind}


MANAGED_CREDENTIAL_TYPES = {"Amazon Web Services": "cloud", "Vault": "vault", "Source Control": "scm"}


def credential_type_key(resources: dict, name: str) -> dict:
    kind = MANAGED_CREDENTIAL_TYPES.get(name) or next(
        item.get("kind", "cloud") for item in resources["credential_types"] if item["name"] == name)
    return {"name": name, "kind": kind, "type": "credential_type"}


def credential_key(resources: dict, name: str) -> dict:
    item = next(item for item in resources["credentials"] if item["name"] == name)
    return {"organization": organization_key(resources), "name": name,
            "credential_type": credential_type_key(resources, item["credential_type"]), "type": "credential"}


def inventory_name(environment: str) -> str:
    return f"eksforge {environment}"


def node_key(resources: dict, identifier: str) -> dict:
    return {"workflow_job_template": named_key(resources, "workflow_job_template", resources["workflow"]["name"]),
            "identifier": identifier, "type": "workflow_job_template_node"}


def notifications(resources: dict, item: dict) -> dict:
    keys = [named_key(resources, "notification_template", template["name"])
            for template in resources.get("notification_templates", [])]
    return {f"notification_templates_{event}": keys if item.get(f"notify_on_{event}") else []
            for event in ("started", "success", "error")}


# --- the assets ----------------------------------------------------------------------------------------------

def build(resources: dict) -> dict:
    specs = role_specs()
    inventory_set = inventory_variables() | playbook_variables_set()
    organization = organization_key(resources)
    ee_key = {"name": resources["execution_environment"]["name"], "type": "execution_environment"}
    project_key = named_key(resources, "project", resources["project"]["name"])
    default_inventory = named_key(resources, "inventory", inventory_name(resources["default_inventory"]))
    every_credential = [item["name"] for item in resources["credentials"]]

    assets: dict[str, list] = {
        "organizations": [{
            "name": resources["organization"], "description": "The eksforge platform (eksforge.platform collection).",
            "default_environment": ee_key, "natural_key": organization,
            "related": {"galaxy_credentials": []}}],
        "execution_environments": [{
            **{key: resources["execution_environment"][key] for key in ("name", "description", "image")},
            "organization": organization, "pull": "missing", "natural_key": ee_key}],
        "credential_types": [{
            "name": item["name"], "description": item.get("description", ""), "kind": item.get("kind", "cloud"),
            "inputs": item["inputs"], "injectors": item["injectors"],
            "natural_key": credential_type_key(resources, item["name"])} for item in resources["credential_types"]],
        "credentials": [{
            "name": item["name"], "description": item.get("description", ""), "organization": organization,
            "credential_type": credential_type_key(resources, item["credential_type"]), "inputs": item["inputs"],
            "natural_key": credential_key(resources, item["name"])} for item in resources["credentials"]],
        "notification_templates": [{
            **{key: item[key] for key in ("name", "description", "notification_type", "notification_configuration")},
            "organization": organization, "messages": None,
            "natural_key": named_key(resources, "notification_template", item["name"])}
            for item in resources.get("notification_templates", [])],
        "projects": [{
            "name": resources["project"]["name"], "description": resources["project"]["description"],
            "organization": organization, "scm_type": "git", "scm_url": resources["project"]["scm_url"],
            "scm_branch": resources["project"]["scm_branch"], "scm_clean": True, "scm_update_on_launch": True,
            "scm_update_cache_timeout": 60, "allow_override": False, "default_environment": ee_key,
            "natural_key": project_key}],
        "inventory": [],
        "inventory_sources": [],
        "job_templates": [],
        "workflow_job_templates": [],
        "teams": [],
    }

    for environment in resources["inventories"]:
        inventory_key = named_key(resources, "inventory", inventory_name(environment))
        assets["inventory"].append({
            "name": inventory_name(environment), "description": f"inventories/{environment} of the project.",
            "organization": organization, "kind": "", "variables": "---", "natural_key": inventory_key})
        assets["inventory_sources"].append({
            "name": f"inventories/{environment}", "description": f"inventories/{environment} (group_vars included).",
            "source": "scm", "source_project": project_key, "source_path": f"inventories/{environment}",
            "inventory": inventory_key, "overwrite": True, "overwrite_vars": True, "update_on_launch": True,
            "update_cache_timeout": 0, "verbosity": 1,
            "natural_key": {"organization": organization, "name": f"inventories/{environment}",
                            "inventory": inventory_key, "type": "inventory_source"}})

    for item in resources["job_templates"]:
        spec = survey(item["name"], item.get("survey"), specs, resources, inventory_set)
        related = {"credentials": [credential_key(resources, name) for name in item.get("credentials", every_credential)],
                   "labels": [], **notifications(resources, item)}
        if spec:
            related["survey_spec"] = spec
        assets["job_templates"].append({
            "name": item["name"], "description": item["description"], "job_type": "run",
            "project": project_key, "playbook": item["playbook"],
            "inventory": default_inventory, "execution_environment": ee_key, "extra_vars": "---",
            "survey_enabled": bool(spec), "ask_inventory_on_launch": True, "ask_credential_on_launch": True,
            "ask_variables_on_launch": False, "ask_tags_on_launch": False, "ask_limit_on_launch": False,
            "diff_mode": False, "verbosity": 0, "forks": 0, "timeout": 0, "allow_simultaneous": False,
            "natural_key": named_key(resources, "job_template", item["name"]), "related": related})

    workflow = resources["workflow"]
    spec = survey(workflow["name"], workflow.get("survey"), specs, resources, inventory_set)
    nodes = [{
        "identifier": node["identifier"], "all_parents_must_converge": False, "extra_data": {},
        "unified_job_template": named_key(resources, "job_template", node["template"]),
        "natural_key": node_key(resources, node["identifier"]),
        "related": {f"{edge}_nodes": [node_key(resources, target) for target in node.get(edge, [])]
                    for edge in ("success", "failure", "always")}} for node in workflow["nodes"]]
    related = {"workflow_nodes": nodes, "labels": [], **notifications(resources, workflow)}
    if spec:
        related["survey_spec"] = spec
    assets["workflow_job_templates"].append({
        "name": workflow["name"], "description": workflow["description"], "organization": organization,
        "inventory": default_inventory, "extra_vars": "---", "survey_enabled": bool(spec),
        "ask_inventory_on_launch": True, "ask_variables_on_launch": False, "allow_simultaneous": False,
        "natural_key": named_key(resources, "workflow_job_template", workflow["name"]), "related": related})

    for team in resources["teams"]:
        roles = []
        for grant in team["roles"]:
            targets = [organization] if grant.get("organization") else []
            targets += [named_key(resources, "job_template", name) for name in grant.get("job_templates", [])]
            targets += [named_key(resources, "inventory", inventory_name(name)) for name in grant.get("inventories", [])]
            roles += [{"name": grant["role"], "type": "role", "content_object": target} for target in targets]
        assets["teams"].append({"name": team["name"], "description": team["description"],
                                "organization": organization, "natural_key": named_key(resources, "team", team["name"]),
                                "related": {"roles": roles}})
    return assets


def render() -> str:
    return json.dumps(build(load_yaml(RESOURCES)), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report whether awx/assets.json is current")
    options = parser.parse_args(argv)
    rendered = render()
    if options.check:
        current = ASSETS.exists() and ASSETS.read_text() == rendered
        print("awx/assets.json is current" if current else "awx/assets.json is stale: run python scripts/awx_assets.py")
        return 0 if current else 1
    ASSETS.write_text(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
