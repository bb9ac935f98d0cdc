"""Unit tests of the platform_name test (plugins/test/platform_tests.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[4] / "plugins" / "test" / "platform_tests.py"
_SPEC = importlib.util.spec_from_file_location("eksforge_platform_tests", _PATH)
platform_tests = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(platform_tests)


@pytest.mark.parametrize("name", ["a", "demo", "shop-dev", "0x1", "a" * 24, "a-b-c-9"])
def test_valid_platform_names(name):
    assert platform_tests.platform_name(name)


@pytest.mark.parametrize("name", [
    "", "a" * 25, "Demo", "-demo", "demo-", "de_mo", "de.mo", "de mo", "démo", "demo\n", None, 42, ["demo"],
])
def test_invalid_platform_names(name):
    assert not platform_tests.platform_name(name)


def test_the_test_is_exported_under_its_name():
    assert platform_tests.TestModule().tests() == {"platform_name": platform_tests.platform_name}
