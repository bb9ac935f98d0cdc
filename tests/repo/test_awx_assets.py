"""awx/assets.json (what `awx import` reads) is current, is made of what awxkit knows AWX accepts, and its
surveys follow the roles' argument specs without overriding any inventory."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from awxkit.api import pages
from awxkit.api.pages.api import DEPENDENT_EXPORT, EXPORTABLE_RELATIONS, EXPORTABLE_RESOURCES
from awxkit.api.pages.credentials import credential_input_fields, credential_type_name_to_config_kind_map
from awxkit.api.pages.page import get_registered_page
from awxkit.api.resources import resources as awx_endpoints
from awxkit.utils import cloud_types

from scripts import awx_assets

ROOT = Path(__file__).resolve().parents[2]
ASSETS = json.loads((ROOT / "awx" / "assets.json").read_text())

# The awxkit page class of each exported resource list.
PAGE_CLASSES = {
    "organizations": pages.Organization, "teams": pages.Team, "credential_types": pages.CredentialType,
    "credentials": pages.Credential, "notification_templates": pages.NotificationTemplate,
    "projects": pages.Project, "inventory": pages.Inventory, "inventory_sources": pages.InventorySource,
    "job_templates": pages.JobTemplate, "workflow_job_templates": pages.WorkflowJobTemplate,
    "execution_environments": pages.ExecutionEnvironment,
}
# AWX's survey question types (api/v2 .../survey_spec/) and the default each takes.
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "integer": int, "float": (int, float),
                "multiplechoice": str, "multiselect": str}
# Credential types AWX manages itself (import finds them by natural key, the assets do not define them).
MANAGED_TYPE_NAMES = {name for name in credential_type_name_to_config_kind_map}


def test_assets_are_current():
    assert (ROOT / "awx" / "assets.json").read_text() == awx_assets.render(), \
        "awx/assets.json is stale: run python scripts/awx_assets.py"


def every_asset():
    for resource, items in ASSETS.items():
        for item in items:
            yield resource, item


def natural_keys_defined() -> list[dict]:
    keys = [item["natural_key"] for _, item in every_asset()]
    keys += [node["natural_key"] for workflow in ASSETS["workflow_job_templates"]
             for node in workflow["related"]["workflow_nodes"]]
    return keys


def references(value):
    """Every natural key (a dict with a `type`) inside a field value, related sets included."""
    if isinstance(value, dict):
        if "type" in value and "name" in value or value.get("type") == "workflow_job_template_node":
            yield value
            return
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def test_resource_lists_and_natural_keys_are_awxkits():
    assert set(ASSETS) <= set(EXPORTABLE_RESOURCES)
    for resource, item in every_asset():
        page_class = PAGE_CLASSES[resource]
        # awxkit's own registry maps the API list of this resource to a subclass of the page class.
        assert issubclass(get_registered_page(getattr(awx_endpoints, resource if resource != "inventory"
                                                      else "inventories")), page_class)
        key = item["natural_key"]
        assert set(key) == set(page_class.NATURAL_KEY) | {"type"}, (resource, key)
        assert all(key[field] == item[field] for field in page_class.NATURAL_KEY if field in item)
    names = [(key["type"], json.dumps(key, sort_keys=True)) for key in natural_keys_defined()]
    assert len(names) == len(set(names)), "two assets share a natural key"


def test_every_reference_resolves():
    defined = {json.dumps(key, sort_keys=True) for key in natural_keys_defined()}
    for resource, item in every_asset():
        for field, value in item.items():
            if field == "natural_key":
                continue
            for key in references(value):
                if key["type"] == "credential_type" and key["name"] in (
                        awx_assets.MANAGED_CREDENTIAL_TYPES):
                    assert key["name"].lower() in MANAGED_TYPE_NAMES
                    continue
                if key["type"] == "role":
                    key = key["content_object"]
                assert json.dumps(key, sort_keys=True) in defined, (resource, item["name"], field, key)


def stand_in(key: dict) -> SimpleNamespace:
    """A foreign key as awxkit's payload() takes it: an object with an id (credential types: kind, managed)."""
    managed = key.get("type") == "credential_type" and key["name"].lower() in MANAGED_TYPE_NAMES
    return SimpleNamespace(id=1, name=key.get("name"), kind=key.get("kind"), managed=managed)


