"""Every role under roles/, and a role made from role_skeleton/, has the same shape (README "Where does a new
role go"):

tasks/main.yml includes validate.yml (unless this run's preflight checked the role) -> present.yml | absent.yml (one
skipped task for the branch not taken) -> outputs.yml; tasks/destroy.yml is the main path
with <role>_state absent; meta/argument_specs.yml has the entry points `main` and `destroy` (and one for every other
tasks file called with tasks_from); defaults/main.yml documents each variable; exactly one task sets the one public
fact <role>_outputs; every other fact and registered result is private (<role>__x).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts import role_tables

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLES_DIR = REPO_ROOT / "roles"
ROLES = sorted(path.name for path in ROLES_DIR.iterdir() if (path / "tasks").is_dir())
SKELETON = "skeleton-made"  # test id of the role made from role_skeleton/
SHAPE_FILES = ("README.md", "defaults/main.yml", "meta/main.yml", "meta/argument_specs.yml", "tasks/main.yml",
               "tasks/validate.yml", "tasks/present.yml", "tasks/absent.yml", "tasks/outputs.yml", "tasks/destroy.yml")
IMPORTS = ("ansible.builtin.import_tasks", "ansible.builtin.include_tasks")
# An entry point other than main/destroy returns its result in a fact its description names this way.
DOCUMENTED_FACT = re.compile(r"Sets the fact C\(([a-z0-9_]+)\)")


@pytest.fixture(scope="module")
def skeleton_roles_dir(tmp_path_factory) -> Path:
    """roles/ of a scratch checkout with the role `newrole` made by ansible-galaxy from role_skeleton/."""
    roles_dir = tmp_path_factory.mktemp("skeleton") / "roles"
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    subprocess.run([str(galaxy), "role", "init", f"--role-skeleton={REPO_ROOT / 'role_skeleton'}",
                    str(roles_dir / "newrole")], check=True, capture_output=True, cwd=roles_dir.parent)
    return roles_dir


@pytest.fixture(params=[*ROLES, SKELETON])
def role(request) -> tuple[Path, str]:
    """(roles folder, role name) of each role of the repository and of the role made from the skeleton."""
    if request.param == SKELETON:
        return request.getfixturevalue("skeleton_roles_dir"), "newrole"
    return ROLES_DIR, request.param


def load(role: tuple[Path, str], relative: str):
    roles_dir, name = role
    return yaml.safe_load((roles_dir / name / relative).read_text())


def entry_points(role: tuple[Path, str]) -> dict:
    return load(role, "meta/argument_specs.yml")["argument_specs"]


def tasks_of(tasks: list[dict] | None):
    """Every task of a task list, also those nested in blocks."""
    for task in tasks or []:
        yield task
        for section in ("block", "rescue", "always"):
            yield from tasks_of(task.get(section))


def imported(task: dict) -> str | None:
    return next((task[key] for key in IMPORTS if key in task), None)


def test_the_roles_are_found():
    assert {"vpc", "iam", "ecr", "eks"} <= set(ROLES), ROLES


def test_role_has_the_shape_files(role):
    roles_dir, name = role
    missing = [path for path in SHAPE_FILES if not (roles_dir / name / path).is_file()]
    assert not missing, f"roles/{name} lacks {missing} (start a role from role_skeleton/)"


def test_main_runs_validate_then_present_or_absent_then_outputs(role):
    _, name = role
    steps = load(role, "tasks/main.yml")
    assert [imported(task) for task in steps] == ["validate.yml", "present.yml", "absent.yml", "outputs.yml"]
    # Included, not imported: a static import repeats its `when` on every task of the branch not taken.
    assert [next(key for key in IMPORTS if key in task) for task in steps[:3]] == ["ansible.builtin.include_tasks"] * 3
    conditions = {imported(task): task.get("when") for task in steps}
    # validate.yml may have one more condition, first the preflight's: a role other roles apply (helm_release) is told
    # when its caller has run its checks already.
    validate_condition = conditions["validate.yml"]
    if isinstance(validate_condition, list):
        assert validate_condition[1:] == [f"not {name}_checked"], validate_condition
        conditions["validate.yml"] = validate_condition[0]
    assert conditions == {"validate.yml": f"'{name}' not in preflight_validated | default([])", "present.yml": f"{name}_state == 'present'",
                          "absent.yml": f"{name}_state == 'absent'", "outputs.yml": None}


def test_destroy_entry_point_is_main_with_state_absent(role):
    _, name = role
    (task,) = load(role, "tasks/destroy.yml")
    assert imported(task) == "main.yml"
    assert task.get("vars") == {f"{name}_state": "absent"}


def test_argument_specs_have_an_entry_point_per_tasks_from_file(role):
    roles_dir, name = role
    specs = entry_points(role)
    assert {"main", "destroy"} <= set(specs), f"roles/{name} argument_specs entry points: {sorted(specs)}"
    for entry, spec in specs.items():
        assert (roles_dir / name / "tasks" / f"{entry}.yml").is_file(), f"entry point {entry} has no tasks/{entry}.yml"
        assert spec.get("short_description"), f"entry point {entry} of roles/{name} has no short_description"
    state = specs["main"]["options"][f"{name}_state"]
    assert state["choices"] == ["present", "absent"] and state["default"] == "present"


def test_defaults_are_public_documented_and_in_the_argument_specs(role):
    roles_dir, name = role
    defaults = load(role, "defaults/main.yml")
    comments = role_tables.default_comments(name, roles_dir)
    options = {option for spec in entry_points(role).values() for option in spec.get("options", {})}
    assert defaults[f"{name}_state"] == "present"
    for variable in defaults:
        assert variable.startswith(f"{name}_") and not variable.startswith(f"{name}__"), \
            f"{variable}: defaults are public variables named {name}_x"
        assert comments.get(variable), f"roles/{name}/defaults/main.yml: {variable} has no comment saying what it is"
        assert variable in options, f"{variable} of roles/{name}/defaults/main.yml is in no argument_specs entry point"
    if f"{name}_enabled" in defaults:
        assert isinstance(defaults[f"{name}_enabled"], bool)


def test_role_vars_are_private(role):
    roles_dir, name = role
    path = roles_dir / name / "vars" / "main.yml"
    public = [variable for variable in (yaml.safe_load(path.read_text()) or {}) if not variable.startswith(f"{name}__")]
    assert not public, f"roles/{name}/vars/main.yml holds internal values; name them {name}__x: {public}"


def test_one_outputs_fact_and_every_other_fact_private(role):
    roles_dir, name = role
    documented = {fact for entry, spec in entry_points(role).items() if entry not in ("main", "destroy")
                  for fact in DOCUMENTED_FACT.findall(" ".join(spec.get("description", [])))}
    outputs_tasks, public = [], []
    for path in sorted((roles_dir / name / "tasks").glob("*.yml")):
        for task in tasks_of(yaml.safe_load(path.read_text())):
            facts = list(task.get("ansible.builtin.set_fact") or {})
            facts += [task["register"]] if "register" in task else []
            for fact in facts:
                if fact == f"{name}_outputs":
                    outputs_tasks.append(path.name)
                elif not fact.startswith(f"{name}__") and fact not in documented:
                    public.append(f"{path.name}: {fact}")
    assert outputs_tasks == ["outputs.yml"], f"{name}_outputs must be set by exactly one task, in outputs.yml: {outputs_tasks}"
    assert not public, f"facts and registered results of roles/{name} must be private ({name}__x): {public}"
