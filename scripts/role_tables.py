"""Keeps the README's per-role variable tables equal to the roles' meta/argument_specs.yml.

    python scripts/role_tables.py          rewrite the tables in README.md
    python scripts/role_tables.py --check  exit 1 when README.md is out of date (tests/repo/test_readme.py)

A table sits between `<!-- role-variables:<role> -->` and `<!-- /role-variables:<role> -->`. It lists the
role's own variables (named `<role>_...`) of every entry point, in spec order. The meaning is the comment above
the variable in defaults/main.yml (written for users), else the argument spec's description.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
BLOCK = re.compile(r"(<!-- role-variables:(?P<role>[a-z0-9_]+) -->\n)(?P<table>.*?)(<!-- /role-variables:(?P=role) -->)",
                   re.DOTALL)


def default_comments(role: str, roles_dir: Path = REPO_ROOT / "roles") -> dict[str, str]:
    """The comment block right above each top-level variable of the role's defaults/main.yml."""
    comments: dict[str, str] = {}
    block: list[str] = []
    for line in (roles_dir / role / "defaults" / "main.yml").read_text().splitlines():
        if line.startswith("#"):
            block.append(line.lstrip("#").strip())
        elif match := re.match(r"([a-z0-9_]+):", line):
            comments[match[1]] = " ".join(block)
            block = []
        elif not line.startswith(" "):
            block = []
    return comments


def role_variables(role: str) -> dict[str, str]:
    """The role's own variables and their meaning, from every entry point of its argument specs."""
    specs = yaml.safe_load((REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    comments = default_comments(role)
    variables: dict[str, str] = {}
    for entry_point in specs["argument_specs"].values():
        for name, option in entry_point.get("options", {}).items():
            if name.startswith(f"{role}_") and name not in variables:
                description = comments.get(name) or option.get("description", "")
                if isinstance(description, list):
                    description = " ".join(description)
                # Ansible doc markup C(...) becomes Markdown code; "|" would end the table cell.
                description = re.sub(r"C\((.*?)\)", r"`\1`", " ".join(description.split()))
                variables[name] = description.replace("|", "/")
    return variables


def table(role: str) -> str:
    rows = [f"| `{name}` | {description} |" for name, description in role_variables(role).items()]
    return "\n".join(["| variable | meaning |", "|---|---|", *rows]) + "\n"


def render(readme: str) -> str:
    return BLOCK.sub(lambda match: match.group(1) + table(match["role"]) + match.group(4), readme)


def main(argv: list[str]) -> int:
    current = README.read_text()
    wanted = render(current)
    if "--check" in argv:
        if wanted != current:
            print("README.md role tables differ from roles/*/meta/argument_specs.yml: "
                  "run python scripts/role_tables.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