@pytest.mark.parametrize("resource", sorted(PAGE_CLASSES))
def test_fields_are_ones_awxkit_sends_to_awx(resource):
    """awxkit's payload() of each page class is what it knows AWX's API takes: every field of every asset goes
    through it unchanged (foreign keys as ids; the inventory source's project is its `project` argument)."""
    assert ASSETS[resource], resource
    for item in ASSETS[resource]:
        arguments = {}
        for field, value in item.items():
            if field in ("natural_key", "related"):
                continue
            name = "project" if (resource, field) == ("inventory_sources", "source_project") else field
            arguments[name] = stand_in(value) if isinstance(value, dict) and "type" in value else value
        payload = PAGE_CLASSES[resource](SimpleNamespace()).payload(**arguments)
        for field, value in item.items():
            if field in ("natural_key", "related"):
                continue
            assert field in payload, f"{resource} {item['name']}: awxkit does not send {field}"
            expected = 1 if isinstance(value, dict) and "type" in value else value
            assert payload[field] == expected or field in ("inputs", "messages"), (resource, field, payload[field])


def test_related_sets_are_ones_awxkit_imports():
    relation_names = {"credentials", "labels", "roles", "survey_spec", "workflow_nodes", "galaxy_credentials",
                      "success_nodes", "failure_nodes", "always_nodes", "notification_templates_started",
                      "notification_templates_success", "notification_templates_error"}
    assert ("JobTemplate", "SurveySpec") in DEPENDENT_EXPORT and ("WorkflowJobTemplate", "SurveySpec") in DEPENDENT_EXPORT
    assert ("WorkflowJobTemplate", "WorkflowJobTemplateNode") in DEPENDENT_EXPORT
    assert {"Roles", "Credentials", "NotificationTemplates"} <= set(EXPORTABLE_RELATIONS)
    for _, item in every_asset():
        assert set(item.get("related", {})) <= relation_names, item["related"].keys()


def test_credentials_use_awxs_own_types_and_input_names():
    credentials = {item["name"]: item for item in ASSETS["credentials"]}
    aws = credentials["eksforge AWS"]
    assert aws["credential_type"] == {"name": "Amazon Web Services", "kind": "cloud", "type": "credential_type"}
    assert credential_type_name_to_config_kind_map["amazon web services"] in cloud_types
    assert set(aws["inputs"]) <= set(credential_input_fields)
    vault = credentials["eksforge vault"]
    assert vault["credential_type"] == {"name": "Vault", "kind": "vault", "type": "credential_type"}
    assert set(vault["inputs"]) <= set(credential_input_fields)
    git = credentials["eksforge GitOps repository"]
    custom = next(item for item in ASSETS["credential_types"] if item["natural_key"] == git["credential_type"])
    assert custom["kind"] in ("cloud", "net")  # the kinds AWX allows for custom credential types
    assert set(custom["injectors"]["extra_vars"]) == {"gitops_repository_username", "gitops_repository_password"}
    # No secret in the file: AWX exports secrets as $encrypted$, which import leaves empty.
    secret_ids = {field["id"] for field in custom["inputs"]["fields"] if field.get("secret")}
    for item in ASSETS["credentials"]:
        for name, value in item["inputs"].items():
            assert value in ("", "$encrypted$"), (item["name"], name)
            if name in secret_ids | {"password", "vault_password"}:
                assert value == "$encrypted$"
    for item in ASSETS["notification_templates"]:
        assert item["notification_configuration"]["token"] == "$encrypted$"


def surveys():
    for resource in ("job_templates", "workflow_job_templates"):
        for item in ASSETS[resource]:
            assert item["survey_enabled"] == ("survey_spec" in item["related"]), item["name"]
            if "survey_spec" in item["related"]:
                yield item["name"], item["related"]["survey_spec"]


