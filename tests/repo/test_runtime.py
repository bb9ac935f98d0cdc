"""meta/runtime.yml: every module of the collection is in the action group `aws`, or, for the modules of the
Kubernetes API (KUBERNETES_MODULES), in the group `k8s`.

Plays set the AWS connection (region, endpoint, credentials) with module_defaults for group/eksforge.platform.aws;
a module missing from the group silently gets none of it and would talk to the real AWS default endpoint.
"""

from __future__ import annotations

from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


KUBERNETES_MODULES = {"argocd_application_info"}
# Modules that reach neither AWS nor Kubernetes (a git server; nothing at all, for `plan`): in no connection group.
UNCONNECTED_MODULES = {"gitops_files", "plan"}


def aws_group() -> list:
    return yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text())["action_groups"]["aws"]


def k8s_group() -> list:
    return yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text())["action_groups"]["k8s"]


def test_every_module_is_in_the_aws_action_group():
    # Entries are module names; a {metadata: {extend_group: [...]}} entry pulls in amazon.aws and community.aws.
    members = {entry for entry in aws_group() if isinstance(entry, str)}
    modules = {path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py")
               if path.stem != "__init__"} - KUBERNETES_MODULES - UNCONNECTED_MODULES
    assert modules, "no module found under plugins/modules"
    missing = sorted(modules - members)
    assert not missing, f"add these modules to action_groups.aws in meta/runtime.yml: {missing}"


def test_the_aws_action_group_names_only_existing_modules():
    members = {entry for entry in aws_group() if isinstance(entry, str)}
    modules = {path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py")}
    assert members <= modules, f"action_groups.aws lists modules that do not exist: {sorted(members - modules)}"


def test_the_aws_action_group_extends_the_amazon_groups():
    metadata = [entry["metadata"] for entry in aws_group() if isinstance(entry, dict) and "metadata" in entry]
    assert metadata and {"amazon.aws.aws", "community.aws.aws"} <= set(metadata[0]["extend_group"])


def test_the_kubernetes_modules_are_in_the_k8s_group_which_extends_kubernetes_core():
    members = {entry for entry in k8s_group() if isinstance(entry, str)}
    metadata = [entry["metadata"] for entry in k8s_group() if isinstance(entry, dict) and "metadata" in entry]
    assert members == KUBERNETES_MODULES
    assert metadata and metadata[0]["extend_group"] == ["kubernetes.core.k8s"]
