"""The README's role variable tables are generated from the roles (scripts/role_tables.py) and must be current."""

from __future__ import annotations

from scripts import role_tables


def test_readme_role_tables_match_the_roles():
    readme = role_tables.README.read_text()
    assert readme == role_tables.render(readme), "README.md role tables are stale: run python scripts/role_tables.py"


def test_every_role_has_a_table_listing_each_of_its_variables():
    readme = role_tables.README.read_text()
    for role in ("vpc", "iam", "ecr", "eks"):
        assert f"<!-- role-variables:{role} -->" in readme
        for name in role_tables.role_variables(role):
            assert f"| `{name}` |" in readme


def test_default_comments_are_the_meaning_of_a_variable():
    comments = role_tables.default_comments("eks")
    assert comments["eks_wait_timeout"].startswith("Seconds to wait")