def test_survey_specs_have_awxs_format():
    assert len(list(surveys())) >= 5
    for name, survey in surveys():
        assert set(survey) == {"name", "description", "spec"} and survey["spec"], name
        variables = [question["variable"] for question in survey["spec"]]
        assert len(variables) == len(set(variables)), name
        for question in survey["spec"]:
            assert {"question_name", "question_description", "variable", "type", "required"} <= set(question)
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", question["variable"]), question
            assert isinstance(question["required"], bool)
            assert question["type"] in SURVEY_TYPES, question
            if "default" in question:
                assert isinstance(question["default"], SURVEY_TYPES[question["type"]]), question
                assert not isinstance(question["default"], bool), question
            if question["type"] in ("multiplechoice", "multiselect"):
                assert question["choices"] and all(isinstance(choice, str) for choice in question["choices"])
                if "default" in question:
                    assert set(question["default"].split("\n")) <= set(question["choices"]), question
            if question["type"] in ("text", "textarea", "password"):
                assert 0 <= question["min"] <= len(question.get("default", "")) <= question["max"], question
            if question["type"] == "password":
                assert question.get("default", "") == "", question
            if question["required"]:
                assert question.get("default") in (None, ""), question


def test_surveys_follow_the_argument_specs_and_never_override_an_inventory():
    specs = awx_assets.role_specs()
    declared = {variable: option for entry_points in specs.values() for options in entry_points.values()
                for variable, option in options.items()}
    declared.update({variable: option for entry_points in specs.values()
                     for variable, option in entry_points["main"].items()})  # layer questions: entry point main
    not_to_ask = awx_assets.inventory_variables() | awx_assets.playbook_variables_set()
    assert {"platform_name", "aws_region", "vpc_cidr", "eks_kubernetes_version"} <= not_to_ask
    for name, survey in surveys():
        for question in survey["spec"]:
            variable = question["variable"]
            assert variable not in not_to_ask, (name, variable)
            option = declared.get(variable)
            if option is None:  # a playbook variable (destroy's confirmation)
                assert variable in yaml.safe_load((ROOT / "awx" / "resources.yml").read_text())["playbook_variables"]
                continue
            assert option.get("type", "str") != "bool"
            assert question["required"] == bool(option.get("required", False)), variable
            expected = option.get("default")
            if question["type"] in ("text", "multiplechoice") and expected is not None:
                expected = str(expected)  # AWX passes these answers as strings
            assert question.get("default") == expected or question["type"] == "multiselect", variable
            if option.get("type", "str") in ("str", "path", "list"):  # a choice answer is a string
                assert [str(choice) for choice in option.get("choices", [])] == question.get("choices", []), variable
            assert question["question_description"] == awx_assets.plain(option.get("description", ""))


def test_layer_surveys_ask_the_layers_roles():
    by_name = dict(surveys())
    asked = {name: {question["variable"] for question in survey["spec"]} for name, survey in by_name.items()}
    assert {"eks_support_type", "ecr_default_keep_last", "vpc_wait_timeout"} <= asked["eksforge infra"]
    assert {"platform_namespace_name", "platform_namespace_delete_timeout"} <= asked["eksforge platform"]
    assert not asked["eksforge platform"] & {"eks_support_type", "ecr_default_keep_last"}
    layers = asked["eksforge infra"] | asked["eksforge platform"] | asked.get("eksforge apps", set())
    assert asked["eksforge site"] == asked["eksforge build"] == layers
    support = next(question for question in by_name["eksforge infra"]["spec"] if question["variable"] == "eks_support_type")
    assert support["type"] == "multiplechoice" and support["choices"] == ["STANDARD", "EXTENDED"]
    assert support["default"] == "STANDARD"
    confirm = by_name["eksforge destroy"]["spec"]
    assert [(question["variable"], question["required"]) for question in confirm] == [
        ("destroy_confirm_platform_name", True)]
    assert [question["variable"] for question in by_name["eksforge release"]["spec"]] == [
        "shop_release_service", "shop_release_tag"]


def test_templates_run_the_projects_playbooks():
    playbooks = {item["name"]: item["playbook"] for item in ASSETS["job_templates"]}
    assert playbooks == {"eksforge site": "playbooks/site.yml", "eksforge infra": "playbooks/infra.yml",
                         "eksforge platform": "playbooks/platform.yml", "eksforge apps": "playbooks/apps.yml",
                         "eksforge release": "playbooks/release.yml", "eksforge summary": "playbooks/summary.yml",
                         "eksforge destroy": "playbooks/destroy.yml"}
    assert sorted(path for path in playbooks.values() if not (ROOT / path).exists()) == []
    sources = {item["source_path"] for item in ASSETS["inventory_sources"]}
    assert sources == {f"inventories/{path.name}" for path in (ROOT / "inventories").iterdir() if path.is_dir()}
    assert all((ROOT / source / "hosts.yml").exists() for source in sources)


def test_workflow_runs_the_layers_in_order_with_failure_paths():
    workflow = ASSETS["workflow_job_templates"][0]
    nodes = {node["identifier"]: node for node in workflow["related"]["workflow_nodes"]}
    template = {identifier: node["unified_job_template"]["name"] for identifier, node in nodes.items()}
    assert template == {"infra": "eksforge infra", "platform": "eksforge platform", "apps": "eksforge apps",
                        "summary": "eksforge summary"}

    def edges(identifier, kind):
        return [key["identifier"] for key in nodes[identifier]["related"][f"{kind}_nodes"]]

    assert edges("infra", "success") == ["platform"] and edges("platform", "success") == ["apps"]
    assert edges("infra", "failure") == edges("platform", "failure") == ["summary"]
    assert edges("apps", "always") == ["summary"]
    assert workflow["related"]["notification_templates_error"]


def test_teams_ops_run_everything_dev_only_release_and_summary():
    teams = {team["name"]: team["related"]["roles"] for team in ASSETS["teams"]}
    assert teams["Ops"] == [{"name": "Admin", "type": "role", "content_object": ASSETS["organizations"][0]["natural_key"]}]
    dev_templates = {role["content_object"]["name"] for role in teams["Dev"] if role["content_object"]["type"] == "job_template"}
    assert dev_templates == {"eksforge release", "eksforge summary"}
    assert all(role["name"] == "Execute" for role in teams["Dev"] if role["content_object"]["type"] == "job_template")
    assert {role["content_object"]["type"] for role in teams["Dev"]} == {"job_template", "inventory"}
    assert all(role["name"] == "Use" for role in teams["Dev"] if role["content_object"]["type"] == "inventory")


def test_a_survey_question_cannot_be_built_from_what_a_survey_cannot_set():
    with pytest.raises(awx_assets.SurveyError, match="template"):
        awx_assets.question("ecr_namespace", {"type": "str", "default": "{{ platform_name }}"})
    with pytest.raises(awx_assets.SurveyError, match="bool has no survey type"):
        awx_assets.question("vpc_nat_wait", {"type": "bool", "default": True})
    with pytest.raises(awx_assets.SurveyError, match="no valid answer of a integer question"):
        awx_assets.question("ecr_default_keep_last", {"type": "int", "default": "30"})
    with pytest.raises(awx_assets.SurveyError, match="no valid answer of a multiplechoice question"):
        awx_assets.question("eks_support_type", {"type": "str", "choices": ["STANDARD"], "default": "EXTENDED"})
    assert awx_assets.question("eks_kubernetes_version", {"type": "str", "default": 1.33})["default"] == "1.33"
    with pytest.raises(awx_assets.SurveyError, match="secret"):
        awx_assets.question("admin_password", {"type": "str", "no_log": True, "default": "x"})
    secret = awx_assets.question("admin_password", {"type": "str", "no_log": True, "required": True})
    assert secret["type"] == "password" and secret["default"] == "" and secret["required"]
    with pytest.raises(awx_assets.SurveyError, match="remove it from playbook_variables"):
        awx_assets.variable_questions(["ecr_default_keep_last"], awx_assets.role_specs(),
                                      {"ecr_default_keep_last": {"type": "int", "required": True}})


def test_nothing_in_the_collection_branches_on_awx():
    """AWX runs the playbooks as they are: no role, play, plugin or inventory reads AWX's job variables
    (awx_*/tower_*) or environment (AWX_*, JOB_ID)."""
    pattern = re.compile(r"\b(awx|tower)_[a-z_]+|\bAWX_[A-Z_]+|\bJOB_ID\b")
    checked = [path for folder in ("roles", "playbooks", "plugins", "inventories", "meta")
               for path in (ROOT / folder).rglob("*") if path.is_file() and path.suffix in (".yml", ".yaml", ".py", ".j2")]
    assert len(checked) > 50
    assert [str(path.relative_to(ROOT)) for path in checked if pattern.search(path.read_text())] == []
